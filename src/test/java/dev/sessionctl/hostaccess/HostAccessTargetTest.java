package dev.sessionctl.hostaccess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.escalation.Ticker;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.testing.FakeHostAccess;
import dev.sessionctl.testing.FakeTargetConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decorator's own rules, on test doubles (the real paths run in OsProcessKillPostgresTest and the simulator tests). */
class HostAccessTargetTest {

    private static final Instant LOGON = Instant.parse("2026-11-22T01:00:00Z");

    private static Session oracleSession(String serial, String spid) {
        return FakeTargetConnection.client(125, serial).serverProcess(spid).logonTime(LOGON).attribute("server", "DEDICATED").build();
    }

    private static FakeHostAccess host(long spid) {
        return new FakeHostAccess().user("oracle", 54321)
                .process(new ProcessInfo(spid, 1, spid, 54321, "S", "oracleORCL (LOCAL=NO)", LOGON.minusSeconds(1)));
    }

    private static HostAccessTarget wrap(FakeTargetConnection t, FakeHostAccess h) {
        return new HostAccessTarget(t, new OsProcessKiller(h, ProcessExpectation.forEngine(Engine.Family.ORACLE, null),
                Duration.ofSeconds(1), Ticker.SYSTEM), false);
    }

    @Test
    void replacedSessionOrProcessIsNeverSignalled() {
        Session remembered = oracleSession("4892", "4242");
        FakeTargetConnection t = new FakeTargetConnection(Engine.ORACLE, List.of(KillAction.TERMINATE))
                .add(oracleSession("4893", "4242"));
        FakeHostAccess h = host(4242);
        KillResult r = wrap(t, h).execute(KillAction.OS_TERM, remembered, Duration.ofSeconds(1));
        assertThat(r.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
        assertThat(h.signals()).isEmpty();

        FakeTargetConnection t2 = new FakeTargetConnection(Engine.ORACLE, List.of(KillAction.TERMINATE))
                .add(oracleSession("4892", "5555")); // same session, another server process now
        KillResult r2 = wrap(t2, h).execute(KillAction.OS_TERM, remembered, Duration.ofSeconds(1));
        assertThat(r2.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
        assertThat(h.signals()).isEmpty();
    }

    @Test
    void sigtermEndsADedicatedServerProcess() {
        Session s = oracleSession("4892", "4242");
        FakeTargetConnection t = new FakeTargetConnection(Engine.ORACLE, List.of(KillAction.TERMINATE)).add(s);
        FakeHostAccess h = host(4242);
        HostAccessTarget w = wrap(t, h);
        assertThat(w.supportedActions()).containsExactly(KillAction.TERMINATE, KillAction.OS_TERM, KillAction.OS_KILL);
        KillResult r = w.execute(KillAction.OS_TERM, s, Duration.ofSeconds(1));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(h.signals()).containsExactly("TERM 4242");
    }

    @Test
    void osActionsTheEngineOffersItselfStayTheEngines() {
        Session s = oracleSession("4892", "4242");
        FakeTargetConnection rds = new FakeTargetConnection(Engine.ORACLE_RDS, List.of(KillAction.TERMINATE, KillAction.OS_KILL))
                .add(s).react(s.ref(), KillAction.OS_KILL, FakeTargetConnection.Reaction.GONE);
        FakeHostAccess h = host(4242);
        HostAccessTarget w = wrap(rds, h);
        assertThat(w.statementFor(KillAction.OS_KILL, s)).isEqualTo("FAKE os-kill 125,4892");
        KillResult r = w.execute(KillAction.OS_KILL, s, Duration.ofSeconds(1));
        assertThat(r.outcome()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(rds.executed()).containsExactly("os-kill 125,4892");
        assertThat(h.signals()).isEmpty();
    }

    @Test
    void mysqlGetsNoOsActions() {
        FakeTargetConnection t = new FakeTargetConnection(Engine.MARIADB, List.of(KillAction.CANCEL, KillAction.TERMINATE));
        assertThat(wrap(t, host(1)).supportedActions()).containsExactly(KillAction.CANCEL, KillAction.TERMINATE);
    }
}
