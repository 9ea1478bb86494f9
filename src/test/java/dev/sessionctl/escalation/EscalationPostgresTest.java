package dev.sessionctl.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.audit.AuditLog;
import dev.sessionctl.audit.AuditRecord;
import dev.sessionctl.audit.AuditTrail;
import dev.sessionctl.audit.JsonLinesAuditFile;
import dev.sessionctl.audit.jdbc.JdbcAuditSink;
import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.explain.Explainer;
import dev.sessionctl.explain.Explanation;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.hostaccess.HostAccessTarget;
import dev.sessionctl.hostaccess.LocalHostAccess;
import dev.sessionctl.hostaccess.OsProcessKiller;
import dev.sessionctl.hostaccess.ProcessExpectation;
import dev.sessionctl.hostaccess.ServerProcessGoneCheck;
import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.kill.Verifier;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ladder, verification, explain and the audit trail on a real PostgreSQL, through the real
 * PostgreSQL dialect and real host access (the backends run on this host).
 */
class EscalationPostgresTest {

    private static EmbeddedPostgresServer pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresServer.start();
        try (Connection c = superuser(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE operator LOGIN");
            st.execute("GRANT pg_read_all_stats TO operator");
            st.execute("GRANT pg_signal_backend TO operator");
        }
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static Connection superuser() throws SQLException {
        return DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password());
    }

    private static TargetConnection connect(String user) {
        return DialectRegistry.load().connect(new TargetSpec("pg", pg.jdbcUrl(), user, pg.password(), Map.of(), null));
    }

    private static HostAccessTarget withHost(TargetConnection t) {
        return new HostAccessTarget(t, new OsProcessKiller(new LocalHostAccess(),
                ProcessExpectation.forEngine(Engine.Family.POSTGRESQL, null), Duration.ofSeconds(2), Ticker.SYSTEM), false);
    }

    private static SessionKey keyOf(TargetConnection t, long pid) {
        return t.snapshot().find(SessionRef.of(pid)).orElseThrow().key();
    }

    @Test
    void ladderEndsAnIdleBlockerAndVerifiesEverything() throws Exception {
        Path auditFile = dir.resolve("audit.jsonl");
        try (BlockingWorkload w = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "esc_orders", 2,
                true, Duration.ofMinutes(2));
             HostAccessTarget t = withHost(connect(pg.superuser()));
             Connection logDb = superuser();
             AuditTrail audit = new AuditTrail(new JsonLinesAuditFile(auditFile),
                     List.of(new JdbcAuditSink(logDb, "sessionctl_kill_log", true)), null, "test", null)) {
            SessionKey blocker = keyOf(t, w.blockerSessionId());
            GuardChain guards = GuardChain.standard(ProtectionPolicy.none());
            Verifier verifier = new Verifier(t).with(new ServerProcessGoneCheck(new LocalHostAccess()))
                    .with(new LocksReleasedCheck(t, "esc_orders"));
            List<String> printed = new ArrayList<>();
            Escalator esc = Escalator.on(t).guards(guards).killListener(audit).verifier(verifier)
                    .listener(new EscalationListener() {
                        @Override
                        public void stepFinished(SessionKey key, StepRecord r) {
                            printed.add(r.step().action() + (r.performed() ? " " + r.result().outcome() : " skipped"));
                            audit.stepFinished(key, r);
                        }

                        @Override
                        public void finished(EscalationResult r) {
                            audit.finished(r);
                        }
                    }).build();

            EscalationResult r = esc.escalate(blocker, Escalator.Goal.END_SESSION, "INC-42 idle blocker");

            assertThat(r.status()).as(r.message()).isEqualTo(EscalationResult.Status.DONE);
            assertThat(printed).containsExactly("cancel skipped", "terminate TERMINATED");
            assertThat(r.checks()).extracting(Check::name)
                    .containsExactly("session-gone", "waiters-released", "server-process-gone", "locks-released");
            assertThat(r.checks()).allMatch(Check::passed);
            assertThat(w.awaitWaitersFinished(Duration.ofSeconds(20))).isTrue();

            AuditLog.Contents c = AuditLog.read(auditFile);
            assertThat(c.damaged()).isEmpty();
            assertThat(c.records()).extracting(AuditRecord::phase)
                    .containsExactly("intent", "outcome", "verification", "escalation");
            assertThat(c.records().get(0).statement()).contains("pg_terminate_backend");
            assertThat(c.records().get(0).session().state()).isEqualTo("idle-in-transaction");
            assertThat(c.records().get(2).checks()).hasSize(4);
            try (Statement st = logDb.createStatement();
                 ResultSet rs = st.executeQuery("select phase, outcome, session_key from sessionctl_kill_log order by recorded_at, phase")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getString(1) + ":" + rs.getString(2) + ":" + rs.getString(3));
                }
                assertThat(rows).contains("intent:null:" + blocker.printable(), "outcome:terminated:" + blocker.printable());
                assertThat(rows).hasSize(4);
            }
        }
    }

    @Test
    void privilegeRefusalEscalatesToSigtermThroughHostAccess() throws Exception {
        // operator may not signal a superuser's backend: TERMINATE is refused (42501), SIGTERM on the host is not
        try (Connection victim = superuser(); HostAccessTarget t = withHost(connect("operator"))) {
            int pid = pidOf(victim);
            SessionKey key = keyOf(t, pid);
            Escalator esc = Escalator.on(t).guards(GuardChain.standard(ProtectionPolicy.none()))
                    .verifier(new Verifier(t).with(new ServerProcessGoneCheck(new LocalHostAccess())))
                    .ladder(EscalationLadder.defaultFor(Engine.Family.POSTGRESQL).withVerifyTimeout(Duration.ofSeconds(10)))
                    .build();

            EscalationResult r = esc.escalate(key, Escalator.Goal.END_SESSION, "test");

            assertThat(r.status()).as(r.message()).isEqualTo(EscalationResult.Status.DONE);
            assertThat(r.performed()).extracting(s -> s.step().action() + " " + s.result().outcome())
                    .containsExactly("terminate REFUSED_PRIVILEGE", "os-term TERMINATED");
            assertThat(r.performed().get(0).result().fix()).isNotNull();
            assertThat(r.performed().get(1).result().statement()).isEqualTo("kill -TERM " + pid + " (on local)");
            assertThat(r.checks()).extracting(Check::name).contains("session-gone", "server-process-gone");
            assertThat(t.snapshot().find(SessionRef.of(pid))).isEmpty();
        }
    }

    @Test
    void cancelGoalStopsTheStatementAndKeepsTheSession() throws Exception {
        try (Connection victim = superuser(); HostAccessTarget t = withHost(connect(pg.superuser()))) {
            int pid = pidOf(victim);
            CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> {
                try (Statement st = victim.createStatement()) {
                    st.execute("select pg_sleep(60)");
                    return "finished";
                } catch (SQLException e) {
                    return e.getSQLState();
                }
            });
            awaitActive(t, pid);
            SessionKey key = keyOf(t, pid);
            Escalator esc = Escalator.on(t).guards(GuardChain.standard(ProtectionPolicy.none())).build();

            EscalationResult r = esc.escalate(key, Escalator.Goal.STOP_STATEMENT, "runaway query");

            assertThat(r.status()).as(r.message()).isEqualTo(EscalationResult.Status.STATEMENT_STOPPED);
            assertThat(r.performed()).extracting(s -> s.step().action()).containsExactly(KillAction.CANCEL);
            assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo("57014"); // query_canceled
            assertThat(t.snapshot().find(SessionRef.of(pid))).isPresent();
        }
    }

    @Test
    void sigkillIsNotOfferedOnPostgresUnlessConfigured() throws Exception {
        try (Connection victim = superuser(); HostAccessTarget t = withHost(connect(pg.superuser()))) {
            assertThat(t.supportedActions()).contains(KillAction.OS_TERM).doesNotContain(KillAction.OS_KILL);
            SessionKey key = keyOf(t, pidOf(victim));
            KillResult r = new SessionKiller(t, GuardChain.standard(ProtectionPolicy.none()), null)
                    .killOne(key, KillRequest.of(KillAction.OS_KILL));
            assertThat(r.outcome()).isEqualTo(KillOutcome.FAILED);
            assertThat(r.message()).contains("not available");
            assertThat(victim.isValid(2)).isTrue();
        }
    }

    @Test
    void explainAnIdleBlockerOnARealServer() throws Exception {
        try (BlockingWorkload w = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "esc_explain", 2,
                false, Duration.ofMinutes(2));
             TargetConnection t = connect(pg.superuser())) {
            SessionKey blocker = keyOf(t, w.blockerSessionId());
            Explanation e = new Explainer(t, GuardChain.standard(ProtectionPolicy.none()), new LocalHostAccess(), null)
                    .explain(blocker, Duration.ZERO, "sessionctl --url " + pg.jdbcUrl());

            assertThat(e.findings().get(0).code()).isEqualTo("idle-in-transaction");
            assertThat(e.blocked()).hasSize(2);
            assertThat(e.process().commandLine()).contains("postgres");
            assertThat(e.serverProcess()).isEqualTo(Long.toString(w.blockerSessionId()));
            assertThat(e.next().command()).isEqualTo("sessionctl kill " + blocker.printable() + " --url " + pg.jdbcUrl() + " --wait");
        }
    }

    @Test
    void bulkPlanOnTableLockHoldersRootFirstWithMax() throws Exception {
        try (BlockingWorkload w = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "esc_bulk", 2,
                false, Duration.ofMinutes(2));
             TargetConnection t = connect(pg.superuser())) {
            GuardChain guards = GuardChain.standard(ProtectionPolicy.none());
            dev.sessionctl.bulk.KillPlanner planner = new dev.sessionctl.bulk.KillPlanner(t, guards);
            dev.sessionctl.bulk.KillPlan plan = planner.plan(t.snapshot(), planner.lockHoldersOf("esc_bulk"),
                    "lock holders of esc_bulk", KillAction.TERMINATE, dev.sessionctl.bulk.KillPlan.Order.ROOTS_FIRST, 1);

            assertThat(plan.entries()).singleElement().satisfies(e -> {
                assertThat(e.session().sessionId()).isEqualTo(w.blockerSessionId());
                assertThat(e.why()).contains("root blocker: 2 session(s) wait on it");
                assertThat(e.statement()).contains("pg_terminate_backend");
            });
            assertThat(plan.overMax()).extracting(e -> e.session().sessionId())
                    .containsExactlyInAnyOrderElementsOf(w.waiterSessionIds());

            dev.sessionctl.bulk.BulkResult r = dev.sessionctl.bulk.BulkExecutor.kill(plan,
                    new SessionKiller(t, guards, null, new Verifier(t).with(new LocksReleasedCheck(t, "esc_bulk"))),
                    KillRequest.of(KillAction.TERMINATE).verify(true), null);

            assertThat(r.items()).extracting(i -> i.result().outcome())
                    .containsExactly(KillOutcome.TERMINATED, KillOutcome.SKIPPED, KillOutcome.SKIPPED);
            assertThat(r.items().get(0).result().checks()).extracting(Check::name).contains("locks-released");
            assertThat(w.awaitWaitersFinished(Duration.ofSeconds(20))).isTrue();
        }
    }

    private static int pidOf(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void awaitActive(TargetConnection t, int pid) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            Session s = t.snapshot().find(SessionRef.of(pid)).orElseThrow();
            if (s.sqlText() != null && s.sqlText().contains("pg_sleep") && s.state() == dev.sessionctl.model.SessionState.ACTIVE) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("pg_sleep never showed as active");
    }
}
