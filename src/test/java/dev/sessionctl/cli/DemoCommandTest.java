package dev.sessionctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The README's first command, end to end on a real embedded PostgreSQL. */
class DemoCommandTest {

    @Test
    void demoFindsTheRootEndsItAndProvesTheWaitersFinished() {
        CliUsageTest.Run r = CliUsageTest.run("demo");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out())
                .contains("1 root blocker(s), 4 waiting session(s)")
                .contains("idle in transaction while blocking")
                .containsPattern("terminated\\s+\\d+,\\d+")
                .contains("ok   session-gone")
                .contains("All 4 blocked sessions completed their UPDATE")
                .contains("No session is blocked");
    }

    @Test
    void demoRunsOnEmbeddedMariaDb() {
        CliUsageTest.Run r = CliUsageTest.run("demo", "--engine", "mariadb");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("MariaDB is up").contains("1 root blocker(s), 4 waiting session(s)")
                .contains("All 4 blocked sessions completed their UPDATE").contains("No session is blocked");
    }

    @Test
    void unknownEngineIsUsageError() {
        CliUsageTest.Run r = CliUsageTest.run("demo", "--engine", "db2");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("invalid --engine 'db2'");
        assertThat(r.out()).as("nothing is announced or started").isEmpty();
    }

    @Test
    void badWaiterCountIsUsageError() {
        CliUsageTest.Run r = CliUsageTest.run("demo", "--waiters", "0");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("invalid --waiters '0'");
    }
}
