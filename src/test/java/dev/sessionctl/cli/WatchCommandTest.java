package dev.sessionctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `watch` from the command line, offline: saved snapshots and bad policy files. */
class WatchCommandTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void dryRunFromASavedSnapshotPrintsEachDecisionWithItsReason() {
        Run r = run("watch", "--policy", "examples/policies.yaml", "--snapshot", "examples/snapshot.json");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Target prod-pg at 2026-11-22T13:00:00Z (server clock), dry run:")
                .contains("dry-run      kill     rule=idle-blockers key=4711,1732280000000000 user=app")
                .contains("idle in transaction 1m30s (idleInTransaction >= 30s), root blocker of 2 session(s)")
                .contains("dry-run      cancel   rule=runaway-reports key=5100,1732280000000100")
                .contains("pending      escalate rule=long-blockers key=4711,1732280000000000")
                .contains("crosses in 40s")
                .contains("kept as the oldest");
        assertThat(r.out()).doesNotContain("key=5200").doesNotContain("key=4712").doesNotContain("key=4713");
    }

    @Test
    void jsonOutput() throws IOException {
        Run r = run("watch", "--policy", "examples/policies.yaml", "--snapshot", "examples/snapshot.json", "-o", "json");
        assertThat(r.code()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("dryRun").asBoolean()).isTrue();
        JsonNode first = root.get("targets").get(0).get("decisions").get(0);
        assertThat(first.get("rule").asText()).isEqualTo("idle-blockers");
        assertThat(first.get("verdict").asText()).isEqualTo("dry-run");
        assertThat(first.get("sessionId").asLong()).isEqualTo(4711);
        assertThat(first.get("crossesAt").asText()).isEqualTo("2026-11-22T12:59:00Z");
    }

    @Test
    void protectionFromThePolicyShowsInTheDecisions() throws IOException {
        Path policy = dir.resolve("p.yaml");
        Files.writeString(policy, """
                protect: {users: [app]}
                rules:
                  - name: idle-blockers
                    when: {idleInTransaction: 30s}
                    action: kill
                """);
        Run r = run("watch", "--policy", policy.toString(), "--snapshot", "examples/snapshot.json");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("protected    kill     rule=idle-blockers key=4711").contains("protected-user");
    }

    @Test
    void unknownKeyInThePolicyIsAUsageErrorNamingFileAndLine() throws IOException {
        Path policy = dir.resolve("bad.yaml");
        Files.writeString(policy, "rules:\n  - name: a\n    when: {idle: 5m}\n    victim: all\n");
        Run r = run("watch", "--policy", policy.toString(), "--snapshot", "examples/snapshot.json");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains(policy + " line 4").contains("unknown key 'victim'").doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badDurationAndBadRegexAreUsageErrorsNamingFileAndLine() throws IOException {
        Path policy = dir.resolve("bad.yaml");
        Files.writeString(policy, "rules:\n  - name: a\n    when: {idle: 5 min}\n");
        Run r = run("watch", "--policy", policy.toString(), "--snapshot", "examples/snapshot.json");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains(policy + " line 3").contains("invalid duration '5 min'");
        Files.writeString(policy, "rules:\n  - name: a\n    match: {sql: '[a-'}\n    when: {idle: 5m}\n");
        r = run("watch", "--policy", policy.toString(), "--snapshot", "examples/snapshot.json");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains(policy + " line 3").contains("invalid regular expression '[a-'");
    }

    @Test
    void missingPolicyTargetOrBadOptionsAreUsageErrors() throws IOException {
        assertThat(run("watch", "--policy", dir.resolve("nope.yaml").toString(), "--once").code()).isEqualTo(ExitCode.USAGE);
        Run noTarget = run("watch", "--policy", "examples/policies.yaml", "--once");
        assertThat(noTarget.code()).isEqualTo(ExitCode.USAGE);
        assertThat(noTarget.err()).contains("no target given");
        Run save = run("watch", "--policy", "examples/policies.yaml", "--url", "jdbc:postgresql://localhost:1/x",
                "--save-snapshot", dir.resolve("s.json").toString());
        assertThat(save.code()).isEqualTo(ExitCode.USAGE);
        assertThat(save.err()).contains("--save-snapshot needs --once");
        Run interval = run("watch", "--policy", "examples/policies.yaml", "--snapshot", "examples/snapshot.json",
                "--interval", "fast");
        assertThat(interval.code()).isEqualTo(ExitCode.USAGE);
        assertThat(interval.err()).contains("invalid duration 'fast'");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"serverTime\": \"2026-11-22T13:00:00Z\", \"sessions\": [ {\"key\": \"oops\"} ]}");
        Run snap = run("watch", "--policy", "examples/policies.yaml", "--snapshot", broken.toString());
        assertThat(snap.code()).isEqualTo(ExitCode.USAGE);
        assertThat(snap.err()).contains("sessions[0]").contains("invalid session key 'oops'");
    }

    @Test
    void targetsComeFromThePolicyOrAllOfTheTargetsFile() throws IOException {
        Path targets = dir.resolve("targets.yaml");
        Files.writeString(targets, """
                targets:
                  a: {url: "jdbc:postgresql://127.0.0.1:1/x", user: u}
                  b: {url: "jdbc:postgresql://127.0.0.1:2/x", user: u}
                """);
        Path policy = dir.resolve("p.yaml");
        Files.writeString(policy, "targets: [b]\nrules:\n  - name: r\n    when: {idle: 1m}\n");
        Run listed = run("watch", "--policy", policy.toString(), "--targets-file", targets.toString(), "--once", "--dry-run");
        assertThat(listed.code()).isEqualTo(ExitCode.CANNOT_CONNECT);
        assertThat(listed.out()).contains("Target b: not evaluated").doesNotContain("Target a:");
        Run all = run("watch", "--policy", policy.toString(), "--targets-file", targets.toString(), "--all-targets",
                "--once", "--dry-run");
        assertThat(all.out()).contains("Target a: not evaluated").contains("Target b: not evaluated");
        Files.writeString(policy, "targets: [zz]\nrules:\n  - name: r\n    when: {idle: 1m}\n");
        Run unknown = run("watch", "--policy", policy.toString(), "--targets-file", targets.toString(), "--once");
        assertThat(unknown.code()).isEqualTo(ExitCode.USAGE);
        assertThat(unknown.err()).contains("unknown target 'zz'");
    }

    @Test
    void anUnreachableTargetOnceIsCannotConnect() {
        Run r = run("watch", "--policy", "examples/policies.yaml", "--once", "--dry-run",
                "--url", "jdbc:postgresql://127.0.0.1:1/postgres", "-U", "postgres");
        assertThat(r.code()).isEqualTo(ExitCode.CANNOT_CONNECT);
        assertThat(r.out()).contains("Target 127.0.0.1:1/postgres: not evaluated:").doesNotContain("Target cli");
    }
}
