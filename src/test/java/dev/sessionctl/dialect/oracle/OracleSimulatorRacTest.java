package dev.sessionctl.dialect.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.dialect.oracle.sim.OracleSimulator;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator.SimSession;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** SIMULATOR TESTS: a two-instance RAC database; sessionctl connected to instance 1. */
@Tag("simulator")
@DisplayName("Oracle RAC, two instances [simulator]")
class OracleSimulatorRacTest {

    OracleSimulator sim;
    OracleTarget target;

    @BeforeEach
    void start() throws Exception {
        sim = new OracleSimulator(2).dba("SESSIONCTL");
        target = (OracleTarget) new OracleDialect().open(sim.connect("SESSIONCTL", 1), OracleSimulatorSingleInstanceTest.SPEC);
    }

    @AfterEach
    void stop() {
        target.close();
        sim.close();
    }

    SessionKiller killer() {
        return new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
    }

    static SessionKey key(SimSession s) {
        return SessionKey.parse("orcl", s.key());
    }

    @Test
    @DisplayName("GV$ views with INST_ID: sessions of both instances, cross-instance blocking, PX slave on another instance")
    void readsAllInstances() {
        SimSession blocker = sim.session(2, "APP");
        sim.transaction(blocker, 10);
        SimSession waiter = sim.session(1, "APP");
        sim.blocks(blocker, waiter);
        SimSession qc = sim.session(1, "REPORT");
        SimSession slave = sim.pxSlave(qc, 2);

        assertThat(target.isRac()).isTrue();
        assertThat(target.snapshotSql()).contains("FROM GV$SESSION s").contains("AND p.INST_ID = s.INST_ID");
        Snapshot snap = target.snapshot();
        assertThat(snap.sessions()).extracting(s -> s.key().instance()).contains(1, 2);
        Session w = snap.find(new SessionRef(1, waiter.sid())).orElseThrow();
        assertThat(w.blockedBy()).containsExactly(new SessionRef(2, blocker.sid()));
        Session px = snap.find(new SessionRef(2, slave.sid())).orElseThrow();
        assertThat(px.kind()).isEqualTo(SessionKind.PARALLEL_WORKER);
        assertThat(px.parent()).isEqualTo(new SessionRef(1, qc.sid()));
        // both instances run a PMON: same kind of row, distinct keys
        assertThat(snap.sessions()).filteredOn(s -> "BACKGROUND PMON".equals(s.backendType())).hasSize(2);
    }

    @Test
    @DisplayName("KILL SESSION names the owning instance with ,@2 and Oracle routes it there")
    void killOnOtherInstance() {
        SimSession remote = sim.session(2, "APP");
        sim.runs(remote, "8vu7s907prbgr", "SELECT * FROM big");
        SimSession sameSid = sim.sessionAt(1, remote.sid(), "APP"); // the same SID exists on instance 1 too
        KillResult r = killer().killOne(key(remote), KillRequest.of(KillAction.TERMINATE_IMMEDIATE));
        assertThat(r.statement()).isEqualTo("ALTER SYSTEM KILL SESSION '" + remote.sid() + "," + remote.serial() + ",@2' IMMEDIATE");
        assertThat(r.outcome()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(sim.status(remote)).isNull();
        assertThat(sim.status(sameSid)).isEqualTo("INACTIVE");
    }

    @Test
    @DisplayName("DISCONNECT has no @inst: refused with the fix for another instance's session, works on our own")
    void disconnectOnlyOnOwnInstance() {
        SimSession remote = sim.session(2, "APP");
        KillResult refused = killer().killOne(key(remote), KillRequest.of(KillAction.DISCONNECT_IMMEDIATE));
        assertThat(refused.outcome()).isEqualTo(KillOutcome.FAILED);
        assertThat(refused.message()).contains("no @instance form").contains("instance 2").contains("nothing was done");
        assertThat(refused.fix()).contains("connect to instance 2").contains("terminate-immediate");
        assertThat(sim.intercepted()).isEmpty();
        assertThat(sim.status(remote)).isEqualTo("INACTIVE");

        SimSession local = sim.session(1, "APP");
        KillResult ok = killer().killOne(key(local), KillRequest.of(KillAction.DISCONNECT_IMMEDIATE));
        assertThat(ok.outcome()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(ok.statement()).doesNotContain("@");
    }

    @Test
    @DisplayName("CANCEL SQL names the instance; lock holders come from GV$LOCKED_OBJECT with INST_ID")
    void cancelAndLockHolders() {
        SimSession remote = sim.session(2, "APP");
        sim.runs(remote, "8vu7s907prbgr", "DELETE FROM orders");
        sim.transaction(remote, 3);
        sim.locks(remote, "APP", "ORDERS");
        assertThat(target.lockHolders("APP.ORDERS")).containsExactly(new SessionRef(2, remote.sid()));

        KillResult r = killer().killOne(key(remote), KillRequest.of(KillAction.CANCEL));
        assertThat(r.statement()).isEqualTo("ALTER SYSTEM CANCEL SQL '" + remote.sid() + "," + remote.serial()
                + ",@2,8vu7s907prbgr'");
        assertThat(r.outcome()).isEqualTo(KillOutcome.CANCELLED);
        assertThat(sim.status(remote)).isEqualTo("INACTIVE");
        assertThat(sim.undoBlocks(remote)).isEqualTo(3L); // the transaction survives a cancel
    }

    @Test
    @DisplayName("re-reading only some sessions binds their SIDs and keeps the instance apart")
    void partialSnapshot() {
        SimSession a = sim.session(2, "APP");
        SimSession sameSidOtherInstance = sim.sessionAt(1, a.sid(), "APP");
        SimSession other = sim.session(1, "APP");
        Snapshot part = target.snapshot(java.util.List.of(new SessionRef(2, a.sid())));
        assertThat(part.sessions()).extracting(Session::ref).containsExactly(new SessionRef(2, a.sid()));
        assertThat(target.snapshot().find(new SessionRef(1, sameSidOtherInstance.sid()))).isPresent();
        assertThat(target.snapshot().find(new SessionRef(1, other.sid()))).isPresent();
    }

    @Test
    @DisplayName("a stale key on another instance: ORA-00030 refined to IDENTITY_CHANGED")
    void staleKeyOnOtherInstance() {
        SimSession old = sim.session(2, "APP");
        Session view = target.snapshot().find(new SessionRef(2, old.sid())).orElseThrow();
        killer().killOne(key(old), KillRequest.of(KillAction.TERMINATE));
        sim.clientCalls(old);
        SimSession reused = sim.sessionAt(2, old.sid(), "APP");
        KillResult r = target.execute(KillAction.TERMINATE, view, Duration.ofSeconds(5));
        assertThat(r.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
        assertThat(sim.status(reused)).isEqualTo("INACTIVE");
    }
}
