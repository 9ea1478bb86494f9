package dev.sessionctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sessionctl.audit.AuditLog;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.render.Json;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill --escalate, --action os-term and the audit file from the command line, on a real PostgreSQL. */
class KillEscalateCommandTest {

    static EmbeddedPostgresServer pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        pg = EmbeddedPostgresServer.start();
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private String keyOf(long pid) throws Exception {
        var r = ExplainAuditCommandTest.run("sessions", "--url", pg.jdbcUrl(), "-U", pg.superuser(), "-o", "json");
        for (JsonNode s : Json.MAPPER.readTree(r.out()).get("sessions")) {
            if (s.get("sessionId").asLong() == pid) {
                return s.get("key").asText();
            }
        }
        throw new AssertionError("no session " + pid + ": " + r.out());
    }

    @Test
    void escalatePrintsEveryStepVerifiesAndAudits() throws Exception {
        Path audit = dir.resolve("audit.jsonl");
        try (BlockingWorkload w = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "cli_escalate", 2,
                false, Duration.ofMinutes(2))) {
            String key = keyOf(w.blockerSessionId());
            var r = ExplainAuditCommandTest.run("kill", key, "--escalate", "--yes", "--url", pg.jdbcUrl(), "-U",
                    pg.superuser(), "--host-access", "local", "--audit-file", audit.toString(), "--reason", "INC-7");
            assertThat(r.code()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains(key + "  skip cancel").contains(key + "  step terminate:10s")
                    .contains("terminate -> terminated (done)").contains("ok   session-gone")
                    .contains("ok   waiters-released").contains("ok   server-process-gone").contains("DONE");
            assertThat(w.awaitWaitersFinished(Duration.ofSeconds(20))).isTrue();
            AuditLog.Contents c = AuditLog.read(audit);
            assertThat(c.entries()).extracting(AuditLog.Entry::status).contains("terminated/verified", "done");
            assertThat(c.records().get(0).reason()).isEqualTo("INC-7");
        }
    }

    @Test
    void killByLockTableVerifiesTheLocksOnThatTableAreReleased() throws Exception {
        try (BlockingWorkload w = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "cli_locktable", 1,
                false, Duration.ofMinutes(2))) {
            var r = ExplainAuditCommandTest.run("kill", "--lock-table", "cli_locktable", "--roots", "--yes", "--wait",
                    "-o", "json", "--url", pg.jdbcUrl(), "-U", pg.superuser(), "--audit-file", dir.resolve("a.jsonl").toString());
            assertThat(r.code()).as(r.out() + r.err()).isZero();
            JsonNode res = Json.MAPPER.readTree(r.out()).get("results").get(0);
            assertThat(res.get("sessionId").asLong()).isEqualTo(w.blockerSessionId());
            assertThat(res.get("checks").findValuesAsText("name")).contains("session-gone", "locks-released");
            for (JsonNode c : res.get("checks")) {
                assertThat(c.get("passed").asBoolean()).as(c.toString()).isTrue();
            }
        }
    }

    @Test
    void anAuditFileThatIsADirectoryIsAUsageErrorAndNothingIsKilled() throws Exception {
        try (Connection victim = DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password())) {
            long pid;
            try (Statement st = victim.createStatement(); ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
                rs.next();
                pid = rs.getLong(1);
            }
            var r = ExplainAuditCommandTest.run("kill", keyOf(pid), "--yes", "--url", pg.jdbcUrl(), "-U", pg.superuser(),
                    "--audit-file", dir.toString());
            assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCode.USAGE);
            assertThat(r.err()).contains("'" + dir + "' is a directory").contains("audit.jsonl");
            assertThat(victim.isValid(2)).isTrue();

            var a = ExplainAuditCommandTest.run("audit", "--audit-file", dir.toString());
            assertThat(a.code()).as(a.err()).isEqualTo(ExitCode.USAGE);
            assertThat(a.err()).contains("is a directory").doesNotContain("internal failure");
        }
    }

    @Test
    void osTermActionSignalsTheBackend() throws Exception {
        Path audit = dir.resolve("audit.jsonl");
        try (Connection victim = DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password())) {
            long pid;
            try (Statement st = victim.createStatement(); ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
                rs.next();
                pid = rs.getLong(1);
            }
            String key = keyOf(pid);
            var r = ExplainAuditCommandTest.run("kill", key, "--action", "os-term", "--yes", "--wait", "-o", "json",
                    "--url", pg.jdbcUrl(), "-U", pg.superuser(), "--host-access", "local", "--audit-file", audit.toString());
            assertThat(r.code()).as(r.out() + r.err()).isZero();
            JsonNode res = Json.MAPPER.readTree(r.out()).get("results").get(0);
            assertThat(res.get("outcome").asText()).isEqualTo("terminated");
            assertThat(res.get("statement").asText()).isEqualTo("kill -TERM " + pid + " (on local)");
            assertThat(victim.isValid(2)).isFalse();
        }
    }

    @Test
    void osActionWithoutHostAccessAndBadLadderAreUsageErrors() {
        var noHost = ExplainAuditCommandTest.run("kill", "1,2", "--action", "os-term", "--yes", "--url", pg.jdbcUrl(),
                "-U", pg.superuser(), "--audit-file", dir.resolve("a.jsonl").toString());
        assertThat(noHost.code()).isEqualTo(ExitCode.USAGE);
        assertThat(noHost.err()).contains("without host access");
        var ladder = ExplainAuditCommandTest.run("kill", "1,2", "--escalate", "--ladder", "terminate:5x", "--url", pg.jdbcUrl());
        assertThat(ladder.code()).isEqualTo(ExitCode.USAGE);
        assertThat(ladder.err()).contains("--ladder").contains("'terminate:5x'");
        var noEsc = ExplainAuditCommandTest.run("kill", "1,2", "--ladder", "terminate:5s", "--url", pg.jdbcUrl());
        assertThat(noEsc.code()).isEqualTo(ExitCode.USAGE);
        assertThat(noEsc.err()).contains("need --escalate");
    }
}
