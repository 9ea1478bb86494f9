package dev.sessionctl.dialect.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.dialect.DialectRegistry;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The performance_schema sources on a real MariaDB started with performance_schema ON and the
 * metadata-lock instrument enabled: metadata lock waits come from performance_schema.metadata_locks
 * (granted and pending locks with the MDL compatibility rules, nothing inferred) and the
 * incarnation includes the performance_schema THREAD_ID.
 */
class MariaDbPerformanceSchemaTest {

    private static EmbeddedMariaDbServer server;
    private TestSessions workload;
    private TargetConnection target;

    @BeforeAll
    static void startServer() {
        server = EmbeddedMariaDbServer.start(List.of("--performance-schema=ON",
                "--performance-schema-instrument=wait/lock/metadata/sql/mdl=ON"));
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
        target = DialectRegistry.load().connect(new TargetSpec("maria-ps", server.jdbcUrl(), server.user(),
                server.password(), Map.of(), null));
    }

    @AfterEach
    void close() {
        workload.close();
        target.close();
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
             Statement st = c.createStatement()) {
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
    void sourcesAreThePerformanceSchema() {
        Map<String, String> caps = target.capabilities();
        assertThat(caps.get("metadataLockWaits")).isEqualTo("performance_schema.metadata_locks");
        assertThat(caps.get("incarnation")).contains("THREAD_ID");
        assertThat(caps.get("processlist")).contains("performance_schema.threads");
        Snapshot s = target.snapshot();
        Session own = s.find(s.ownSessions().iterator().next()).orElseThrow();
        assertThat(own.attributes()).containsKey("thread_id");
        DoctorReport d = target.doctor();
        assertThat(d.checks()).filteredOn(i -> i.name().equals("performance_schema"))
                .extracting(DoctorReport.Item::status).containsExactly(DoctorReport.Status.OK);
        assertThat(d.checks()).filteredOn(i -> i.name().equals("metadata lock waits"))
                .extracting(DoctorReport.Item::status).containsExactly(DoctorReport.Status.OK);
    }

    @Test
    void metadataLockConvoyFromMetadataLocksHasExactlyOneRoot() throws Exception {
        sql("CREATE TABLE IF NOT EXISTS convoy (id INT PRIMARY KEY) ENGINE=InnoDB");
        sql("REPLACE INTO convoy VALUES (1)");
        sql("CREATE TABLE IF NOT EXISTS other (id INT PRIMARY KEY) ENGINE=InnoDB");
        TestSessions.Client idleTrx = workload.open();
        TestSessions.Client unrelatedTrx = workload.open();
        TestSessions.Client alter = workload.open();
        TestSessions.Client reader1 = workload.open();
        TestSessions.Client reader2 = workload.open();
        idleTrx.run("BEGIN");
        idleTrx.run("SELECT * FROM convoy");
        // an open transaction on another table: inference would have to suspect it, metadata_locks clears it
        unrelatedTrx.run("BEGIN");
        unrelatedTrx.run("SELECT * FROM other");
        workload.async(alter, "ALTER TABLE convoy ADD COLUMN c" + System.nanoTime() + " INT");
        await(s -> waitsOn(s, alter, idleTrx), "ALTER waits on the idle transaction");
        workload.async(reader1, "SELECT * FROM convoy");
        workload.async(reader2, "SELECT * FROM convoy WHERE id = 1");
        Snapshot s = await(snap -> waitsOn(snap, reader1, alter) && waitsOn(snap, reader2, alter), "readers queue");

        Session alterSession = session(s, alter);
        assertThat(alterSession.blockedBy()).containsExactly(SessionRef.of(idleTrx.id()));
        assertThat(alterSession.attributes().get("mdl_blockers")).isEqualTo("performance_schema.metadata_locks");
        assertThat(alterSession.waitEvent()).contains("convoy").contains("EXCLUSIVE");
        assertThat(session(s, reader1).blockedBy()).containsExactly(SessionRef.of(alter.id()));
        assertThat(session(s, unrelatedTrx).state()).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        assertThat(alterSession.sqlId()).as("MariaDB has no statement digest in its process list").isNull();

        // the narrowed re-check of the root and its waiters reads the same metadata-lock edges
        Snapshot narrow = target.snapshot(List.of(SessionRef.of(idleTrx.id()), SessionRef.of(alter.id()),
                SessionRef.of(reader1.id()), SessionRef.of(reader2.id())));
        assertThat(narrow.sessions()).hasSize(4);
        assertThat(session(narrow, alter).blockedBy()).containsExactly(SessionRef.of(idleTrx.id()));
        assertThat(session(narrow, reader1).blockedBy()).containsExactly(SessionRef.of(alter.id()));
        assertThat(session(narrow, idleTrx).state()).isEqualTo(SessionState.IDLE_IN_TRANSACTION);

        BlockingReport report = BlockingAnalyzer.analyze(s);
        assertThat(report.roots()).hasSize(1);
        BlockingReport.Root root = report.roots().get(0);
        assertThat(root.ref()).isEqualTo(SessionRef.of(idleTrx.id()));
        assertThat(root.idleInTransaction()).isTrue();
        assertThat(root.waiters()).extracting(w -> w.session().sessionId())
                .containsExactlyInAnyOrder(alter.id(), reader1.id(), reader2.id());

        SessionKiller killer = new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
        KillResult r = killer.killOne(root.session().key(), KillRequest.of(KillAction.TERMINATE).verify(true));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(r.checks()).allMatch(Check::passed);
        Snapshot after = await(snap -> snap.sessions().stream().noneMatch(Session::isWaitingOnSession),
                "the convoy drains once the idle transaction is gone");
        assertThat(BlockingAnalyzer.analyze(after).roots()).isEmpty();
    }
}
