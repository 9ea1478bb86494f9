package dev.sessionctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sessionctl.audit.AuditRecord;
import dev.sessionctl.audit.JsonLinesAuditFile;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.render.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** explain and audit from the command line (on a real PostgreSQL for explain). */
class ExplainAuditCommandTest {

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

    record Run(int code, String out, String err) { }

    /** Main's command line, with explain and audit added when Main does not register them yet. */
    static Run run(String... args) {
        CommandLine cmd = Main.newCommandLine();
        if (!cmd.getSubcommands().containsKey("explain")) {
            cmd.addSubcommand("explain", new ExplainCommand());
        }
        if (!cmd.getSubcommands().containsKey("audit")) {
            cmd.addSubcommand("audit", new AuditCommand());
        }
        cmd.setCaseInsensitiveEnumValuesAllowed(true); // subcommands added late do not inherit Main's setting
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String blockerKey(BlockingWorkload w) {
        Run r = run("sessions", "--url", pg.jdbcUrl(), "-U", pg.superuser(), "-o", "json");
        try {
            for (JsonNode s : Json.MAPPER.readTree(r.out()).get("sessions")) {
                if (s.get("sessionId").asLong() == w.blockerSessionId()) {
                    return s.get("key").asText();
                }
            }
        } catch (Exception e) {
            throw new AssertionError(r.out(), e);
        }
        throw new AssertionError("blocker not listed: " + r.out());
    }

    @Test
    void explainAnIdleBlockerAsTextAndJson() throws Exception {
        try (BlockingWorkload w = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "cli_explain", 2,
                false, Duration.ofMinutes(2))) {
            String key = blockerKey(w);
            Run text = run("explain", key, "--url", pg.jdbcUrl(), "-U", pg.superuser(), "--sample", "0",
                    "--host-access", "local");
            assertThat(text.code()).as(text.err()).isZero();
            assertThat(text.out()).contains("session " + key).contains("idle in transaction")
                    .contains("[idle-in-transaction]").contains("blocks          2 session(s)")
                    .contains("server process  " + w.blockerSessionId() + " (state S)")
                    .contains("next: terminate").contains("sessionctl kill " + key + " --url " + pg.jdbcUrl() + " -U postgres --wait");

            Run json = run("explain", key, "--url", pg.jdbcUrl(), "-U", pg.superuser(), "--sample", "0", "-o", "json");
            assertThat(json.code()).as(json.err()).isZero();
            JsonNode n = Json.MAPPER.readTree(json.out());
            assertThat(n.get("state").asText()).isEqualTo("idle in transaction");
            assertThat(n.get("blocked")).hasSize(2);
            assertThat(n.get("next").get("action").asText()).isEqualTo("terminate");
            assertThat(n.get("processNote").asText()).isEqualTo("host access not configured");
        }
    }

    @Test
    void explainBadInputIsAUsageError() {
        Run r = run("explain", "12x", "--url", pg.jdbcUrl());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("invalid session key '12x'");
        Run s = run("explain", "1,2", "--url", pg.jdbcUrl(), "--sample", "soon");
        assertThat(s.code()).isEqualTo(ExitCode.USAGE);
        assertThat(s.err()).contains("--sample");
        Run h = run("explain", "1,2", "--url", pg.jdbcUrl(), "--host-access", "telnet://db");
        assertThat(h.code()).isEqualTo(ExitCode.USAGE);
        assertThat(h.err()).contains("invalid --host-access 'telnet://db'");
    }

    @Test
    void gonesessionIsSaidPlainly() {
        Run r = run("explain", "999999,1", "--url", pg.jdbcUrl(), "-U", pg.superuser(), "--sample", "0");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("no longer listed");
    }

    @Test
    void auditListsAndFilters() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        JsonLinesAuditFile sink = new JsonLinesAuditFile(file);
        AuditRecord.Actor alice = new AuditRecord.Actor("alice", "ops1", 1, null);
        AuditRecord.SessionInfo s = new AuditRecord.SessionInfo("42,17", 0, 42, "app", "db", "active", null, null, null,
                null, null, null, null);
        sink.append(new AuditRecord("a", "intent", Instant.parse("2026-11-22T01:00:00Z"), alice, "cli", "prod", s,
                "terminate", "select 1", "INC-1", null, null, null, null, null, null));
        sink.append(new AuditRecord("a", "outcome", Instant.parse("2026-11-22T01:00:01Z"), alice, "cli", "prod", s,
                "terminate", "select 1", null, "refused-privilege", "permission denied", null, "42501", 3L, null));
        sink.append(new AuditRecord("b", "intent", Instant.parse("2026-11-22T02:00:00Z"), alice, "cli", "stage", s,
                "terminate", "select 1", null, null, null, null, null, null, null));
        Files.writeString(file, "{\"id\":\"c\",", StandardOpenOption.APPEND);

        Run all = run("audit", "--audit-file", file.toString());
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out()).contains("refused-privilege").contains("unfinished").contains("by alice@ops1")
                .contains("reason: INC-1").contains("permission denied");
        assertThat(all.err()).contains("line 4").contains("torn last line");

        Run json = run("audit", "--audit-file", file.toString(), "--outcome", "unfinished", "-o", "json");
        JsonNode n = Json.MAPPER.readTree(json.out());
        assertThat(n.get("actions")).hasSize(1);
        assertThat(n.get("actions").get(0).get("intent").get("target").asText()).isEqualTo("stage");
        assertThat(n.get("damagedLines").get(0).asInt()).isEqualTo(4);

        Run target = run("audit", "--audit-file", file.toString(), "--target", "prod", "--since", "2026-11-22T00:00:00Z");
        assertThat(target.out()).contains("prod").doesNotContain("stage");

        Run bad = run("audit", "--audit-file", file.toString(), "--since", "yesterday");
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE);
        assertThat(bad.err()).contains("invalid --since 'yesterday'");

        Run typo = run("audit", "--audit-file", file.toString(), "--outcome", "termniated");
        assertThat(typo.code()).as("a misspelt outcome is not 'nothing matched'").isEqualTo(ExitCode.USAGE);
        assertThat(typo.err()).contains("invalid --outcome 'termniated'").contains("terminated").contains("unfinished");
        assertThat(run("audit", "--audit-file", file.toString(), "--outcome", "REFUSED_PRIVILEGE").code()).isZero();

        AuditRecord.SessionInfo other = new AuditRecord.SessionInfo("7,99", 0, 7, "bob", "db", "idle", null, null, null,
                "update t set x = 1", null, null, null);
        sink.append(new AuditRecord("d", "intent", Instant.parse("2026-11-22T03:00:00Z"), alice, "cli", "prod", other,
                "terminate", "SELECT pg_terminate_backend(7)", "blocker", null, null, null, null, null, null));
        Run byKey = run("audit", "--audit-file", file.toString(), "--session", "7,99", "-v");
        assertThat(byKey.code()).as(byKey.err()).isZero();
        assertThat(byKey.out()).contains("7,99 (bob)").doesNotContain("42,17")
                .contains("statement: SELECT pg_terminate_backend(7)").contains("its SQL:   update t set x = 1")
                .contains("2026-11-22T03:00:00Z");
        assertThat(run("audit", "--audit-file", file.toString(), "--session", "42").out())
                .contains("42,17").doesNotContain("7,99");

        Run none = run("audit", "--audit-file", dir.resolve("missing.jsonl").toString());
        assertThat(none.code()).isZero();
        assertThat(none.err()).contains("nothing has been recorded");
    }
}
