package dev.sessionctl.dialect.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import dev.sessionctl.model.RollbackProgress;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIMULATOR TESTS (no Oracle server runs here): the dialect's real SQL runs on H2 in Oracle mode,
 * ALTER SYSTEM is applied by {@link OracleSimulator} following Oracle's documented semantics. The
 * same scenarios run against a real Oracle Free in {@link OracleFreeContainerTest} when Docker exists.
 */
@Tag("simulator")
@DisplayName("Oracle single instance [simulator]")
class OracleSimulatorSingleInstanceTest {

    static final TargetSpec SPEC = new TargetSpec("orcl", "jdbc:oracle:thin:@//sim:1521/ORCLPDB", "sessionctl", null,
            Map.of(), ProtectionPolicy.none());

    OracleSimulator sim;
    java.sql.Connection ownConnection;
    OracleTarget target;

    @BeforeEach
    void start() throws Exception {
        sim = new OracleSimulator(1).dba("SESSIONCTL");
        ownConnection = sim.connect("SESSIONCTL", 1);
        target = (OracleTarget) new OracleDialect().open(ownConnection, SPEC);
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

    Session find(Snapshot snap, SimSession s) {
        return snap.find(new SessionRef(s.instance(), s.sid())).orElseThrow();
    }

    @Test
    @DisplayName("snapshot: V$SESSION joined with V$PROCESS, V$TRANSACTION, V$SQL; own, background, SYS, blocking, PX")
    void snapshotReadsEverything() {
        SimSession blocker = sim.session(1, "APP");
        sim.transaction(blocker, 120);
        sim.locks(blocker, "APP", "ORDERS");
        SimSession waiter = sim.session(1, "APP");
        sim.runs(waiter, "8vu7s907prbgr", "UPDATE orders SET status = 'X' WHERE id = 1");
        sim.blocks(blocker, waiter);
        SimSession sys = sim.session(1, "SYS");
        SimSession qc = sim.session(1, "REPORT");
        sim.runs(qc, "a5ks9fhw2v9s1", "SELECT /*+ parallel(4) */ COUNT(*) FROM big");
        SimSession slave = sim.pxSlave(qc, 1);

        Snapshot snap = target.snapshot();

        assertThat(target.capabilities()).containsEntry("rac", "false").containsEntry("cancelSql", "true");
        Session own = snap.sessions().stream().filter(s -> snap.isOwn(s.ref())).findFirst().orElseThrow();
        assertThat(own.user()).isEqualTo("SESSIONCTL");
        assertThat(snap.ownSessions()).hasSize(1);

        Session b = find(snap, blocker);
        assertThat(b.key().printable()).isEqualTo(blocker.sid() + "," + blocker.serial() + ",@1");
        assertThat(b.state()).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        assertThat(b.transactionSize()).isEqualTo(120L);
        assertThat(b.transactionStart()).isNotNull().isBefore(snap.serverTime());
        assertThat(b.serverProcess()).isNotBlank();
        assertThat(b.attributes()).containsEntry("undoRecords", "3600");
        assertThat(b.stateSince()).isEqualTo(snap.serverTime().minusSeconds(60)); // LAST_CALL_ET = 60

        Session w = find(snap, waiter);
        assertThat(w.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(w.blockedBy()).containsExactly(new SessionRef(1, blocker.sid()));
        assertThat(w.attributes()).containsEntry("finalBlockingSession", new SessionRef(1, blocker.sid()).toString())
                .containsEntry("sqlElapsedSeconds", "754.0").containsEntry("sqlCpuSeconds", "312.0");
        assertThat(w.sqlId()).isEqualTo("8vu7s907prbgr");
        assertThat(w.sqlText()).startsWith("UPDATE orders");
        assertThat(w.waitEvent()).isEqualTo("enq: TX - row lock contention");
        assertThat(w.queryStart()).isNotNull();

        assertThat(find(snap, sys).protectedReason()).contains("SYS");
        Session pmon = find(snap, sim.background(1, "PMON"));
        assertThat(pmon.kind()).isEqualTo(SessionKind.BACKGROUND);
        assertThat(pmon.backendType()).isEqualTo("BACKGROUND PMON");

        Session px = find(snap, slave);
        assertThat(px.kind()).isEqualTo(SessionKind.PARALLEL_WORKER);
        assertThat(px.parent()).isEqualTo(new SessionRef(1, qc.sid()));
        assertThat(find(snap, qc).kind()).isEqualTo(SessionKind.CLIENT); // the coordinator's own PX row is not a slave
    }

    @Test
    @DisplayName("terminate an active blocker: KILL SESSION, row gone, waiter released, verified")
    void terminateActiveBlocker() {
        SimSession blocker = sim.session(1, "APP");
        sim.runs(blocker, "4ztz048yfq32s", "UPDATE orders SET total = total * 1.1");
        sim.transaction(blocker, 10);
        SimSession waiter = sim.session(1, "APP");
        sim.blocks(blocker, waiter);

        KillResult r = killer().killOne(key(blocker), KillRequest.of(KillAction.TERMINATE).verify(true)
                .verifyTimeout(Duration.ofSeconds(5)));

        assertThat(r.outcome()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(r.statement()).isEqualTo("ALTER SYSTEM KILL SESSION '" + blocker.sid() + "," + blocker.serial() + "'");
        assertThat(r.checks()).extracting(c -> c.name() + "=" + c.passed())
                .containsExactly("session-gone=true", "waiters-released=true");
        assertThat(sim.status(blocker)).isNull();
        assertThat(sim.blockingSession(waiter)).isNull();
        assertThat(sim.intercepted()).containsExactly(r.statement());
    }

    @Test
    @DisplayName("terminate an idle-in-transaction blocker: KILLED, rolled back, locks released, row gone at the client's next call")
    void terminateIdleBlocker() {
        SimSession blocker = sim.session(1, "APP");
        sim.transaction(blocker, 10);
        sim.locks(blocker, "APP", "ORDERS");
        SimSession waiter = sim.session(1, "APP");
        sim.blocks(blocker, waiter);

        KillResult r = killer().killOne(key(blocker), KillRequest.of(KillAction.TERMINATE));

        assertThat(r.outcome()).isEqualTo(KillOutcome.MARKED_FOR_KILL);
        assertThat(r.errorCode()).isNull();
        assertThat(r.message()).contains("nothing left to roll back").contains("ORA-00028");
        assertThat(sim.status(blocker)).isEqualTo("KILLED");
        assertThat(sim.undoBlocks(blocker)).isNull();
        assertThat(sim.lockCount(blocker)).isZero();
        assertThat(sim.blockingSession(waiter)).isNull();
        Session killed = find(target.snapshot(), blocker);
        assertThat(killed.state()).isEqualTo(SessionState.TERMINATING);
        assertThat(target.snapshot().sessions()).noneMatch(s -> s.blockedBy().contains(killed.ref()));

        sim.clientCalls(blocker);
        assertThat(target.snapshot().find(killed.ref())).isEmpty();
    }

    @Test
    @DisplayName("large transaction: ORA-00031 -> MARKED_FOR_KILL, KILLED while rolling back, progress, then gone")
    void largeTransactionIsMarkedForKillAndRollsBack() {
        SimSession big = sim.session(1, "BATCH");
        sim.runs(big, "0w2qpuc6u2zsp", "UPDATE orders SET archived = 1");
        sim.transaction(big, 1000);
        sim.locks(big, "APP", "ORDERS");
        SimSession waiter = sim.session(1, "APP");
        sim.blocks(big, waiter);

        KillResult r = killer().killOne(key(big), KillRequest.of(KillAction.TERMINATE));

        assertThat(r.outcome()).isEqualTo(KillOutcome.MARKED_FOR_KILL);
        assertThat(r.succeeded()).isTrue();
        assertThat(r.errorCode()).isEqualTo("ORA-00031");
        assertThat(r.message()).contains("1000 undo blocks left").contains("do not kill it again");
        assertThat(sim.status(big)).isEqualTo("KILLED");
        assertThat(sim.blockingSession(waiter)).isEqualTo(big.sid()); // locks held until the rollback ends

        Snapshot s1 = target.snapshot();
        assertThat(find(s1, big).state()).isEqualTo(SessionState.TERMINATING);
        // never re-kill: the guard refuses, and Oracle itself would answer ORA-00031 again
        assertThat(killer().killOne(key(big), KillRequest.of(KillAction.TERMINATE)).outcome())
                .isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        KillResult again = target.execute(KillAction.TERMINATE, find(s1, big), Duration.ofSeconds(5));
        assertThat(again.outcome()).isEqualTo(KillOutcome.MARKED_FOR_KILL);
        assertThat(again.errorCode()).isEqualTo("ORA-00031");

        List<RollbackProgress.Estimate> p1 = target.rollbackProgress();
        assertThat(p1).singleElement().satisfies(e -> assertThat(e.workLeft()).isEqualTo(1000));
        sim.tick();
        List<RollbackProgress.Estimate> p2 = target.rollbackProgress();
        assertThat(p2).singleElement().satisfies(e -> {
            assertThat(e.workLeft()).isEqualTo(600);
            assertThat(e.trend()).isEqualTo(RollbackProgress.Trend.SHRINKING);
            assertThat(e.perSecond()).isPositive();
            assertThat(e.timeLeft()).isNotNull();
        });
        assertThat(find(target.snapshot(), big).attributes()).containsEntry("rollbackUndoBlocksLeft", "600")
                .containsEntry("rollbackTrend", "shrinking");

        sim.tick();
        sim.tick();
        assertThat(sim.status(big)).isNull();
        assertThat(sim.blockingSession(waiter)).isNull();
        assertThat(sim.lockCount(big)).isZero();
        assertThat(target.rollbackProgress()).isEmpty();
        assertThat(target.snapshot().find(new SessionRef(1, big.sid()))).isEmpty();
    }

    @Test
    @DisplayName("IMMEDIATE on a large transaction returns at once: KILLED, reported MARKED_FOR_KILL")
    void immediateReturnsAtOnce() {
        SimSession big = sim.session(1, "BATCH");
        sim.transaction(big, 5000);
        KillResult r = killer().killOne(key(big), KillRequest.of(KillAction.TERMINATE_IMMEDIATE));
        assertThat(r.statement()).endsWith("' IMMEDIATE");
        assertThat(r.outcome()).isEqualTo(KillOutcome.MARKED_FOR_KILL);
        assertThat(r.errorCode()).isNull();
        assertThat(sim.status(big)).isEqualTo("KILLED");
    }

    @Test
    @DisplayName("unknown SID: ORA-00030 -> ALREADY_GONE")
    void unknownSidIsAlreadyGone() {
        SimSession gone = new SimSession(1, 9999, 77, "APP");
        Session ghost = Session.builder(key(gone)).user("APP").build();
        KillResult r = target.execute(KillAction.TERMINATE, ghost, Duration.ofSeconds(5));
        assertThat(r.outcome()).isEqualTo(KillOutcome.ALREADY_GONE);
        assertThat(r.errorCode()).isEqualTo("ORA-00030");
    }

    @Test
    @DisplayName("SID reused by a new session: the old SERIAL# is rejected (ORA-00030), the new session untouched")
    void wrongSerialIsRejected() {
        SimSession old = sim.session(1, "APP");
        Session oldView = find(target.snapshot(), old);
        sim.commit(old);
        // the old session ends and a new one gets the same SID with a new SERIAL#
        KillResult end = killer().killOne(key(old), KillRequest.of(KillAction.TERMINATE));
        assertThat(end.outcome()).isEqualTo(KillOutcome.MARKED_FOR_KILL);
        sim.clientCalls(old);
        SimSession reused = sim.sessionAt(1, old.sid(), "OTHER");
        assertThat(reused.serial()).isNotEqualTo(old.serial());

        // the core's resolve step sees the new incarnation and refuses
        KillResult viaKiller = killer().killOne(key(old), KillRequest.of(KillAction.TERMINATE));
        assertThat(viaKiller.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
        // and even a direct execute with the stale key is refused by Oracle in the statement itself
        KillResult direct = target.execute(KillAction.TERMINATE, oldView, Duration.ofSeconds(5));
        assertThat(direct.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
        assertThat(direct.errorCode()).isEqualTo("ORA-00030");
        assertThat(direct.message()).contains("SERIAL# " + reused.serial()).contains("nothing was done");
        assertThat(sim.status(reused)).isEqualTo("INACTIVE");
    }

    @Test
    @DisplayName("own session: guard refuses; Oracle answers ORA-00027 if asked anyway")
    void ownSession() {
        Snapshot snap = target.snapshot();
        Session own = snap.sessions().stream().filter(s -> snap.isOwn(s.ref())).findFirst().orElseThrow();
        KillResult guarded = killer().killOne(own.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(guarded.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        assertThat(guarded.guard()).isEqualTo("own-connection");
        KillResult direct = target.execute(KillAction.TERMINATE, own, Duration.ofSeconds(5));
        assertThat(direct.outcome()).isEqualTo(KillOutcome.FAILED);
        assertThat(direct.errorCode()).isEqualTo("ORA-00027");
        assertThat(sim.intercepted()).hasSize(1); // only the direct attempt reached the server
    }

    @Test
    @DisplayName("background session: guard refuses; Oracle answers ORA-00029 if asked anyway")
    void backgroundSession() {
        Session smon = find(target.snapshot(), sim.background(1, "SMON"));
        assertThat(killer().killOne(smon.key(), KillRequest.of(KillAction.TERMINATE)).guard()).isEqualTo("not-a-client");
        KillResult direct = target.execute(KillAction.TERMINATE, smon, Duration.ofSeconds(5));
        assertThat(direct.outcome()).isEqualTo(KillOutcome.FAILED);
        assertThat(direct.errorCode()).isEqualTo("ORA-00029");
        assertThat(sim.status(sim.background(1, "SMON"))).isEqualTo("ACTIVE");
    }

    @Test
    @DisplayName("SYS is protected by the dialect; configured users by the guard chain")
    void protectedUsers() {
        SimSession sys = sim.session(1, "SYS");
        SimSession batch = sim.session(1, "BATCH_OWNER");
        KillResult r1 = killer().killOne(key(sys), KillRequest.of(KillAction.TERMINATE));
        assertThat(r1.guard()).isEqualTo("engine-protected");
        SessionKiller configured = new SessionKiller(target,
                GuardChain.standard(new ProtectionPolicy(List.of("batch_*"), List.of(), List.of())), KillListener.NONE);
        assertThat(configured.killOne(key(batch), KillRequest.of(KillAction.TERMINATE)).guard()).isEqualTo("protected-user");
        assertThat(sim.status(sys)).isEqualTo("INACTIVE");
        assertThat(sim.status(batch)).isEqualTo("INACTIVE");
    }

    @Test
    @DisplayName("no ALTER SYSTEM: ORA-01031 -> REFUSED_PRIVILEGE with the fix")
    void withoutPrivilege() throws Exception {
        sim.grantRole("VIEWER", "SELECT_CATALOG_ROLE");
        SimSession victim = sim.session(1, "APP");
        try (OracleTarget viewer = (OracleTarget) new OracleDialect().open(sim.connect("VIEWER", 1), SPEC)) {
            KillResult r = new SessionKiller(viewer, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE)
                    .killOne(key(victim), KillRequest.of(KillAction.TERMINATE));
            assertThat(r.outcome()).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
            assertThat(r.errorCode()).isEqualTo("ORA-01031");
            assertThat(r.fix()).contains("GRANT ALTER SYSTEM").contains("selfServiceProcedure").contains("variant: rds");
            DoctorReport d = viewer.doctor();
            assertThat(d.checks()).anySatisfy(i -> {
                assertThat(i.name()).isEqualTo("end sessions (ALTER SYSTEM)");
                assertThat(i.status()).isEqualTo(DoctorReport.Status.MISSING);
            });
            assertThat(d.checks()).anySatisfy(i -> assertThat(i.fix()).contains("AUTHID DEFINER"));
        }
        assertThat(sim.status(victim)).isEqualTo("INACTIVE");
    }

    @Test
    @DisplayName("no dictionary access: ORA-00942 -> PRIVILEGE with SELECT_CATALOG_ROLE fix")
    void withoutDictionaryAccess() throws Exception {
        try (OracleTarget nobody = (OracleTarget) new OracleDialect().open(sim.connect("NOBODY", 1), SPEC)) {
            assertThatThrownBy(nobody::snapshot).isInstanceOfSatisfying(TargetException.class, e -> {
                assertThat(e.kind()).isEqualTo(TargetException.Kind.PRIVILEGE);
                assertThat(e.fix()).contains("SELECT_CATALOG_ROLE");
                assertThat(e.errorCode()).isEqualTo("ORA-00942");
            });
            assertThat(nobody.doctor().checks()).anySatisfy(i -> {
                assertThat(i.name()).isEqualTo("read session views");
                assertThat(i.status()).isEqualTo(DoctorReport.Status.MISSING);
                assertThat(i.fix()).contains("SELECT_CATALOG_ROLE");
            });
        }
    }

    @Test
    @DisplayName("cancel (18c+): CANCEL SQL with the SQL id; the session stays")
    void cancelSql() {
        SimSession runner = sim.session(1, "APP");
        sim.runs(runner, "3tfmdd4xagv3y", "SELECT * FROM huge");
        KillResult r = killer().killOne(key(runner), KillRequest.of(KillAction.CANCEL));
        assertThat(r.outcome()).isEqualTo(KillOutcome.CANCELLED);
        assertThat(r.statement()).isEqualTo("ALTER SYSTEM CANCEL SQL '" + runner.sid() + "," + runner.serial() + ",3tfmdd4xagv3y'");
        assertThat(sim.status(runner)).isEqualTo("INACTIVE");
        assertThat(sim.sqlId(runner)).isNull();
    }

    @Test
    @DisplayName("cancel before 18c: not offered, and says why")
    void cancelBefore18c() throws Exception {
        sim.version("12.2.0.1.0");
        SimSession runner = sim.session(1, "APP");
        sim.runs(runner, "3tfmdd4xagv3y", "SELECT * FROM huge");
        try (OracleTarget old = (OracleTarget) new OracleDialect().open(sim.connect("SESSIONCTL", 1), SPEC)) {
            assertThat(old.supportedActions()).doesNotContain(KillAction.CANCEL).contains(KillAction.TERMINATE);
            KillResult r = old.execute(KillAction.CANCEL, find(old.snapshot(), runner), Duration.ofSeconds(5));
            assertThat(r.outcome()).isEqualTo(KillOutcome.FAILED);
            assertThat(r.message()).contains("18c").contains("12.2.0.1.0");
            assertThat(old.doctor().checks()).anySatisfy(i -> {
                assertThat(i.name()).isEqualTo("version");
                assertThat(i.status()).isEqualTo(DoctorReport.Status.WARN);
            });
        }
        assertThat(sim.status(runner)).isEqualTo("ACTIVE");
    }

    @Test
    @DisplayName("DISCONNECT POST_TRANSACTION waits for the transaction; IMMEDIATE ends now")
    void disconnect() {
        SimSession inTx = sim.session(1, "APP");
        sim.transaction(inTx, 50);
        KillResult post = killer().killOne(key(inTx), KillRequest.of(KillAction.DISCONNECT_POST_TRANSACTION));
        assertThat(post.statement()).isEqualTo("ALTER SYSTEM DISCONNECT SESSION '" + inTx.sid() + "," + inTx.serial()
                + "' POST_TRANSACTION");
        assertThat(post.outcome()).isEqualTo(KillOutcome.MARKED_FOR_KILL);
        assertThat(post.message()).contains("when its current transaction ends");
        assertThat(sim.status(inTx)).isEqualTo("INACTIVE");
        sim.commit(inTx);
        assertThat(sim.status(inTx)).isNull();

        SimSession idle = sim.session(1, "APP");
        KillResult now = killer().killOne(key(idle), KillRequest.of(KillAction.DISCONNECT_IMMEDIATE));
        assertThat(now.outcome()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(now.statement()).endsWith("' IMMEDIATE");
        assertThat(sim.status(idle)).isNull();
    }

    @Test
    @DisplayName("dry run prints the exact statement and sends nothing")
    void dryRun() {
        SimSession victim = sim.session(1, "APP");
        KillResult r = killer().killOne(key(victim), KillRequest.of(KillAction.TERMINATE_IMMEDIATE).dryRun(true));
        assertThat(r.outcome()).isEqualTo(KillOutcome.DRY_RUN);
        assertThat(r.statement()).isEqualTo("ALTER SYSTEM KILL SESSION '" + victim.sid() + "," + victim.serial() + "' IMMEDIATE");
        assertThat(sim.intercepted()).isEmpty();
        assertThat(sim.status(victim)).isEqualTo("INACTIVE");
    }

    @Test
    @DisplayName("finders: lock holders of a table, transactions without a session")
    void finders() {
        SimSession a = sim.session(1, "APP");
        sim.transaction(a, 5);
        sim.locks(a, "APP", "ORDERS");
        SimSession b = sim.session(1, "APP");
        sim.transaction(b, 5);
        sim.locks(b, "APP", "INVOICES");
        sim.orphanTransaction(1, 321);

        assertThat(target.lockHolders("app.orders")).containsExactly(new SessionRef(1, a.sid()));
        assertThat(target.lockHolders("INVOICES")).containsExactly(new SessionRef(1, b.sid()));
        assertThat(target.lockHolders("OTHER.ORDERS")).isEmpty();
        assertThatThrownBy(() -> target.lockHolders("orders; drop table x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected TABLE or OWNER.TABLE");

        assertThat(target.orphanTransactions()).singleElement().satisfies(t -> {
            assertThat(t.size()).isEqualTo(321);
            assertThat(t.transactionId()).isEqualTo("9.3.777");
            assertThat(t.start()).isNotNull();
        });
    }

    @Test
    @DisplayName("doctor for a DBA: views, ALTER SYSTEM, instances, version, RDS, OceanBase")
    void doctor() {
        DoctorReport d = target.doctor();
        assertThat(d.checks()).extracting(DoctorReport.Item::name).containsExactly("read session views",
                "end sessions (ALTER SYSTEM)", "instances", "version", "Amazon RDS", "OceanBase");
        assertThat(d.allOk()).isTrue();
        assertThat(d.checks().get(0).detail()).contains("SELECT_CATALOG_ROLE");
    }

    @Test
    @DisplayName("our own connection lost: ORA-00028 / ORA-03113 -> CONNECTION_LOST, nothing claimed")
    void ownConnectionLost() throws Exception {
        SimSession victim = sim.session(1, "APP");
        Session seen = find(target.snapshot(), victim);
        try (java.sql.Connection c = sim.connect("SESSIONCTL", 1);
             OracleTarget second = (OracleTarget) new OracleDialect().open(c, SPEC)) {
            sim.killConnection(c); // a colleague kills sessionctl's session
            KillResult r = second.execute(KillAction.TERMINATE, seen, Duration.ofSeconds(5));
            assertThat(r.outcome()).isEqualTo(KillOutcome.CONNECTION_LOST);
            assertThat(r.errorCode()).isEqualTo("ORA-00028");
            assertThatThrownBy(second::snapshot).isInstanceOfSatisfying(TargetException.class,
                    e -> assertThat(e.kind()).isEqualTo(TargetException.Kind.CONNECTION_LOST));
        }
        sim.dropConnection(sim.connect("SESSIONCTL", 1)); // unrelated connection: the main target still works
        sim.dropConnection(ownConnection);
        KillResult lost = killer().killOne(key(victim), KillRequest.of(KillAction.TERMINATE));
        assertThat(lost.outcome()).isEqualTo(KillOutcome.CONNECTION_LOST);
        assertThat(lost.errorCode()).isEqualTo("ORA-03113");
        assertThat(sim.status(victim)).isEqualTo("INACTIVE");
    }

    @Test
    @DisplayName("a key whose incarnation is not a SERIAL# is refused before any statement")
    void badKey() {
        SimSession victim = sim.session(1, "APP");
        Session fake = Session.builder(SessionKey.parse("orcl", victim.sid() + ",abc,@1")).build();
        KillResult r = target.execute(KillAction.TERMINATE, fake, Duration.ofSeconds(5));
        assertThat(r.outcome()).isEqualTo(KillOutcome.FAILED);
        assertThat(r.message()).contains("must be the SERIAL#").contains("nothing was done");
        assertThat(sim.intercepted()).isEmpty();
    }
}
