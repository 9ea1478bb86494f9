package dev.sessionctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input never reaches a database: one clear line, the usage exit code, no stack trace. */
class CliUsageTest {

    record Run(int code, String out, String err) { }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void malformedKeyIsUsageError() {
        Run r = run("kill", "4711;drop", "--url", "jdbc:postgresql://127.0.0.1:1/x");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("invalid session key '4711;drop'").contains("ID,INCARNATION[,@INSTANCE]")
                .doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void unknownOptionSuggestsAndIsUsageError() {
        Run r = run("sessions", "--stat", "idle");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("Unknown option").contains("--state");
    }

    @Test
    void badDurationAndStateAndRegexAreNamed() {
        assertThat(run("sessions", "--url", "jdbc:postgresql://h/x", "--min-idle", "5 minutes").err())
                .contains("--min-idle").contains("'5 minutes'");
        assertThat(run("sessions", "--url", "jdbc:postgresql://h/x", "--state", "sleeping").err())
                .contains("'sleeping'").contains("waiting");
        Run countBy = run("sessions", "--url", "jdbc:postgresql://h/x", "--count-by", "colour");
        assertThat(countBy.code()).isEqualTo(ExitCode.USAGE);
        assertThat(countBy.err()).contains("invalid --count-by 'colour'").contains("user, app, host, db, state");
        Run re = run("sessions", "--url", "jdbc:postgresql://h/x", "--sql", "update(");
        assertThat(re.code()).isEqualTo(ExitCode.USAGE);
        assertThat(re.err()).contains("invalid --sql regular expression 'update('");
    }

    @Test
    void killNeedsASelection() {
        Run r = run("kill", "--url", "jdbc:postgresql://h/x");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("nothing selected");
        assertThat(run("kill", "1,2", "--user", "x", "--url", "jdbc:postgresql://h/x").err()).contains("not both");
    }

    @Test
    void noTargetAndUnknownTargetAreUsageErrors(@TempDir Path dir) throws Exception {
        assertThat(run("sessions").err()).contains("no target given");
        Path file = dir.resolve("targets.yaml");
        Files.writeString(file, "targets:\n  prod:\n    url: jdbc:postgresql://h/db\n");
        Run r = run("sessions", "-t", "staging", "--targets-file", file.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("unknown target 'staging'").contains("prod");
        Run missing = run("sessions", "-t", "prod", "--targets-file", dir.resolve("none.yaml").toString());
        assertThat(missing.code()).isEqualTo(ExitCode.USAGE);
        assertThat(missing.err()).contains("does not exist");
    }

    @Test
    void passwordPromptWithoutTerminalSaysWhereTheTargetsPasswordComesFrom(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("targets.yaml");
        Files.writeString(file, "targets:\n  prod:\n    url: jdbc:postgresql://127.0.0.1:1/db\n");
        Run r = run("sessions", "-t", "prod", "--targets-file", file.toString(), "-W");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("needs a terminal").contains("passwordEnv");
    }

    @Test
    void anotherTargetsMissingPasswordVariableDoesNotStopThisOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("targets.yaml");
        Files.writeString(file, "targets:\n  other:\n    url: jdbc:postgresql://h/db\n    passwordEnv: SESSIONCTL_TEST_UNSET_VAR\n"
                + "  here:\n    url: jdbc:postgresql://127.0.0.1:1/db\n");
        Run r = run("sessions", "-t", "here", "--targets-file", file.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.CANNOT_CONNECT);
        assertThat(r.err()).doesNotContain("SESSIONCTL_TEST_UNSET_VAR");
    }

    @Test
    void nonJdbcUrlIsUsageError() {
        Run r = run("sessions", "--url", "postgres://h/db");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("invalid URL 'postgres://h/db'").contains("jdbc:postgresql://");
    }

    @Test
    void helpListsExitCodes() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("NOT_CONFIRMED").contains("CANNOT_CONNECT").contains("kill").contains("blockers");
    }
}
