package dev.sessionctl.dialect.postgresql;

import static dev.sessionctl.dialect.postgresql.PgTestSupport.alive;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.await;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.awaitSession;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.find;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.jdbc;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.pid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetInfo;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The PostgreSQL dialect against a real embedded server, connected as the superuser. */
class PostgresTargetTest {

    private static EmbeddedPostgresServer pg;
    private TargetConnection target;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void startServer() {
        pg = EmbeddedPostgresServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void connect() {
        target = PgTestSupport.open(pg, pg.superuser());
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        target.close();
    }

    private Connection victim(String application) throws SQLException {
        Connection c = jdbc(pg, pg.superuser(), application);
        cleanup.add(c);
        return c;
    }

    private Connection jdbcSimpleProtocol(String application) throws SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", pg.superuser());
        p.setProperty("password", "");
        p.setProperty("ApplicationName", application);
        p.setProperty("preferQueryMode", "simple");
        Connection c = java.sql.DriverManager.getConnection(pg.jdbcUrl(), p);
        cleanup.add(c);
        return c;
    }

    private BlockingWorkload workload(String table, int waiters, boolean secondLevel) {
        BlockingWorkload w = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), table, waiters,
                secondLevel, Duration.ofMinutes(2));
        cleanup.add(w);
        return w;
    }

    private SessionKiller killer() {
        return new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
    }

    @Test
    void registryPicksThePostgresDialectFromTheUrl() {
        assertThat(target).isInstanceOf(PostgresTarget.class);
        TargetInfo info = target.info();
        assertThat(info.engine()).isEqualTo(Engine.POSTGRESQL);
        assertThat(info.serverVersion()).startsWith("16.");
        assertThat(info.user()).isEqualTo("postgres");
        assertThat(info.instances()).isEqualTo(1);
        assertThat(((PostgresTarget) target).serverVersionNum()).isBetween(160000, 169999);
        assertThat(target.supportedActions()).containsExactly(KillAction.CANCEL, KillAction.TERMINATE);
    }

    @Test
    void snapshotReportsWhatADbaLooksAtForAnIdleInTransactionSession() throws Exception {
        Connection c = victim("snapshot-test-app");
        int pid = pid(c);
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT 42 AS answer");
        }
        OffsetDateTime backendStart;
        try (Statement st = victim("probe").createStatement();
             ResultSet rs = st.executeQuery("SELECT backend_start FROM pg_stat_activity WHERE pid = " + pid)) {
            rs.next();
            backendStart = rs.getObject(1, OffsetDateTime.class);
        }

        Session s = awaitSession(target, pid, x -> x.state() == SessionState.IDLE_IN_TRANSACTION, "idle in transaction");
        Snapshot snap = target.snapshot();

        long micros = backendStart.toEpochSecond() * 1_000_000L + backendStart.getNano() / 1000;
        assertThat(s.key()).isEqualTo(new SessionKey("pg-test", 0, pid, Long.toString(micros)));
        assertThat(s.key().printable()).isEqualTo(pid + "," + micros);
        assertThat(s.user()).isEqualTo("postgres");
        assertThat(s.database()).isEqualTo("postgres");
        assertThat(s.program()).isEqualTo("snapshot-test-app");
        assertThat(s.clientHost()).isIn("127.0.0.1", "::1");
        assertThat(s.attributes()).containsKey("clientPort");
        assertThat(s.logonTime()).isEqualTo(backendStart.toInstant());
        assertThat(s.transactionStart()).isNotNull().isAfterOrEqualTo(s.logonTime());
        assertThat(s.stateSince()).isNotNull().isAfterOrEqualTo(s.transactionStart());
        assertThat(s.queryStart()).isNotNull();
        assertThat(s.sqlText()).isEqualTo("SELECT 42 AS answer");
        assertThat(s.kind()).isEqualTo(SessionKind.CLIENT);
        assertThat(s.backendType()).isEqualTo("client backend");
        assertThat(s.serverProcess()).isEqualTo(Integer.toString(pid));
        assertThat(s.blockedBy()).isEmpty();
        assertThat(s.isProtected()).isFalse();
        assertThat(snap.serverTime()).isAfterOrEqualTo(s.stateSince());
        assertThat(snap.engine()).isEqualTo(Engine.POSTGRESQL);

        // the tool's own connection: known, named 'sessionctl'
        assertThat(snap.ownSessions()).hasSize(1);
        Session own = snap.find(snap.ownSessions().iterator().next()).orElseThrow();
        assertThat(own.program()).isEqualTo("sessionctl");
        assertThat(own.state()).isEqualTo(SessionState.ACTIVE);
    }

    @Test
    void anAbortedTransactionStillCountsAsIdleInTransaction() throws Exception {
        Connection c = victim("aborted-tx");
        int pid = pid(c);
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT 1 / 0");
        } catch (SQLException expected) {
            assertThat(expected.getSQLState()).isEqualTo("22012");
        }
        Session s = awaitSession(target, pid, x -> x.state() == SessionState.IDLE_IN_TRANSACTION, "aborted transaction");
        assertThat(s.attributes()).containsEntry("pgState", "idle in transaction (aborted)");
    }

    @Test
    void anActiveStatementShowsItsWaitEventAndQueryId() throws Exception {
        // PostgreSQL 14-16 report query_id in pg_stat_activity only for the simple query protocol
        Connection c = jdbcSimpleProtocol("sleeper");
        int pid = pid(c);
        try (Statement st = c.createStatement()) {
            st.execute("SET compute_query_id = on");
        }
        CompletableFuture<Void> running = CompletableFuture.runAsync(() -> sleepOn(c, 60));
        Session s = awaitSession(target, pid, x -> "PgSleep".equals(x.waitEvent()), "sleeping");
        assertThat(s.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(s.waitEventType()).isEqualTo("Timeout");
        assertThat(s.sqlText()).isEqualTo("SELECT pg_sleep(60)");
        assertThat(s.sqlId()).isNotBlank().matches("-?\\d+");
        assertThat(s.queryStart()).isNotNull();
        // stop it; the statement was cancelled, so the future failed
        assertThat(target.execute(KillAction.CANCEL, s, Duration.ofSeconds(5)).outcome()).isEqualTo(KillOutcome.CANCELLED);
        running.handle((v, e) -> null).get(PgTestSupport.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void cancelStopsTheStatementAndKeepsTheSessionTerminateEndsIt() throws Exception {
        Connection c = victim("cancel-vs-terminate");
        int pid = pid(c);
        CompletableFuture<String> sleeping = CompletableFuture.supplyAsync(() -> sleepOn(c, 60));
        Session busy = awaitSession(target, pid, x -> "PgSleep".equals(x.waitEvent()), "sleeping");

        KillResult cancel = killer().killOne(busy.key(), KillRequest.of(KillAction.CANCEL).verify(true));
        assertThat(cancel.outcome()).as(cancel.message()).isEqualTo(KillOutcome.CANCELLED);
        assertThat(cancel.statement()).contains("pg_cancel_backend(a.pid)").contains("a.pid = " + pid)
                .contains("= " + busy.key().incarnation());
        assertThat(cancel.checks()).extracting(Check::passed).containsOnly(true);
        assertThat(sleeping.get(30, TimeUnit.SECONDS)).isEqualTo("57014"); // query_canceled
        assertThat(alive(c)).isTrue();
        Session after = find(target.snapshot(), pid).orElseThrow();
        assertThat(after.key()).isEqualTo(busy.key());

        KillResult terminate = killer().killOne(busy.key(), KillRequest.of(KillAction.TERMINATE).verify(true));
        assertThat(terminate.outcome()).as(terminate.message()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(terminate.statement()).contains("pg_terminate_backend(a.pid, 5000)");
        assertThat(terminate.checks()).extracting(Check::name).contains("session-gone");
        assertThat(terminate.checks()).extracting(Check::passed).containsOnly(true);
        assertThat(find(target.snapshot(), pid)).isEmpty();
        assertThat(alive(c)).isFalse();
    }

    @Test
    void cancelOfAnIdleInTransactionSessionSendsNothingAndSaysItStillHoldsItsLocks() throws Exception {
        Connection c = victim("cancel-idle-tx");
        int pid = pid(c);
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        }
        Session idle = awaitSession(target, pid, x -> x.state() == SessionState.IDLE_IN_TRANSACTION, "idle in transaction");

        KillResult cancel = killer().killOne(idle.key(), KillRequest.of(KillAction.CANCEL).verify(true));
        assertThat(cancel.outcome()).as(cancel.message()).isNotEqualTo(KillOutcome.CANCELLED);
        assertThat(cancel.message()).contains("not running a statement").contains("idle in transaction")
                .contains("terminate it");
        // the session and its transaction are untouched
        try (Statement st = c.createStatement()) {
            st.execute("SELECT 2");
        }
        c.rollback();
        assertThat(find(target.snapshot(), pid)).isPresent();
    }

    @Test
    void cancelOfAStatementThatHasEndedNeverHitsTheNextOne() throws Exception {
        Connection c = victim("cancel-next-statement");
        int pid = pid(c);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> sleepOn(c, 1));
        Session seen = awaitSession(target, pid, x -> "PgSleep".equals(x.waitEvent()), "first statement running");
        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("completed");
        CompletableFuture<String> next = CompletableFuture.supplyAsync(() -> sleepOn(c, 60));
        Session now = awaitSession(target, pid, x -> "PgSleep".equals(x.waitEvent())
                && !x.queryStart().equals(seen.queryStart()), "next statement running");

        KillResult stale = target.execute(KillAction.CANCEL, seen, Duration.ofSeconds(5));
        assertThat(stale.outcome()).as(stale.message()).isEqualTo(KillOutcome.NOTHING_TO_CANCEL);
        assertThat(stale.message()).contains("has already ended");
        assertThat(next).isNotDone();

        KillResult current = target.execute(KillAction.CANCEL, now, Duration.ofSeconds(5));
        assertThat(current.outcome()).as(current.message()).isEqualTo(KillOutcome.CANCELLED);
        assertThat(next.get(30, TimeUnit.SECONDS)).isEqualTo("57014");
    }

    @Test
    void statementForShowsTheExactStatementWithItsValues() throws Exception {
        Connection c = victim("dry-run");
        int pid = pid(c);
        Session s = awaitSession(target, pid, x -> x.state() == SessionState.IDLE, "idle");
        String sql = target.statementFor(KillAction.TERMINATE, s);
        assertThat(sql).isEqualTo("SELECT (extract(epoch FROM a.backend_start) * 1000000)::bigint AS incarnation,"
                + " a.backend_type, CASE WHEN (extract(epoch FROM a.backend_start) * 1000000)::bigint = "
                + s.key().incarnation() + " AND a.backend_type = 'client backend' THEN pg_terminate_backend(a.pid, 5000)"
                + " END AS signalled FROM pg_stat_activity AS a WHERE a.pid = " + pid);
        KillResult dry = killer().killOne(s.key(), KillRequest.of(KillAction.TERMINATE).dryRun(true));
        assertThat(dry.outcome()).isEqualTo(KillOutcome.DRY_RUN);
        assertThat(dry.statement()).isEqualTo(sql);
        assertThat(alive(c)).isTrue();
        // the shown statement really is runnable SQL: run it on a session that does not exist (pid 1 is never a backend)
        try (Statement st = victim("runner").createStatement();
             ResultSet rs = st.executeQuery(sql.replace("a.pid = " + pid, "a.pid = 1"))) {
            assertThat(rs.next()).isFalse();
        }
        assertThat(alive(c)).isTrue();
    }

    @Test
    void aStaleKeyForALivePidChangesNothing() throws Exception {
        Connection c = victim("stale-key-victim");
        int pid = pid(c);
        Session live = awaitSession(target, pid, x -> x.state() == SessionState.IDLE, "idle");
        long inc = Long.parseLong(live.key().incarnation());
        // the same pid with an earlier backend_start: a session that used to have this pid
        Session stale = Session.builder(new SessionKey("pg-test", 0, pid, Long.toString(inc - 1_000_000))).user(live.user())
                .kind(SessionKind.CLIENT).build();

        KillResult direct = target.execute(KillAction.TERMINATE, stale, Duration.ofSeconds(2));
        assertThat(direct.outcome()).as(direct.message()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
        assertThat(direct.message()).contains(live.key().printable());
        assertThat(target.execute(KillAction.CANCEL, stale, Duration.ofSeconds(2)).outcome())
                .isEqualTo(KillOutcome.IDENTITY_CHANGED);

        Session outOfRange = Session.builder(new SessionKey("pg-test", 0, 4_294_967_296L + pid, live.key().incarnation()))
                .build();
        assertThat(target.execute(KillAction.TERMINATE, outOfRange, Duration.ofSeconds(2)).outcome())
                .isEqualTo(KillOutcome.FAILED);

        KillResult viaKiller = killer().killOne(stale.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(viaKiller.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);

        assertThat(alive(c)).isTrue();
        assertThat(find(target.snapshot(), pid).orElseThrow().key()).isEqualTo(live.key());
    }

    @Test
    void aSessionThatIsGoneIsReportedAsAlreadyGone() throws Exception {
        Connection c = jdbc(pg, pg.superuser(), "short-lived");
        int pid = pid(c);
        Session s = awaitSession(target, pid, x -> true, "listed");
        c.close();
        await("pid " + pid + " gone", target::snapshot, snap -> find(snap, pid).isEmpty());

        KillResult r = target.execute(KillAction.TERMINATE, s, Duration.ofSeconds(2));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.ALREADY_GONE);
        assertThat(killer().killOne(s.key(), KillRequest.of(KillAction.TERMINATE)).outcome())
                .isEqualTo(KillOutcome.ALREADY_GONE);
    }

    @Test
    void serverProcessesAreNotClientsAndAreNeverSignalled() {
        Snapshot snap = target.snapshot();
        Session checkpointer = snap.sessions().stream().filter(s -> "checkpointer".equals(s.backendType()))
                .findFirst().orElseThrow();
        Session launcher = snap.sessions().stream().filter(s -> "autovacuum launcher".equals(s.backendType()))
                .findFirst().orElseThrow();
        assertThat(checkpointer.kind()).isEqualTo(SessionKind.BACKGROUND);
        assertThat(launcher.kind()).isEqualTo(SessionKind.BACKGROUND);
        GuardChain guards = GuardChain.standard(ProtectionPolicy.none());
        assertThat(guards.check(checkpointer, snap)).get().extracting(GuardChain.Refusal::guard).isEqualTo("not-a-client");
        assertThat(guards.check(launcher, snap)).get().extracting(GuardChain.Refusal::guard).isEqualTo("not-a-client");

        CountingTarget counting = new CountingTarget(target);
        List<String> recorded = new ArrayList<>();
        KillListener audit = new KillListener() {
            @Override
            public void beforeAction(String t, Session victim, KillAction action, String statement, String reason) {
                recorded.add(statement);
            }
        };
        SessionKiller guarded = new SessionKiller(counting, guards, audit);
        List<KillResult> results = guarded.kill(List.of(checkpointer.key(), launcher.key()),
                KillRequest.of(KillAction.TERMINATE));
        assertThat(results).extracting(KillResult::outcome).containsOnly(KillOutcome.REFUSED_BY_GUARD);
        assertThat(results).extracting(KillResult::guard).containsOnly("not-a-client");
        assertThat(results).extracting(KillResult::statement).containsOnlyNulls();
        assertThat(counting.executions.get()).isZero();
        assertThat(recorded).isEmpty();

        // and the dialect itself refuses a non-client backend even when called without guards
        KillResult direct = target.execute(KillAction.TERMINATE, checkpointer, Duration.ofSeconds(1));
        assertThat(direct.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        Snapshot after = target.snapshot();
        assertThat(find(after, checkpointer.sessionId()).orElseThrow().key()).isEqualTo(checkpointer.key());
        assertThat(find(after, launcher.sessionId()).orElseThrow().key()).isEqualTo(launcher.key());
    }

    @Test
    void parallelWorkersHangUnderTheirLeaderAndAreNeverEnded() throws Exception {
        PgTestSupport.exec(pg, "DROP TABLE IF EXISTS parallel_rows",
                "CREATE TABLE parallel_rows AS SELECT g FROM generate_series(1, 2000) AS g", "ANALYZE parallel_rows");
        Connection leader = victim("parallel-leader");
        int leaderPid = pid(leader);
        try (Statement st = leader.createStatement()) {
            st.execute("SET max_parallel_workers_per_gather = 2");
            st.execute("SET parallel_setup_cost = 0");
            st.execute("SET parallel_tuple_cost = 0");
            st.execute("SET min_parallel_table_scan_size = 0");
        }
        CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> {
            try (Statement st = leader.createStatement()) {
                st.execute("SELECT count(*) FROM parallel_rows WHERE pg_sleep(0.01) IS NOT NULL");
                return "completed";
            } catch (SQLException e) {
                return e.getSQLState();
            }
        });
        Snapshot snap = await("parallel workers of " + leaderPid, target::snapshot, x -> x.sessions().stream()
                .anyMatch(s -> s.kind() == SessionKind.PARALLEL_WORKER));
        List<Session> workers = snap.sessions().stream().filter(s -> s.kind() == SessionKind.PARALLEL_WORKER).toList();
        GuardChain guards = GuardChain.standard(ProtectionPolicy.none());
        for (Session worker : workers) {
            assertThat(worker.backendType()).isEqualTo("parallel worker");
            assertThat(worker.parent()).isEqualTo(SessionRef.of(leaderPid));
            assertThat(guards.check(worker, snap)).get().extracting(GuardChain.Refusal::guard).isEqualTo("not-a-client");
        }
        assertThat(find(snap, leaderPid).orElseThrow().parent()).isNull();
        // ending the statement means cancelling the leader, which takes its workers with it
        Session leaderSession = find(snap, leaderPid).orElseThrow();
        assertThat(target.execute(KillAction.CANCEL, leaderSession, Duration.ofSeconds(5)).outcome())
                .isEqualTo(KillOutcome.CANCELLED);
        assertThat(running.get(30, TimeUnit.SECONDS)).isEqualTo("57014");
    }

    @Test
    void losingTheToolsOwnConnectionIsConnectionLostNotAFailedKill() throws Exception {
        Connection c = victim("survivor");
        int pid = pid(c);
        Session s = awaitSession(target, pid, x -> x.state() == SessionState.IDLE, "idle");
        int own = (int) target.snapshot().ownSessions().iterator().next().sessionId();
        try (Statement st = victim("admin").createStatement()) {
            st.execute("SELECT pg_terminate_backend(" + own + ", 5000)");
        }
        KillResult r = target.execute(KillAction.TERMINATE, s, Duration.ofSeconds(2));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.CONNECTION_LOST);
        assertThat(r.errorCode()).matches("08.*|57P0.");
        assertThatThrownBy(target::snapshot).isInstanceOf(TargetException.class)
                .extracting(e -> ((TargetException) e).kind()).isEqualTo(TargetException.Kind.CONNECTION_LOST);
        assertThat(alive(c)).isTrue();
    }

    @Test
    void theToolsOwnConnectionIsRefusedByTheGuard() {
        Snapshot snap = target.snapshot();
        SessionRef own = snap.ownSessions().iterator().next();
        Session me = snap.find(own).orElseThrow();
        KillResult r = killer().killOne(me.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(r.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        assertThat(r.guard()).isEqualTo("own-connection");
        KillResult direct = target.execute(KillAction.TERMINATE, me, Duration.ofSeconds(1));
        assertThat(direct.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        assertThat(direct.guard()).isEqualTo("own-connection");
        assertThat(target.snapshot().ownSessions()).containsExactly(own); // still connected, same backend
    }

    @Test
    void aBlockingChainTwoLevelsDeepHasOneRootAndVerifiedKillReleasesEveryone() {
        BlockingWorkload w = workload("chain_two_levels", 3, true);
        long blocker = w.blockerSessionId();
        long middle = w.waiterSessionIds().get(0);
        long second = w.secondLevelSessionId().orElseThrow();

        BlockingReport report = await("4 sessions blocked behind " + blocker,
                () -> BlockingAnalyzer.analyze(target.snapshot()),
                r -> r.roots().size() == 1 && r.roots().get(0).totalBlocked() == 4);
        BlockingReport.Root root = report.roots().get(0);
        assertThat(root.ref()).isEqualTo(SessionRef.of(blocker));
        assertThat(root.idleInTransaction()).isTrue();
        assertThat(root.session().state()).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        assertThat(root.session().program()).isEqualTo("sessionctl-demo-blocker");
        assertThat(root.depth()).isGreaterThanOrEqualTo(2);
        Set<Long> waiting = new HashSet<>();
        root.waiters().forEach(x -> waiting.add(x.session().sessionId()));
        Set<Long> expected = new HashSet<>(w.waiterSessionIds());
        expected.add(second);
        assertThat(waiting).isEqualTo(expected);
        BlockingReport.Waiter secondLevel = root.waiters().stream().filter(x -> x.session().sessionId() == second)
                .findFirst().orElseThrow();
        BlockingReport.Waiter middleLink = root.waiters().stream().filter(x -> x.session().sessionId() == middle)
                .findFirst().orElseThrow();
        assertThat(secondLevel.parent()).isEqualTo(SessionRef.of(middle));
        assertThat(secondLevel.level()).isEqualTo(middleLink.level() + 1);
        assertThat(secondLevel.session().blockedBy()).containsExactly(SessionRef.of(middle));
        assertThat(secondLevel.session().waitEventType()).isEqualTo("Lock");
        assertThat(report.deadlocks()).isEmpty();

        Set<SessionRef> holders = target.lockHolders("chain_two_levels");
        assertThat(holders).contains(SessionRef.of(blocker), SessionRef.of(middle));

        KillResult r = killer().killOne(root.session().key(),
                KillRequest.of(KillAction.TERMINATE).verify(true).reason("test: end the root blocker"));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(r.checks()).extracting(Check::name).contains("session-gone", "waiters-released");
        assertThat(r.checks()).extracting(Check::passed).containsOnly(true);
        assertThat(w.awaitWaitersFinished(PgTestSupport.PATIENCE)).as("failures: %s", w.failures()).isTrue();
        assertThat(w.failures()).isEmpty();
        assertThat(BlockingAnalyzer.analyze(target.snapshot()).roots()).isEmpty();
    }

    @Test
    void aLockConvoyOfFiftyWaitersHasExactlyOneRoot() {
        BlockingWorkload w = workload("convoy_fifty", 50, false);
        long blocker = w.blockerSessionId();
        BlockingReport report = await("50 sessions blocked behind " + blocker,
                () -> BlockingAnalyzer.analyze(target.snapshot()),
                r -> r.waitingSessions() == 50 && r.roots().size() == 1 && r.roots().get(0).totalBlocked() == 50);
        assertThat(report.roots()).hasSize(1);
        BlockingReport.Root root = report.roots().get(0);
        assertThat(root.ref()).isEqualTo(SessionRef.of(blocker));
        assertThat(root.idleInTransaction()).isTrue();
        Set<Long> waiting = new HashSet<>();
        root.waiters().forEach(x -> waiting.add(x.session().sessionId()));
        assertThat(waiting).containsExactlyInAnyOrderElementsOf(w.waiterSessionIds());
        assertThat(report.deadlocks()).isEmpty();

        KillResult r = killer().killOne(root.session().key(), KillRequest.of(KillAction.TERMINATE).verify(true));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(w.awaitWaitersFinished(PgTestSupport.PATIENCE)).as("failures: %s", w.failures()).isTrue();
        assertThat(w.finishedCount()).isEqualTo(50);
    }

    @Test
    void closingTheWorkloadEndsTheBlockerLetsTheWaitersFinishAndLeavesNothingBehind() {
        BlockingWorkload w = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "closing_workload",
                5, true, Duration.ofMinutes(2));
        await("6 sessions waiting", () -> BlockingAnalyzer.analyze(target.snapshot()), r -> r.waitingSessions() == 6);
        assertThat(w.allWaitersFinished()).isFalse();
        w.close();
        assertThat(w.allWaitersFinished()).as("failures: %s", w.failures()).isTrue();
        assertThat(w.finishedCount()).isEqualTo(w.blockedSessionCount()).isEqualTo(6);
        await("no demo session left", target::snapshot, snap -> snap.sessions().stream()
                .noneMatch(s -> s.program() != null && s.program().startsWith("sessionctl-demo")));
        assertThatThrownBy(() -> target.lockHolders("closing_workload")).hasMessageContaining("closing_workload");
    }

    @Test
    void theWorkloadRejectsBadArgumentsBeforeConnecting() {
        assertThatThrownBy(() -> BlockingWorkload.start(pg.jdbcUrl(), "postgres", "", "t; DROP TABLE x", 1, false,
                Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("t; DROP TABLE x");
        assertThatThrownBy(() -> BlockingWorkload.start(pg.jdbcUrl(), "postgres", "", "t", 0, true,
                Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("second level");
    }

    @Test
    void aFilteredSnapshotReadsOnlyTheNamedSessions() throws Exception {
        int pid = pid(victim("filtered"));
        Snapshot only = target.snapshot(List.of(SessionRef.of(pid), SessionRef.of(1)));
        assertThat(only.sessions()).extracting(Session::sessionId).containsExactly((long) pid);
        assertThat(only.serverTime()).isNotNull();
        Snapshot none = target.snapshot(List.of(SessionRef.of(1), SessionRef.of(4_294_967_296L + pid)));
        assertThat(none.sessions()).isEmpty();
        assertThat(none.serverTime()).isNotNull();
        assertThat(target.capabilities()).containsEntry("terminateWaits", "true").containsEntry("queryId", "true");
    }

    @Test
    void lockHoldersOfAnUnknownTableSayWhichTable() {
        assertThatThrownBy(() -> target.lockHolders("no_such_table_here"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no_such_table_here");
        assertThat(target.lockHolders("pg_catalog.pg_class")).doesNotContain(SessionRef.of(-1));
    }

    @Test
    void doctorForASuperuserFindsNothingMissing() {
        DoctorReport report = target.doctor();
        assertThat(report.target().engine()).isEqualTo(Engine.POSTGRESQL);
        assertThat(report.checks()).extracting(DoctorReport.Item::name)
                .contains("server version", "see all sessions", "end own role's sessions", "end other roles' sessions",
                        "end superusers' sessions");
        assertThat(report.checks()).filteredOn(i -> i.status() != DoctorReport.Status.OK).isEmpty();
        assertThat(report.allOk()).isTrue();
    }

    @Test
    void aBackendThatDoesNotExitInTimeIsTimedOutThenShownAsTerminating() throws Exception {
        Connection c = victim("frozen-backend");
        int pid = pid(c);
        Session s = awaitSession(target, pid, x -> x.state() == SessionState.IDLE, "idle");
        // freeze the server process (same machine, we may signal it) so it cannot act on SIGTERM yet
        Assumptions.assumeTrue(signal("STOP", pid), "cannot send SIGSTOP to the backend here");
        try {
            KillResult r = target.execute(KillAction.TERMINATE, s, Duration.ofMillis(300));
            assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TIMED_OUT);
            assertThat(r.succeeded()).isFalse();
            Session still = find(target.snapshot(), pid).orElseThrow();
            assertThat(still.state()).isEqualTo(SessionState.TERMINATING);
            KillResult again = killer().killOne(s.key(), KillRequest.of(KillAction.TERMINATE));
            assertThat(again.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
            assertThat(again.guard()).isEqualTo("already-terminating");

            KillResult noWait = target.execute(KillAction.TERMINATE, s, Duration.ZERO);
            assertThat(noWait.outcome()).isEqualTo(KillOutcome.MARKED_FOR_KILL);
        } finally {
            signal("CONT", pid);
        }
        await("pid " + pid + " gone", target::snapshot, snap -> find(snap, pid).isEmpty());
    }

    private static boolean signal(String name, int pid) {
        try {
            Process p = new ProcessBuilder("kill", "-" + name, Integer.toString(pid)).redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String sleepOn(Connection c, int seconds) {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_sleep(" + seconds + ")");
            return "completed";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    /** Counts executions to prove a guarded kill never reaches the database. */
    private static final class CountingTarget implements TargetConnection {
        final AtomicInteger executions = new AtomicInteger();
        private final TargetConnection delegate;

        CountingTarget(TargetConnection delegate) {
            this.delegate = delegate;
        }

        @Override public TargetInfo info() { return delegate.info(); }
        @Override public Snapshot snapshot() { return delegate.snapshot(); }
        @Override public List<KillAction> supportedActions() { return delegate.supportedActions(); }
        @Override public String statementFor(KillAction a, Session v) { return delegate.statementFor(a, v); }
        @Override public DoctorReport doctor() { return delegate.doctor(); }
        @Override public Map<String, String> capabilities() { return delegate.capabilities(); }
        @Override public void close() { }

        @Override
        public KillResult execute(KillAction action, Session victim, Duration timeout) {
            executions.incrementAndGet();
            return delegate.execute(action, victim, timeout);
        }
    }
}
