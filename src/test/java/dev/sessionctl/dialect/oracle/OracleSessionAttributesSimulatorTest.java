package dev.sessionctl.dialect.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.dialect.oracle.sim.OracleSimulator;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator.SimSession;
import dev.sessionctl.escalation.Ticker;
import dev.sessionctl.explain.Explainer;
import dev.sessionctl.explain.Explanation;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.hostaccess.HostAccessTarget;
import dev.sessionctl.hostaccess.OsProcessKiller;
import dev.sessionctl.hostaccess.ProcessExpectation;
import dev.sessionctl.hostaccess.ProcessInfo;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import dev.sessionctl.testing.FakeHostAccess;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session attributes the termination engine reads (docs/termination.md), filled by the real
 * Oracle dialect from the simulator's V$SESSION / V$PROCESS / V$LOCK / DBA_2PC_PENDING, and what
 * explain and the OS-level kill make of them.
 */
class OracleSessionAttributesSimulatorTest {

    static final TargetSpec SPEC = new TargetSpec("orcl", "jdbc:oracle:thin:@//sim:1521/ORCLPDB", "sessionctl", null,
            Map.of(), ProtectionPolicy.none());

    OracleSimulator sim;
    Connection own;
    TargetConnection target;

    /** Virtual time: a sample window passes without any rollback progress (the simulator never ticks). */
    final Ticker stalled = new Ticker() {
        long now = 1_000_000_000L;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(Duration d) {
            now += d.toNanos();
        }
    };

    @BeforeEach
    void start() throws Exception {
        sim = new OracleSimulator(1).dba("SESSIONCTL");
        own = sim.connect("SESSIONCTL", 1);
        target = new OracleDialect().open(own, SPEC);
    }

    @AfterEach
    void stop() {
        target.close();
        sim.close();
    }

    private Session read(SimSession s) {
        return target.snapshot().find(new SessionRef(s.instance(), s.sid())).orElseThrow();
    }

    @Test
    void lockHoldersGetTheirHeldLocksCountedOthersNothing() {
        SimSession holder = sim.session(1, "APP");
        sim.runs(holder, "7h35mzcb6qx9d", "UPDATE orders SET status = 'X'");
        sim.transaction(holder, 12);
        sim.locks(holder, "APP", "ORDERS");
        sim.locks(holder, "APP", "ORDER_LINES");
        SimSession idle = sim.session(1, "APP");

        Session h = read(holder);
        assertThat(h.attributes()).containsEntry("lockCount", "3").containsEntry("locksHeld", "3 (TM 2, TX 1)")
                .containsEntry("localTransactionId", "7." + holder.sid() + ".4242")
                .doesNotContainKey("distributedTransaction").doesNotContainKey("threadedExecution");
        assertThat(read(idle).attributes()).doesNotContainKeys("lockCount", "locksHeld", "localTransactionId");

        sim.commit(holder);
        assertThat(read(holder).attributes()).doesNotContainKeys("lockCount", "locksHeld");
    }

    @Test
    void onRacLocksAreMatchedByInstanceAndSidNotSidAlone() throws Exception {
        try (OracleSimulator rac = new OracleSimulator(2).dba("SESSIONCTL");
             TargetConnection t = new OracleDialect().open(rac.connect("SESSIONCTL", 1), SPEC)) {
            SimSession onOne = rac.session(1, "APP");
            SimSession onTwo = rac.sessionAt(2, onOne.sid(), "APP"); // the same SID on the other instance
            rac.transaction(onTwo, 5);
            rac.locks(onTwo, "APP", "ORDERS");

            var snap = t.snapshot();
            assertThat(snap.find(new SessionRef(2, onTwo.sid())).orElseThrow().attributes())
                    .containsEntry("locksHeld", "2 (TM 1, TX 1)");
            assertThat(snap.find(new SessionRef(1, onOne.sid())).orElseThrow().attributes())
                    .doesNotContainKeys("locksHeld", "lockCount");
        }
    }

    @Test
    void waitSecondsAndOsWaitHints() {
        SimSession io = sim.session(1, "APP");
        sim.runs(io, "7h35mzcb6qx9d", "SELECT * FROM big");
        sim.waits(io, "db file sequential read", "User I/O", 95);
        SimSession link = sim.session(1, "APP");
        sim.runs(link, "5xk1q0vm2n8rd", "UPDATE remote_tab@hq SET x = 1");
        sim.waits(link, "SQL*Net message from dblink", "Network", 600);
        SimSession idle = sim.session(1, "APP");
        sim.waits(idle, "SQL*Net message from client", "Idle", 30);

        assertThat(read(io).attributes()).containsEntry("waitSeconds", "95")
                .hasEntrySatisfying("osWait", v -> assertThat(v).contains("I/O").contains("storage"));
        assertThat(read(link).attributes()).containsEntry("waitSeconds", "600")
                .hasEntrySatisfying("osWait", v -> assertThat(v).contains("database link"));
        // an idle session always waits on its client: a wait, but not a hint about why a kill is slow
        assertThat(read(idle).attributes()).containsEntry("waitSeconds", "30").doesNotContainKey("osWait");
    }

    @Test
    void explainTellsThatAKilledSessionWaitsOnIo() {
        SimSession s = sim.session(1, "APP");
        sim.runs(s, "7h35mzcb6qx9d", "DELETE FROM big");
        sim.transaction(s, 4000);
        sim.waits(s, "db file sequential read", "User I/O", 240);
        sim.markKilled(s);

        Explanation e = new Explainer(target, GuardChain.standard(ProtectionPolicy.none()), null, stalled)
                .explain(read(s).key(), Duration.ZERO, "sessionctl -t orcl");

        assertThat(e.findings()).filteredOn(f -> f.code().equals("io-wait")).singleElement()
                .satisfies(f -> assertThat(f.text()).contains("User I/O: db file sequential read, for 240s")
                        .contains("storage").contains("--host-access"));
        assertThat(e.findings()).extracting(Explanation.Finding::code).doesNotContain("network-wait");
    }

    @Test
    void sharedServerAndThreadedSessionsAreMarked() {
        SimSession shared = sim.session(1, "APP");
        sim.sharedServer(shared, "SHARED");
        SimSession threaded = sim.session(1, "APP");
        sim.threaded(threaded);
        SimSession dedicated = sim.session(1, "APP");

        assertThat(read(shared).attributes()).containsEntry("server", "SHARED");
        assertThat(read(threaded).attributes()).containsEntry("threadedExecution", "true").containsEntry("server", "DEDICATED");
        assertThat(read(dedicated).attributes()).containsEntry("server", "DEDICATED").doesNotContainKey("threadedExecution");
    }

    @Test
    void threadedExecutionIsNotReadBefore12c() throws Exception {
        target.close();
        sim.version("11.2.0.4.0");
        own = sim.connect("SESSIONCTL", 1);
        target = new OracleDialect().open(own, SPEC);
        SimSession s = sim.session(1, "APP");
        sim.threaded(s); // not possible on 11g; the column must not even be selected

        assertThat(((OracleTarget) target).snapshotSql()).doesNotContain("EXECUTION_TYPE,").doesNotContain("p.EXECUTION_TYPE");
        assertThat(read(s).attributes()).doesNotContainKey("threadedExecution");
    }

    @Test
    void hostAccessRefusesSharedServerAndThreadedSessions() {
        SimSession shared = sim.session(1, "APP");
        sim.sharedServer(shared, "SHARED");
        SimSession threaded = sim.session(1, "APP");
        sim.threaded(threaded);
        SimSession dedicated = sim.session(1, "APP");
        FakeHostAccess host = new FakeHostAccess().user("oracle", 54321);
        for (SimSession s : new SimSession[] {shared, threaded, dedicated}) {
            long spid = Long.parseLong(read(s).serverProcess());
            host.process(new ProcessInfo(spid, 1, spid, 54321, "S", "oracleORCL (LOCAL=NO)",
                    Instant.now().minus(Duration.ofHours(3))));
        }
        HostAccessTarget withHost = new HostAccessTarget(target, new OsProcessKiller(host,
                ProcessExpectation.forEngine(Engine.Family.ORACLE, null), Duration.ofSeconds(1), stalled), false);

        KillResult onShared = withHost.execute(KillAction.OS_TERM, read(shared), Duration.ofSeconds(1));
        KillResult onThreaded = withHost.execute(KillAction.OS_TERM, read(threaded), Duration.ofSeconds(1));

        assertThat(onShared.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        assertThat(onShared.message()).contains("host-process").contains("shared server");
        assertThat(onThreaded.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        assertThat(onThreaded.message()).contains("host-process").contains("threaded execution");
        assertThat(host.signals()).isEmpty();

        // the same checks let a dedicated server process through: the refusals above are about sharing
        KillResult onDedicated = withHost.execute(KillAction.OS_TERM, read(dedicated), Duration.ofSeconds(1));
        assertThat(onDedicated.outcome()).isNotEqualTo(KillOutcome.REFUSED_BY_GUARD);
        assertThat(host.signals()).containsExactly("TERM " + read(dedicated).serverProcess());
    }

    @Test
    void explainKilledDistributedSessionRecommendsNoOsKill() {
        SimSession s = sim.session(1, "APP");
        sim.runs(s, "5xk1q0vm2n8rd", "UPDATE remote_tab@hq SET x = 1");
        sim.transaction(s, 4000);
        sim.distributed(s, "ORCL.7f3a9c.7." + s.sid() + ".4242", null, null);
        sim.waits(s, "SQL*Net message from dblink", "Network", 900);
        sim.markKilled(s);
        Session before = read(s);
        assertThat(before.attributes()).containsEntry("distributedTransaction", "7." + s.sid() + ".4242")
                .hasEntrySatisfying("locksHeld", v -> assertThat(v).contains("DX 1").contains("TX 1"));

        Explanation e = new Explainer(target, GuardChain.standard(ProtectionPolicy.none()), null, stalled)
                .explain(before.key(), Duration.ofSeconds(10), "sessionctl -t orcl");

        assertThat(e.findings()).extracting(Explanation.Finding::code)
                .contains("stalled", "distributed-transaction", "network-wait");
        assertThat(e.next().action()).isEqualTo("escalate");
        assertThat(e.next().command()).isEqualTo("sessionctl kill " + before.key().printable()
                + " -t orcl --escalate --ladder terminate-immediate:1m,disconnect-immediate:1m");
        assertThat(e.next().why()).contains("database link").contains("no OS kill");
        assertThat(e.locksHeld()).contains("DX 1");
    }

    @Test
    void explainKilledSessionWithInDoubtTransactionSaysHowToResolveIt() {
        SimSession s = sim.session(1, "APP");
        sim.runs(s, "5xk1q0vm2n8rd", "COMMIT");
        sim.transaction(s, 4000);
        String global = "ORCL.7f3a9c.7." + s.sid() + ".4242";
        sim.distributed(s, global, "prepared", "C");
        sim.markKilled(s);
        Session before = read(s);
        assertThat(before.attributes()).containsEntry("distributedTransaction", global)
                .containsEntry("distributedTransactionState", "prepared").containsEntry("distributedTransactionAdvice", "commit");

        Explanation e = new Explainer(target, GuardChain.standard(ProtectionPolicy.none()), null, stalled)
                .explain(before.key(), Duration.ofSeconds(10), "sessionctl -t orcl");

        assertThat(e.distributed()).isEqualTo(global);
        assertThat(e.next().action()).isEqualTo("resolve-in-doubt");
        assertThat(e.next().command()).isNull();
        assertThat(e.next().why()).contains("DBA_2PC_PENDING state prepared, advice commit")
                .contains("COMMIT FORCE '7." + s.sid() + ".4242'").contains("ROLLBACK FORCE '7." + s.sid() + ".4242'");
        assertThat(sim.intercepted()).isEmpty(); // explain never acts
    }
}
