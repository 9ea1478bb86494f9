package dev.sessionctl.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.dialect.oracle.OracleDialect;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator.SimSession;
import dev.sessionctl.explain.Explainer;
import dev.sessionctl.explain.Explanation;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.hostaccess.HostAccessTarget;
import dev.sessionctl.hostaccess.OsProcessKiller;
import dev.sessionctl.hostaccess.ProcessExpectation;
import dev.sessionctl.hostaccess.ProcessInfo;
import dev.sessionctl.hostaccess.ServerProcessGoneCheck;
import dev.sessionctl.hostaccess.Signal;
import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.Verifier;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import dev.sessionctl.testing.FakeHostAccess;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The ORA-00031 playbook on the Oracle simulator (no Oracle server runs here), through the real
 * Oracle dialect: KILLED with rollback progress is watched, never re-killed; an inactive session
 * KILLED until its client calls goes ORA-00031 -> IMMEDIATE -> DISCONNECT; a stuck rollback ends
 * with an OS kill of V$PROCESS.SPID through a host access test double (SIGTERM ignored, SIGKILL).
 * Simulated time: each poll's wait is one simulator tick (400 undo blocks rolled back) when ticking.
 */
@Tag("simulator")
class EscalationOracleSimulatorTest {

    static final TargetSpec SPEC = new TargetSpec("orcl", "jdbc:oracle:thin:@//sim:1521/ORCLPDB", "sessionctl", null,
            Map.of(), ProtectionPolicy.none());

    OracleSimulator sim;
    Connection own;
    TargetConnection target;
    final List<RollbackProgress> progress = new ArrayList<>();

    /** Virtual clock; when ticking, every wait lets the simulator roll back one tick. */
    final class SimTicker implements Ticker {
        long now = 1_000_000_000L;
        boolean ticking;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(Duration d) {
            now += Math.max(1, d.toNanos());
            if (ticking) {
                sim.tick();
            }
        }
    }

    final SimTicker ticker = new SimTicker();

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

    private SessionKey key(SimSession s) {
        return target.snapshot().find(new SessionRef(0, s.sid())).map(Session::key)
                .orElseGet(() -> target.snapshot().find(new SessionRef(s.instance(), s.sid())).orElseThrow().key());
    }

    private Escalator.Builder escalator(TargetConnection t, EscalationLadder ladder) {
        return Escalator.on(t).guards(GuardChain.standard(ProtectionPolicy.none())).ticker(ticker)
                .ladder(ladder.withPollInterval(Duration.ofSeconds(5)).withRollbackStall(Duration.ofSeconds(30))
                        .withVerifyTimeout(Duration.ofSeconds(2)))
                .listener(new EscalationListener() {
                    @Override
                    public void rollbackProgress(SessionKey key, RollbackProgress p) {
                        progress.add(p);
                    }
                });
    }

    private List<String> killStatements() {
        return sim.intercepted().stream().filter(s -> s.toUpperCase().contains("SESSION")).toList();
    }

    @Test
    void killedSessionRollingBackIsFollowedToTheEndWithoutASecondKill() {
        SimSession s = sim.session(1, "APP");
        sim.runs(s, "7h35mzcb6qx9d", "UPDATE orders SET status = 'X'");
        sim.transaction(s, 4000);
        SimSession waiter = sim.session(1, "APP");
        sim.blocks(s, waiter);
        ticker.ticking = true;

        EscalationResult r = escalator(target, EscalationLadder.defaultFor(Engine.Family.ORACLE)).build()
                .escalate(key(s), Escalator.Goal.END_SESSION, "batch run away");

        assertThat(r.status()).as(r.message()).isEqualTo(EscalationResult.Status.DONE);
        assertThat(killStatements()).hasSize(1).first().asString().startsWith("ALTER SYSTEM KILL SESSION '" + s.sid() + ",");
        assertThat(r.performed()).singleElement().satisfies(st -> {
            assertThat(st.result().errorCode()).contains("31");
            assertThat(st.done()).isTrue();
        });
        assertThat(progress).hasSizeGreaterThan(3);
        assertThat(progress.get(0).unit()).isEqualTo("undo blocks");
        assertThat(progress.get(progress.size() - 1).remaining()).isLessThan(progress.get(0).remaining());
        assertThat(progress.get(progress.size() - 1).eta()).isNotNull();
        assertThat(r.checks()).extracting(Check::name).contains("session-gone", "waiters-released");
        assertThat(r.checks()).allMatch(Check::passed);
        assertThat(sim.status(s)).isNull();
        assertThat(sim.blockingSession(waiter)).isNull();
    }

    @Test
    void explainShowsTheRollbackProgressAndSaysWait() {
        SimSession s = sim.session(1, "APP");
        sim.runs(s, "7h35mzcb6qx9d", "UPDATE orders SET status = 'X'");
        sim.transaction(s, 40_000);
        SessionKey k = key(s);
        escalator(target, EscalationLadder.parse("terminate:5s")).build().escalate(k, Escalator.Goal.END_SESSION, null);
        ticker.ticking = true;

        Explanation e = new Explainer(target, GuardChain.standard(ProtectionPolicy.none()), null, ticker)
                .explain(k, Duration.ofSeconds(10), "sessionctl -t orcl");

        assertThat(e.state()).isEqualTo("terminating");
        assertThat(e.findings().get(0).code()).isEqualTo("rolling-back");
        assertThat(e.rollback().perSecond()).isEqualTo(40.0); // 400 blocks in 10 s
        assertThat(e.next().command()).isEqualTo("sessionctl explain " + k.printable() + " -t orcl --sample 30s");
    }

    @Test
    void inactiveSessionKilledUntilItsClientCallsGetsImmediateThenDisconnect() {
        SimSession s = sim.session(1, "APP"); // INACTIVE: Oracle marks it KILLED and waits for the client's next call
        EscalationResult r = escalator(target, EscalationLadder.defaultFor(Engine.Family.ORACLE)).build()
                .escalate(key(s), Escalator.Goal.END_SESSION, "zombie");

        assertThat(r.status()).as(r.message()).isEqualTo(EscalationResult.Status.DONE);
        List<String> stmts = killStatements();
        assertThat(stmts).hasSize(3);
        assertThat(stmts.get(0)).matches("ALTER SYSTEM KILL SESSION '\\d+,\\d+'");
        assertThat(stmts.get(1)).matches("ALTER SYSTEM KILL SESSION '\\d+,\\d+' IMMEDIATE");
        assertThat(stmts.get(2)).matches("ALTER SYSTEM DISCONNECT SESSION '\\d+,\\d+' IMMEDIATE");
        assertThat(r.performed()).extracting(st -> st.result().outcome()).containsExactly(KillOutcome.MARKED_FOR_KILL,
                KillOutcome.MARKED_FOR_KILL, KillOutcome.TERMINATED);
        assertThat(r.performed().get(1).result().errorCode()).contains("31"); // ORA-00031 again on the KILLED session
        assertThat(sim.status(s)).isNull();
    }

    @Test
    void stuckRollbackEndsWithAnOsKillOfTheSpid() {
        SimSession s = sim.session(1, "APP");
        sim.runs(s, "7h35mzcb6qx9d", "UPDATE orders SET status = 'X'");
        sim.transaction(s, 4000);
        SessionKey k = key(s);
        long spid = Long.parseLong(target.snapshot().find(k.ref()).orElseThrow().serverProcess());
        FakeHostAccess host = new FakeHostAccess().user("oracle", 54321)
                .process(new ProcessInfo(spid, 1, spid, 54321, "D", "oracleORCL (LOCAL=NO)",
                        Instant.now().minus(Duration.ofHours(3))))
                .onSignal((pid, sig) -> {
                    if (sig == Signal.TERM) {
                        return false; // stuck: SIGTERM is ignored
                    }
                    sim.commit(s);       // the process is gone; PMON cleans up (simulated)
                    sim.clientCalls(s);
                    return true;
                });
        HostAccessTarget withHost = new HostAccessTarget(target, new OsProcessKiller(host,
                ProcessExpectation.forEngine(Engine.Family.ORACLE, null), Duration.ofSeconds(30), ticker), false);
        Verifier verifier = new Verifier(withHost).with(new ServerProcessGoneCheck(host));

        EscalationResult r = escalator(withHost, EscalationLadder.parse("terminate:60s,os-kill:2m"))
                .verifier(verifier).build().escalate(k, Escalator.Goal.END_SESSION, "stuck rollback");

        assertThat(r.status()).as(r.message()).isEqualTo(EscalationResult.Status.DONE);
        assertThat(r.performed()).extracting(st -> st.step().action()).containsExactly(KillAction.TERMINATE, KillAction.OS_KILL);
        assertThat(host.signals()).containsExactly("TERM " + spid, "KILL " + spid);
        assertThat(r.performed().get(1).result().message()).contains("ignored SIGTERM").contains("SIGKILL");
        assertThat(r.performed().get(1).result().statement())
                .isEqualTo("kill -TERM " + spid + "; after 30s kill -KILL " + spid + " (on fake-db-host)");
        assertThat(r.checks()).extracting(Check::name).contains("session-gone", "server-process-gone");
        assertThat(killStatements()).hasSize(1);
    }

    @Test
    void osKillRefusedWhenTheProcessIsNotOraclesOwn() {
        SimSession s = sim.session(1, "APP");
        sim.runs(s, "7h35mzcb6qx9d", "UPDATE orders SET status = 'X'");
        sim.transaction(s, 4000);
        SessionKey k = key(s);
        long spid = Long.parseLong(target.snapshot().find(k.ref()).orElseThrow().serverProcess());
        FakeHostAccess host = new FakeHostAccess().user("oracle", 54321)
                .process(new ProcessInfo(spid, 1, spid, 1000, "S", "oracleORCL (LOCAL=NO)", Instant.now().minus(Duration.ofHours(3))));
        HostAccessTarget withHost = new HostAccessTarget(target, new OsProcessKiller(host,
                ProcessExpectation.forEngine(Engine.Family.ORACLE, null), Duration.ofSeconds(30), ticker), false);

        EscalationResult r = escalator(withHost, EscalationLadder.parse("terminate:30s,os-kill:1m")).build()
                .escalate(k, Escalator.Goal.END_SESSION, null);

        assertThat(r.status()).isEqualTo(EscalationResult.Status.REFUSED);
        assertThat(r.message()).contains("host-process").contains("uid 1000").contains("'oracle'");
        assertThat(host.signals()).isEmpty();
    }
}
