package dev.sessionctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedMariaDbServer;
import dev.sessionctl.render.Json;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The unchanged CLI on a real embedded MariaDB, through jdbc:mariadb: and jdbc:mysql: URLs. */
class CliMariaDbTest {

    static EmbeddedMariaDbServer db;
    BlockingWorkload workload;
    final List<Connection> extra = new ArrayList<>();

    @BeforeAll
    static void start() {
        db = EmbeddedMariaDbServer.start();
    }

    @AfterAll
    static void stop() {
        db.close();
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

    String mysqlUrl() {
        return "jdbc:mysql://127.0.0.1:" + db.port() + "/sessionctl?sslMode=DISABLED&allowPublicKeyRetrieval=true";
    }

    String[] target(String url, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", url, "-U", db.user()));
        return all.toArray(new String[0]);
    }

    JsonNode json(String... args) throws Exception {
        CliUsageTest.Run r = CliUsageTest.run(target(db.jdbcUrl(), args));
        assertThat(r.code()).as(r.err()).isZero();
        return Json.MAPPER.readTree(r.out());
    }

    JsonNode blockersWhenWaiting(int expectedWaiting) throws Exception {
        for (int i = 0; i < 100; i++) {
            JsonNode b = json("blockers", "-o", "json");
            if (b.get("waitingSessions").asInt() >= expectedWaiting) {
                return b;
            }
            // over InnoDB's 100 ms cache: each run is a new connection, and polling INNODB_TRX faster than
            // every 100 ms keeps the cache from ever refreshing (docs/mysql.md, "InnoDB's cache")
            Thread.sleep(150);
        }
        throw new AssertionError("waiters never showed");
    }

    boolean alive(long id) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + id)) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    @Test
    void cancelOnAnIdleInTransactionSessionIsNothingToCancelNotAlreadyGone() throws Exception {
        workload = BlockingWorkload.start(db.jdbcUrl(), db.user(), db.password(), "cli_nothing", 1, true,
                Duration.ofMinutes(5));
        String key = blockersWhenWaiting(1).get("roots").get(0).get("key").asText();
        CliUsageTest.Run r = CliUsageTest.run(target(db.jdbcUrl(), "kill", key, "--cancel", "--yes"));
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).contains("nothing-to-cancel").contains("locks").doesNotContain("already-gone")
                .doesNotContain("terminated");
        JsonNode j = Json.MAPPER.readTree(CliUsageTest.run(target(db.jdbcUrl(), "kill", key, "--cancel", "--yes", "-o", "json")).out());
        assertThat(j.get("results").get(0).get("outcome").asText()).isEqualTo("nothing-to-cancel");
        assertThat(j.get("results").get(0).get("succeeded").asBoolean()).isTrue();
        assertThat(alive(workload.blockerSessionId())).isTrue();
    }

    @Test
    void aKeyWithAnInstanceIsAUsageErrorOnMariaDb() throws Exception {
        CliUsageTest.Run r = CliUsageTest.run(target(db.jdbcUrl(), "kill", "42,1f3a9c2b7d0e,@2", "--yes"));
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("invalid session key '42,1f3a9c2b7d0e,@2'").contains("has no instances");
        assertThat(r.out()).doesNotContain("already-gone");
    }

    @Test
    void blockersAndSessionsThroughBothUrlSchemes() throws Exception {
        workload = BlockingWorkload.start(db.jdbcUrl(), db.user(), db.password(), "cli_chain", 2, true,
                Duration.ofMinutes(5));
        JsonNode b = blockersWhenWaiting(3);
        assertThat(b.get("roots")).hasSize(1);
        JsonNode root = b.get("roots").get(0);
        assertThat(root.get("sessionId").asLong()).isEqualTo(workload.blockerSessionId());
        assertThat(root.get("key").asText()).matches(workload.blockerSessionId() + ",[0-9a-f]{12}");
        assertThat(root.get("idleInTransaction").asBoolean()).isTrue();
        assertThat(root.get("totalBlocked").asInt()).isEqualTo(3);

        CliUsageTest.Run viaMysql = CliUsageTest.run(target(mysqlUrl(), "sessions", "--state", "idle-in-transaction",
                "-o", "json"));
        assertThat(viaMysql.code()).as(viaMysql.err()).isZero();
        JsonNode s = Json.MAPPER.readTree(viaMysql.out());
        assertThat(s.get("sessions")).extracting(x -> x.get("key").asText()).containsExactly(root.get("key").asText());

        CliUsageTest.Run table = CliUsageTest.run(target(db.jdbcUrl(), "sessions"));
        assertThat(table.out()).contains("mariadb");
        for (String line : table.out().split("\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(80);
        }
    }

    @Test
    void dryRunThenVerifiedKillOfTheRoot() throws Exception {
        workload = BlockingWorkload.start(db.jdbcUrl(), db.user(), db.password(), "cli_kill", 2, false,
                Duration.ofMinutes(5));
        blockersWhenWaiting(2);
        CliUsageTest.Run dry = CliUsageTest.run(target(db.jdbcUrl(), "kill", "--roots", "--dry-run"));
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("KILL CONNECTION " + workload.blockerSessionId());
        assertThat(alive(workload.blockerSessionId())).isTrue();

        CliUsageTest.Run r = CliUsageTest.run(target(db.jdbcUrl(), "kill", "--roots", "--yes", "--wait"));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("terminated").contains("session-gone");
        assertThat(workload.awaitWaitersFinished(Duration.ofSeconds(15))).isTrue();
        assertThat(alive(workload.blockerSessionId())).isFalse();
    }

    @Test
    void staleKeyIsRefusedAndDoctorNamesWhatIsMissing() throws Exception {
        Connection victim = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        extra.add(victim);
        long id;
        try (Statement st = victim.createStatement(); ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            id = rs.getLong(1);
        }
        CliUsageTest.Run r = CliUsageTest.run(target(db.jdbcUrl(), "kill", id + ",0123456789ab", "--yes"));
        assertThat(r.code()).isEqualTo(ExitCode.REFUSED);
        assertThat(r.out()).contains("identity-changed");
        assertThat(alive(id)).isTrue();

        CliUsageTest.Run doctor = CliUsageTest.run(target(db.jdbcUrl(), "doctor"));
        assertThat(doctor.out()).contains("performance_schema").contains("metadata_lock_info");
    }

    @Test
    void aUserWithoutProcessListsAndEndsItsOwnSessions() throws Exception {
        try (Connection root = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement st = root.createStatement()) {
            st.execute("CREATE USER IF NOT EXISTS 'noprocess'@'127.0.0.1'");
            st.execute("GRANT SELECT ON sessionctl.* TO 'noprocess'@'127.0.0.1'");
        }
        Connection own = DriverManager.getConnection(db.jdbcUrl(), "noprocess", "");
        extra.add(own);
        long id;
        try (Statement st = own.createStatement(); ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            id = rs.getLong(1);
        }
        String[] as = {"--url", db.jdbcUrl(), "-U", "noprocess"};
        CliUsageTest.Run sessions = CliUsageTest.run(concat(new String[] {"sessions", "-o", "json"}, as));
        assertThat(sessions.code()).as(sessions.err()).isZero();
        JsonNode listed = Json.MAPPER.readTree(sessions.out()).get("sessions");
        JsonNode mine = null;
        for (JsonNode n : listed) {
            if (n.get("sessionId").asLong() == id) {
                mine = n;
            }
        }
        assertThat(mine).as(sessions.out()).isNotNull();
        // INNODB_TRX is out of reach without PROCESS: an idle session may hold a transaction
        assertThat(mine.get("state").asText()).isEqualTo("unknown");

        CliUsageTest.Run kill = CliUsageTest.run(concat(new String[] {"kill", mine.get("key").asText(), "--yes"}, as));
        assertThat(kill.code()).as(kill.out() + kill.err()).isZero();
        assertThat(kill.out()).contains("terminated");
        assertThat(alive(id)).isFalse();
    }

    @Test
    void sqlIdOnAnEngineWithoutSqlIdsSaysWhyNothingMatches() {
        CliUsageTest.Run r = CliUsageTest.run(target(db.jdbcUrl(), "sessions", "--sql-id", "7h35uxf5uhmm1"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("reports a SQL id").contains("--sql REGEX").contains("docs/mysql.md");

        CliUsageTest.Run kill = CliUsageTest.run(target(db.jdbcUrl(), "kill", "--sql-id", "7h35uxf5uhmm1", "--dry-run"));
        assertThat(kill.code()).as(kill.err()).isZero();
        assertThat(kill.err()).contains("reports a SQL id");
    }

    @Test
    void anUnknownDatabaseIsCannotConnectAndTheDriverDoesNotLogIt() {
        CliUsageTest.Run r = CliUsageTest.run(target(db.jdbcUrl("no_such_database"), "sessions"));
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.CANNOT_CONNECT);
        assertThat(r.err()).contains("no_such_database");
    }

    @Test
    void hostFilterMatchesTheClientHostWithoutItsPort() throws Exception {
        JsonNode s = json("sessions", "--host", "127.0.0.1", "-o", "json");
        assertThat(s.get("count").asInt()).isGreaterThanOrEqualTo(1); // at least sessionctl's own connection
        JsonNode first = s.get("sessions").get(0);
        assertThat(first.get("clientHost").asText()).isEqualTo("127.0.0.1");
        assertThat(first.get("attributes").get("clientPort").asText()).matches("\\d+");
    }

    @Test
    void orphansTellsThatAPreparedXaTransactionNeedsADecisionNotPatience() throws Exception {
        try (Connection root = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement st = root.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS cli_xa (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
            st.execute("REPLACE INTO cli_xa VALUES (1, 0)");
        }
        try (Connection xa = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement st = xa.createStatement()) {
            st.execute("XA START 'cli-orphan'");
            st.execute("UPDATE cli_xa SET v = v + 1 WHERE id = 1");
            st.execute("XA END 'cli-orphan'");
            st.execute("XA PREPARE 'cli-orphan'");
        }
        try {
            CliUsageTest.Run table = CliUsageTest.run(target(db.jdbcUrl(), "orphans"));
            // INNODB_TRX is served from a cache InnoDB refreshes when last read over 100 ms ago
            for (int i = 0; i < 50 && !table.out().contains("XA PREPARED"); i++) {
                Thread.sleep(150);
                table = CliUsageTest.run(target(db.jdbcUrl(), "orphans"));
            }
            assertThat(table.code()).as(table.err()).isZero();
            assertThat(table.out()).contains("XA PREPARED ").contains("XA COMMIT or XA ROLLBACK")
                    .doesNotContain("the cleanup is progressing");
            CliUsageTest.Run csv = CliUsageTest.run(target(db.jdbcUrl(), "orphans", "-o", "csv"));
            assertThat(csv.out()).doesNotContain("null").contains(",XA PREPARED,");
        } finally {
            try (Connection root = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                 Statement st = root.createStatement()) {
                st.execute("XA ROLLBACK 'cli-orphan'");
            }
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
