package dev.sessionctl.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.cli.Main;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator.SimSession;
import dev.sessionctl.dialect.oracle.sim.SimDriver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `watch --once` on the Oracle simulator (no Oracle server runs here): LAST_CALL_ET as the idle
 * clock, MODULE matching, and the rollback-size guard on V$TRANSACTION.USED_UBLK.
 */
@Tag("simulator")
class WatchOracleSimulatorTest {

    OracleSimulator sim;
    String url;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        sim = new OracleSimulator(1).dba("SESSIONCTL");
        url = SimDriver.register("orcl-watch-sim", sim);
        SimDriver.install();
    }

    @AfterEach
    void stop() throws Exception {
        SimDriver.uninstall();
        sim.close();
    }

    private String[] watch(Path policy, String... more) {
        String[] base = {"watch", "--policy", policy.toString(), "--once", "--url", url, "-U", "sessionctl",
                "--audit-file", dir.resolve("audit.jsonl").toString()};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }

    private Path policy(long maxTransactionSize) throws Exception {
        Path p = dir.resolve("oracle-" + maxTransactionSize + ".yaml");
        Files.writeString(p, """
                rules:
                  - name: idle-blockers
                    match: {modules: [APP], states: [idle-in-transaction]}
                    when: {idleInTransaction: 30s, waiters: 1}
                    victims: root-blocker
                    action: kill
                    maxTransactionSize: %d
                """.formatted(maxTransactionSize));
        return p;
    }

    @Test
    void aBlockerWhoseRollbackIsTooLargeIsSkippedAndASmallOneIsKilled() throws Exception {
        SimSession blocker = sim.session(1, "APP");
        sim.transaction(blocker, 20);
        SimSession waiter = sim.session(1, "APP");
        sim.runs(waiter, "8vu7s907prbgr", "UPDATE orders SET status = 'X' WHERE id = 1");
        sim.blocks(blocker, waiter);

        String skipped = run(watch(policy(10)));
        assertThat(skipped).contains("too-large    kill     rule=idle-blockers key=" + blocker.key())
                .contains("idle in transaction 1m00s (idleInTransaction >= 30s)")
                .contains("transaction size 20 exceeds maxTransactionSize 10");
        assertThat(sim.status(blocker)).isEqualTo("INACTIVE");

        String killed = run(watch(policy(100)));
        assertThat(killed).contains("act          kill     rule=idle-blockers key=" + blocker.key());
        assertThat(sim.intercepted()).anyMatch(s -> s.contains("KILL SESSION '" + blocker.sid() + "," + blocker.serial() + "'"));
        assertThat(sim.intercepted()).noneMatch(s -> s.contains("'" + waiter.sid() + "," + waiter.serial() + "'"));
        // every action in the audit trail: the intent before, the outcome after, with the rule as reason
        List<String> audit = Files.readAllLines(dir.resolve("audit.jsonl"));
        assertThat(audit).anyMatch(l -> l.contains("\"phase\":\"intent\"") && l.contains("watch rule 'idle-blockers'"));
        assertThat(audit).anyMatch(l -> l.contains("\"phase\":\"outcome\""));
    }
}
