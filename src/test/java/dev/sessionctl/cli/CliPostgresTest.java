package dev.sessionctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.render.Json;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CLI end to end on a real embedded PostgreSQL: what a user types, what they see, what happens. */
class CliPostgresTest {

    static EmbeddedPostgresServer pg;
    BlockingWorkload workload;
    final List<Connection> extra = new ArrayList<>();

    @BeforeAll
    static void start() {
        pg = EmbeddedPostgresServer.start();
    }

    @AfterAll
    static void stop() {
        pg.close();
    }

    @AfterEach
    void cleanUp() throws Exception {
        KillCommand.confirmer = prompt -> null;
        if (workload != null) {
            workload.close();
        }
        for (Connection c : extra) {
            c.close();
        }
    }

    String[] target(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", pg.jdbcUrl(), "-U", pg.superuser()));
        return all.toArray(new String[0]);
    }

    JsonNode json(String... args) throws Exception {
        CliUsageTest.Run r = CliUsageTest.run(target(args));
        assertThat(r.code()).as(r.err()).isZero();
        return Json.MAPPER.readTree(r.out());
    }

    JsonNode blockersWhenWaiting(int expectedWaiting) throws Exception {
        for (int i = 0; i < 100; i++) {
            JsonNode b = json("blockers", "-o", "json");
            if (b.get("waitingSessions").asInt() >= expectedWaiting) {
                return b;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("waiters never showed");
    }

    boolean alive(long pid) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    @Test
    void blockersJsonCarriesRootKeySessionIdAndWaiters() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 2, false);
        JsonNode b = blockersWhenWaiting(2);
        assertThat(b.get("roots")).hasSize(1);
        JsonNode root = b.get("roots").get(0);
        assertThat(root.get("sessionId").asLong()).isEqualTo(workload.blockerSessionId());
        assertThat(root.get("key").asText()).startsWith(workload.blockerSessionId() + ",");
        assertThat(root.get("session").get("state").asText()).isEqualTo("idle-in-transaction");
        assertThat(root.get("idleInTransaction").asBoolean()).isTrue();
        assertThat(root.get("totalBlocked").asInt()).isEqualTo(2);
        assertThat(root.get("waiters")).extracting(w -> w.get("sessionId").asLong())
                .containsExactlyInAnyOrderElementsOf(workload.waiterSessionIds());
    }

    @Test
    void sessionsFiltersByStateUserAndSql() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 1, false);
        blockersWhenWaiting(1);
        JsonNode idleTx = json("sessions", "--state", "idle-in-transaction", "-o", "json");
        assertThat(idleTx.get("sessions")).extracting(s -> s.get("sessionId").asLong())
                .containsExactly(workload.blockerSessionId());
        assertThat(json("sessions", "--user", "nobody*", "-o", "json").get("count").asInt()).isZero();
        JsonNode bySql = json("sessions", "--sql", "update\\s+sessionctl_demo", "--state", "active", "-o", "json");
        assertThat(bySql.get("sessions")).extracting(s -> s.get("sessionId").asLong())
                .containsExactlyElementsOf(workload.waiterSessionIds());
        CliUsageTest.Run table = CliUsageTest.run(target("sessions"));
        assertThat(table.out()).contains("idle-tx").contains("waiting").contains("session(s) on " + UrlTargetName.of(pg.jdbcUrl()) + " (postgresql")
                .contains(":" + pg.port() + "/postgres (postgresql").doesNotContain(" cli ");
        JsonNode named = json("sessions", "-o", "json");
        assertThat(named.get("target").asText()).isEqualTo(UrlTargetName.of(pg.jdbcUrl())).endsWith(":" + pg.port() + "/postgres");
        for (String line : table.out().split("\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(80);
        }
        CliUsageTest.Run csv = CliUsageTest.run(target("sessions", "-o", "csv", "--state", "idle-in-transaction"));
        assertThat(csv.out()).startsWith("key,user,database,state").contains(",idle-in-transaction,");
    }

    @Test
    void stateWaitingSelectsTheBlockedSessionsForSessionsAndKill() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 2, false);
        blockersWhenWaiting(2);
        JsonNode waiting = json("sessions", "--state", "waiting", "-o", "json");
        assertThat(waiting.get("sessions")).extracting(s -> s.get("sessionId").asLong())
                .containsExactlyInAnyOrderElementsOf(workload.waiterSessionIds());
        assertThat(json("sessions", "--state", "WAITING", "--user", "nobody*", "-o", "json").get("count").asInt()).isZero();
        CliUsageTest.Run plan = CliUsageTest.run(target("kill", "--state", "waiting", "--dry-run", "-o", "json"));
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(Json.MAPPER.readTree(plan.out()).get("results")).extracting(r -> r.get("sessionId").asLong())
                .containsExactlyInAnyOrderElementsOf(workload.waiterSessionIds());
        assertThat(alive(workload.blockerSessionId())).isTrue();
    }

    @Test
    void cancelOnAnIdleInTransactionSessionIsNothingToCancelNotAlreadyGone() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 1, false);
        String key = blockersWhenWaiting(1).get("roots").get(0).get("key").asText();
        CliUsageTest.Run r = CliUsageTest.run(target("kill", key, "--cancel", "--yes"));
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).contains("nothing-to-cancel").contains("locks").doesNotContain("already-gone")
                .doesNotContain("terminated");
        JsonNode j = Json.MAPPER.readTree(CliUsageTest.run(target("kill", key, "--cancel", "--yes", "-o", "json")).out());
        assertThat(j.get("results").get(0).get("outcome").asText()).isEqualTo("nothing-to-cancel");
        assertThat(j.get("results").get(0).get("succeeded").asBoolean()).isTrue();
        JsonNode escalated = Json.MAPPER.readTree(CliUsageTest.run(target("kill", key, "--cancel", "--escalate", "--yes",
                "-o", "json")).out());
        assertThat(escalated.get("results").get(0).get("outcome").asText()).isEqualTo("nothing-to-cancel");
        assertThat(alive(workload.blockerSessionId())).isTrue();
    }

    @Test
    void countByAppShowsALeakingPoolAsTheLargestIdleGroup() throws Exception {
        String url = pg.jdbcUrl() + (pg.jdbcUrl().contains("?") ? "&" : "?") + "ApplicationName=leaky-pool";
        for (int i = 0; i < 4; i++) {
            extra.add(DriverManager.getConnection(url, pg.superuser(), pg.password()));
        }
        String other = pg.jdbcUrl() + (pg.jdbcUrl().contains("?") ? "&" : "?") + "ApplicationName=reporting";
        extra.add(DriverManager.getConnection(other, pg.superuser(), pg.password()));
        Thread.sleep(20); // so that the idle age is above zero on the server's clock
        JsonNode j = json("sessions", "--count-by", "app", "-o", "json");
        assertThat(j.get("countBy").asText()).isEqualTo("app");
        JsonNode first = j.get("groups").get(0);
        assertThat(first.get("value").asText()).isEqualTo("leaky-pool");
        assertThat(first.get("sessions").asInt()).isEqualTo(4);
        assertThat(first.get("idle").asInt()).isEqualTo(4);
        assertThat(first.get("oldestIdleSeconds").asDouble()).isPositive();
        assertThat(j.get("groups")).extracting(g -> g.get("value").asText()).contains("reporting");
        int total = 0;
        for (JsonNode g : j.get("groups")) {
            total += g.get("sessions").asInt();
        }
        assertThat(total).isEqualTo(j.get("count").asInt());

        CliUsageTest.Run table = CliUsageTest.run(target("sessions", "--state", "idle", "--count-by", "app"));
        assertThat(table.code()).as(table.err()).isZero();
        String[] lines = table.out().split("\n");
        assertThat(lines[0]).contains("SESSIONS").contains("OLDEST-IDLE").contains("APP");
        assertThat(lines[1]).matches("4\\s+4\\s+0\\s+\\S+\\s+leaky-pool");
        assertThat(table.out()).contains("group(s) by app on");
        CliUsageTest.Run csv = CliUsageTest.run(target("sessions", "--count-by", "app", "-o", "csv"));
        assertThat(csv.out()).startsWith("app,sessions,idle,idle_in_transaction,oldest_idle_seconds")
                .contains("\nleaky-pool,4,4,0,");
        JsonNode byState = json("sessions", "--count-by", "state", "--app", "leaky-pool", "-o", "json");
        assertThat(byState.get("groups")).hasSize(1);
        assertThat(byState.get("groups").get(0).get("value").asText()).isEqualTo("idle");
    }

    @Test
    void aKeyWithAnInstanceIsAUsageErrorOnPostgres() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 1, false);
        String key = blockersWhenWaiting(1).get("roots").get(0).get("key").asText();
        CliUsageTest.Run r = CliUsageTest.run(target("kill", key + ",@2", "--yes", "-o", "json"));
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("invalid session key '" + key + ",@2'").contains("has no instances")
                .doesNotContain("\tat ");
        assertThat(r.out()).doesNotContain("already-gone");
        assertThat(alive(workload.blockerSessionId())).isTrue();
    }

    @Test
    void withoutTerminalOrYesNothingIsKilled() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 1, false);
        String key = blockersWhenWaiting(1).get("roots").get(0).get("key").asText();
        KillCommand.confirmer = prompt -> null;
        CliUsageTest.Run r = CliUsageTest.run(target("kill", key));
        assertThat(r.code()).isEqualTo(ExitCode.NOT_CONFIRMED);
        assertThat(r.err()).contains("Plan: terminate on 1 session(s)").contains("No terminal");
        assertThat(alive(workload.blockerSessionId())).isTrue();

        KillCommand.confirmer = prompt -> "n";
        assertThat(CliUsageTest.run(target("kill", key)).code()).isEqualTo(ExitCode.NOT_CONFIRMED);
        assertThat(alive(workload.blockerSessionId())).isTrue();

        CliUsageTest.Run byFilter = CliUsageTest.run(target("kill", "--roots"));
        assertThat(byFilter.code()).isEqualTo(ExitCode.NOT_CONFIRMED);
        assertThat(byFilter.err()).contains("pass --yes");
        assertThat(alive(workload.blockerSessionId())).isTrue();
    }

    @Test
    void unconfirmedKillWithJsonOrCsvStillPrintsThePlannedSessionsAsSkipped() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 1, false);
        String key = blockersWhenWaiting(1).get("roots").get(0).get("key").asText();
        KillCommand.confirmer = prompt -> null;
        for (String[] args : List.of(new String[] {"kill", "--roots", "-o", "json"}, new String[] {"kill", key, "-o", "json"})) {
            CliUsageTest.Run r = CliUsageTest.run(target(args));
            assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.NOT_CONFIRMED);
            JsonNode j = Json.MAPPER.readTree(r.out());
            assertThat(j.get("exitCode").asInt()).isEqualTo(ExitCode.NOT_CONFIRMED);
            assertThat(j.get("results")).hasSize(1);
            assertThat(j.get("results").get(0).get("key").asText()).isEqualTo(key);
            assertThat(j.get("results").get(0).get("outcome").asText()).isEqualTo("skipped");
            assertThat(j.get("results").get(0).get("message").asText()).contains("not done");
        }
        KillCommand.confirmer = prompt -> "n";
        CliUsageTest.Run csv = CliUsageTest.run(target("kill", key, "-o", "csv"));
        assertThat(csv.code()).isEqualTo(ExitCode.NOT_CONFIRMED);
        assertThat(csv.out()).startsWith("key,session_id,action,outcome").contains("\"" + key + "\",").contains(",skipped,");
        assertThat(alive(workload.blockerSessionId())).isTrue();
    }

    @Test
    void dryRunPrintsTheExactStatementAndKillsNothing() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 1, false);
        blockersWhenWaiting(1);
        CliUsageTest.Run r = CliUsageTest.run(target("kill", "--roots", "--dry-run"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("dry-run").contains("pg_terminate_backend")
                .contains(Long.toString(workload.blockerSessionId()));
        assertThat(alive(workload.blockerSessionId())).isTrue();
    }

    @Test
    void killResultsAsCsvOneRowPerSession() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 1, false);
        blockersWhenWaiting(1);
        CliUsageTest.Run r = CliUsageTest.run(target("kill", "--roots", "--dry-run", "-o", "csv"));
        assertThat(r.code()).as(r.err()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).isEqualTo("key,session_id,action,outcome,succeeded,message,fix,error_code,elapsed_ms,checks,statement");
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).startsWith("\"" + workload.blockerSessionId() + ",")
                .contains(",terminate,dry-run,true,").contains("pg_terminate_backend");
        assertThat(r.out()).doesNotContain("Plan:");
        assertThat(alive(workload.blockerSessionId())).isTrue();
    }

    @Test
    void unknownLockTableIsAUsageErrorNamingTheTable() {
        CliUsageTest.Run r = CliUsageTest.run(target("sessions", "--lock-table", "no_such_table"));
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("no table 'no_such_table'").contains("schema.table").doesNotContain("\tat ");
        CliUsageTest.Run kill = CliUsageTest.run(target("kill", "--lock-table", "no_such_table", "--yes"));
        assertThat(kill.code()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void aDatabaseThatDoesNotExistIsCannotConnect() {
        String url = pg.jdbcUrl("no_such_database");
        CliUsageTest.Run r = CliUsageTest.run("sessions", "--url", url, "-U", pg.superuser());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.CANNOT_CONNECT);
        assertThat(r.err()).contains("no_such_database").contains("3D000");
    }

    @Test
    void theTableSaysWhyStarredSessionsAreProtectedWithTheGrantThatFixesHiddenOnes() throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password());
             Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plain_dev')"
                    + " THEN CREATE ROLE plain_dev LOGIN; END IF; END $$");
        }
        Connection other = DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password());
        extra.add(other);
        CliUsageTest.Run r = CliUsageTest.run("sessions", "--url", pg.jdbcUrl(), "-U", "plain_dev");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains(",hidden").contains("GRANT pg_read_all_stats TO plain_dev;")
                .contains("sessionctl's own connection");
    }

    @Test
    void maxSpendsItsSlotsOnSessionsThatMayBeEndedNotOnProtectedOnes() throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password());
             Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kept_role')"
                    + " THEN CREATE ROLE kept_role LOGIN; END IF; END $$");
        }
        String url = pg.jdbcUrl() + (pg.jdbcUrl().contains("?") ? "&" : "?") + "ApplicationName=qa-max-";
        Connection kept = DriverManager.getConnection(url + "kept", "kept_role", "");
        extra.add(kept);
        long keptPid = PgPid.of(kept);
        Thread.sleep(50); // the protected session is idle the longest: oldest-first would pick it first
        Connection victim = DriverManager.getConnection(url + "victim", pg.superuser(), pg.password());
        extra.add(victim);
        long victimPid = PgPid.of(victim);

        CliUsageTest.Run r = CliUsageTest.run(target("kill", "--app", "qa-max-*", "--order", "oldest-first", "--max", "1",
                "--yes", "--protect-user", "kept_role"));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).containsPattern("terminated\\s+" + victimPid + ",").containsPattern("skipped\\s+" + keptPid + ",");
        assertThat(alive(victimPid)).isFalse();
        assertThat(alive(keptPid)).isTrue();
    }

    static final class PgPid {
        static long of(Connection c) throws Exception {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void confirmedKillOfRootsWithWaitFreesTheWaiters() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 2, true);
        blockersWhenWaiting(3);
        KillCommand.confirmer = prompt -> "y";
        CliUsageTest.Run r = CliUsageTest.run(target("kill", "--roots", "--state", "idle-in-transaction", "--yes",
                "--wait", "--reason", "test"));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("terminated").contains("ok   session-gone").contains("1 terminated");
        assertThat(workload.awaitWaitersFinished(java.time.Duration.ofSeconds(10))).isTrue();
        assertThat(alive(workload.blockerSessionId())).isFalse();
    }

    @Test
    void staleKeyIsRefusedAndNothingKilled() throws Exception {
        Connection victim = DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password());
        extra.add(victim);
        long pid;
        try (Statement st = victim.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getLong(1);
        }
        CliUsageTest.Run r = CliUsageTest.run(target("kill", pid + ",1000", "--yes"));
        assertThat(r.code()).isEqualTo(ExitCode.REFUSED);
        assertThat(r.out()).contains("identity-changed").contains("nothing was done");
        assertThat(alive(pid)).isTrue();
    }

    @Test
    void ownConnectionAndBackgroundProcessesAreRefusedByGuards() throws Exception {
        JsonNode all = json("sessions", "--all", "-o", "json");
        JsonNode background = null;
        for (JsonNode s : all.get("sessions")) {
            if (!"client".equals(s.get("kind").asText())) {
                background = s;
                break;
            }
        }
        assertThat(background).as("a background process is listed with --all").isNotNull();
        assertThat(background.get("protected").asBoolean()).isTrue();
        CliUsageTest.Run r = CliUsageTest.run(target("kill", background.get("key").asText(), "--yes"));
        assertThat(r.code()).isEqualTo(ExitCode.REFUSED);
        assertThat(r.out()).contains("refused-by-guard").contains("not-a-client");
        assertThat(alive(background.get("sessionId").asLong())).isTrue();
    }

    @Test
    void protectedUserIsRefused() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), 1, false);
        String key = blockersWhenWaiting(1).get("roots").get(0).get("key").asText();
        CliUsageTest.Run r = CliUsageTest.run(target("kill", key, "--yes", "--protect-user", "post*"));
        assertThat(r.code()).isEqualTo(ExitCode.REFUSED);
        assertThat(r.out()).contains("protected-user").contains("pattern 'post*'");
        assertThat(alive(workload.blockerSessionId())).isTrue();
    }

    @Test
    void maxLimitsABulkKillAndReportsTheRestAsSkipped() throws Exception {
        for (int i = 0; i < 3; i++) {
            Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password());
            c.createStatement().execute("SET application_name = 'bulk-victim'");
            extra.add(c);
        }
        CliUsageTest.Run r = CliUsageTest.run(target("kill", "--app", "bulk-victim", "--yes", "--max", "2", "-o", "json"));
        JsonNode out = Json.MAPPER.readTree(r.out());
        assertThat(out.get("results")).extracting(x -> x.get("outcome").asText())
                .containsExactlyInAnyOrder("terminated", "terminated", "skipped");
        assertThat(r.code()).isZero();
    }

    @Test
    void cancelOfAnAbortedTransactionSaysItsLocksAreAlreadyReleased() throws Exception {
        Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password());
        extra.add(c);
        c.createStatement().execute("SET application_name = 'aborted-tx'");
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT 1 / 0");
        } catch (java.sql.SQLException expected) {
            // the transaction block is now aborted, waiting for ROLLBACK
        }
        JsonNode s = json("sessions", "--app", "aborted-tx", "-o", "json").get("sessions").get(0);
        CliUsageTest.Run r = CliUsageTest.run(target("kill", s.get("key").asText(), "--cancel", "--yes"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("nothing-to-cancel").contains("already failed and released its locks")
                .doesNotContain("still holds its transaction's locks");
        c.rollback();
    }

    @Test
    void unreachableServerIsCannotConnectWithoutPassword() {
        String secretUrl = "jdbc:postgresql://127.0.0.1:1/x?password=topsecret";
        CliUsageTest.Run r = CliUsageTest.run("sessions", "--url", secretUrl);
        assertThat(r.code()).isEqualTo(ExitCode.CANNOT_CONNECT);
        assertThat(r.err()).contains("connecting to 127.0.0.1:1/x (").doesNotContain("connecting to cli").doesNotContain("topsecret").doesNotContain("\tat ");
    }
}
