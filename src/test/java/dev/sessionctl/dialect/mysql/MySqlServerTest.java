package dev.sessionctl.dialect.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.dialect.DialectRegistry;
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
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MySQL-only SQL (performance_schema.processlist, data_lock_waits, metadata_locks, KILL QUERY,
 * SYSTEM_USER) against a real MySQL 8.0/8.4 named by the environment:
 * {@code SESSIONCTL_TEST_MYSQL_URL} (e.g. {@code jdbc:mysql://127.0.0.1:3306/test}),
 * {@code SESSIONCTL_TEST_MYSQL_USER} (default root), {@code SESSIONCTL_TEST_MYSQL_PASSWORD}.
 * The account needs CREATE, DROP and the usual DBA privileges on that database. Skipped with a
 * message when the URL is not set.
 */
class MySqlServerTest {

    private static final String URL = System.getenv("SESSIONCTL_TEST_MYSQL_URL");
    private static final String USER = System.getenv().getOrDefault("SESSIONCTL_TEST_MYSQL_USER", "root");
    private static final String PASSWORD = System.getenv().getOrDefault("SESSIONCTL_TEST_MYSQL_PASSWORD", "");

    private TestSessions workload;
    private TargetConnection target;

    @BeforeEach
    void open() {
        assumeTrue(URL != null && !URL.isBlank(), "no MySQL server to test against: set SESSIONCTL_TEST_MYSQL_URL"
                + " (and SESSIONCTL_TEST_MYSQL_USER / SESSIONCTL_TEST_MYSQL_PASSWORD) to run the MySQL-only tests");
        workload = new TestSessions(URL, USER, PASSWORD);
        target = DialectRegistry.load().connect(new TargetSpec("mysql", URL, USER, PASSWORD, Map.of(), null));
    }

    @AfterEach
    void close() {
        if (workload != null) {
            workload.close();
        }
        if (target != null) {
            target.close();
        }
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private Snapshot await(Predicate<Snapshot> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Snapshot s = null;
        while (System.nanoTime() < deadline) {
            s = target.snapshot();
            if (condition.test(s)) {
                return s;
            }
            Thread.sleep(50);
        }
        return fail("precondition not reached: " + what + "; last snapshot: " + (s == null ? null : s.sessions()));
    }

    private static Session session(Snapshot s, TestSessions.Client c) {
        return s.find(SessionRef.of(c.id())).orElseThrow(() -> new AssertionError("session " + c.id() + " not listed"));
    }

    private static boolean waitsOn(Snapshot s, TestSessions.Client waiter, TestSessions.Client blocker) {
        return s.find(SessionRef.of(waiter.id())).map(w -> w.blockedBy().contains(SessionRef.of(blocker.id())))
                .orElse(false);
    }

    @Test
    void mysqlIsDetectedAndReadFromPerformanceSchema() {
        assertThat(target.info().engine()).isIn(Engine.MYSQL, Engine.MYSQL_RDS);
        Map<String, String> caps = target.capabilities();
        assertThat(caps.get("rowLockWaits")).isEqualTo("performance_schema.data_lock_waits");
        assertThat(caps.get("processlist")).startsWith("performance_schema");
        DoctorReport d = target.doctor();
        assertThat(d.checks()).extracting(DoctorReport.Item::name).contains("end SYSTEM_USER sessions");
    }

    @Test
    void rowLockChainFromDataLockWaits() throws Exception {
        sql("CREATE TABLE IF NOT EXISTS sessionctl_chain (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
        sql("REPLACE INTO sessionctl_chain VALUES (1, 0), (2, 0)");
        TestSessions.Client holder = workload.open();
        TestSessions.Client middle = workload.open();
        TestSessions.Client leaf = workload.open();
        holder.run("BEGIN");
        holder.run("UPDATE sessionctl_chain SET v = v + 1 WHERE id = 1");
        middle.run("BEGIN");
        middle.run("UPDATE sessionctl_chain SET v = v + 1 WHERE id = 2");
        workload.async(middle, "UPDATE sessionctl_chain SET v = v + 1 WHERE id = 1");
        workload.async(leaf, "UPDATE sessionctl_chain SET v = v + 1 WHERE id = 2");
        Snapshot s = await(snap -> waitsOn(snap, middle, holder) && waitsOn(snap, leaf, middle), "chain forms");
        assertThat(session(s, holder).state()).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        BlockingReport report = BlockingAnalyzer.analyze(s);
        assertThat(report.roots()).extracting(BlockingReport.Root::ref).containsExactly(SessionRef.of(holder.id()));
        assertThat(report.roots().get(0).depth()).isEqualTo(2);
        SessionKiller killer = new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
        KillResult r = killer.killOne(session(s, holder).key(), KillRequest.of(KillAction.TERMINATE).verify(true));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(r.checks()).allMatch(Check::passed);
    }

    @Test
    void metadataLockConvoyFromMetadataLocks() throws Exception {
        sql("CREATE TABLE IF NOT EXISTS sessionctl_convoy (id INT PRIMARY KEY) ENGINE=InnoDB");
        TestSessions.Client idleTrx = workload.open();
        TestSessions.Client alter = workload.open();
        TestSessions.Client reader = workload.open();
        idleTrx.run("BEGIN");
        idleTrx.run("SELECT * FROM sessionctl_convoy");
        workload.async(alter, "ALTER TABLE sessionctl_convoy ADD COLUMN c" + System.nanoTime() + " INT");
        await(snap -> waitsOn(snap, alter, idleTrx), "ALTER waits");
        workload.async(reader, "SELECT * FROM sessionctl_convoy");
        Snapshot s = await(snap -> waitsOn(snap, reader, alter), "reader queues");
        assertThat(session(s, alter).attributes().get("mdl_blockers")).isEqualTo("performance_schema.metadata_locks");
        BlockingReport report = BlockingAnalyzer.analyze(s);
        assertThat(report.roots()).extracting(BlockingReport.Root::ref).containsExactly(SessionRef.of(idleTrx.id()));
    }

    @Test
    void killQueryKeepsTheSession() throws Exception {
        TestSessions.Client runner = workload.open();
        Future<?> sleeping = workload.async(runner, "SELECT SLEEP(60)");
        Snapshot s = await(snap -> snap.find(SessionRef.of(runner.id())).map(x -> x.state() == SessionState.ACTIVE
                && String.valueOf(x.sqlText()).contains("SLEEP")).orElse(false), "statement runs");
        SessionKiller killer = new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
        KillResult r = killer.killOne(session(s, runner).key(), KillRequest.of(KillAction.CANCEL).verify(true));
        assertThat(r.outcome()).as(r.message()).isIn(KillOutcome.CANCELLED);
        assertThat(r.statement()).isIn("KILL QUERY " + runner.id(), "CALL mysql.rds_kill_query(" + runner.id() + ")");
        try {
            sleeping.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException interrupted) {
            assertThat(interrupted.getCause()).isInstanceOf(SQLException.class);
        }
        assertThat(runner.connection().isValid(5)).isTrue();
    }
}
