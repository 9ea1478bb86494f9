package dev.sessionctl.dialect.postgresql;

import static dev.sessionctl.dialect.postgresql.PgTestSupport.await;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.awaitSession;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.exec;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.find;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.jdbc;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.pid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.cli.Main;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.model.OrphanTransaction;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.target.TargetConnection;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Locks held per backend (pg_locks) and prepared transactions (pg_prepared_xacts) on a real
 * embedded PostgreSQL, through the real dialect and the CLI.
 */
class PostgresLocksAndPreparedTest {

    private static EmbeddedPostgresServer pg;
    private TargetConnection target;

    @BeforeAll
    static void startServer() throws Exception {
        pg = EmbeddedPostgresServer.start();
        exec(pg, "CREATE TABLE held (id int PRIMARY KEY, v int)", "INSERT INTO held VALUES (1, 0), (2, 0)");
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
    void close() throws Exception {
        target.close();
        // never leave a prepared transaction behind: it would hold its locks for the next test
        try (Connection c = jdbc(pg, pg.superuser(), "cleanup"); Statement st = c.createStatement();
             var rs = c.createStatement().executeQuery("SELECT gid FROM pg_prepared_xacts")) {
            while (rs.next()) {
                st.execute("ROLLBACK PREPARED '" + rs.getString(1).replace("'", "''") + "'");
            }
        }
    }

    @Test
    void serverAllowsPreparedTransactions() throws Exception {
        try (Connection c = jdbc(pg, pg.superuser(), "t"); var rs = c.createStatement().executeQuery(
                "SELECT current_setting('max_prepared_transactions')::int")) {
            rs.next();
            assertThat(rs.getInt(1)).isPositive();
        }
    }

    @Test
    void lockHoldersAndWaitersGetTheirGrantedLocksCountedIdleBackendsNothing() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection holder = jdbc(pg, pg.superuser(), "holder");
             Connection waiter = jdbc(pg, pg.superuser(), "waiter");
             Connection idle = jdbc(pg, pg.superuser(), "idle")) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.executeUpdate("UPDATE held SET v = v + 1 WHERE id = 1");
            }
            int holderPid = pid(holder);
            int waiterPid = pid(waiter);
            int idlePid = pid(idle);
            Future<Integer> blocked = pool.submit(() -> {
                try (Statement st = waiter.createStatement()) {
                    return st.executeUpdate("UPDATE held SET v = v + 10 WHERE id = 1");
                }
            });
            Session w = awaitSession(target, waiterPid, s -> s.blockedBy().contains(SessionRef.of(holderPid)),
                    "waiter blocked by the holder");
            Session h = find(target.snapshot(), holderPid).orElseThrow();

            assertThat(h.state()).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
            // the table and its primary key index (RowExclusiveLock), its own transaction id and virtual xid
            assertThat(h.attributes().get("locksHeld")).startsWith(h.attributes().get("lockCount") + " (")
                    .contains("relation 2").contains("transactionid 1").contains("virtualxid 1");
            assertThat(Integer.parseInt(h.attributes().get("lockCount"))).isEqualTo(4);
            // the waiter holds what it got so far (its relation locks, the tuple lock), not the one it waits for
            assertThat(w.attributes().get("locksHeld")).contains("relation").contains("tuple 1");
            assertThat(find(target.snapshot(), idlePid).orElseThrow().attributes())
                    .doesNotContainKeys("locksHeld", "lockCount");

            holder.rollback();
            assertThat(blocked.get()).isEqualTo(1);
            await("the holder no longer reports locks", () -> find(target.snapshot(), holderPid).orElseThrow(),
                    s -> !s.attributes().containsKey("locksHeld"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void preparedTransactionIsAnOrphanHoldingItsLocksAndTheOrphansCommandShowsIt() throws Exception {
        int ownerPid;
        try (Connection c = jdbc(pg, pg.superuser(), "two-phase")) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE held SET v = v + 1 WHERE id = 2");
                st.execute("PREPARE TRANSACTION 'sessionctl-orphan-1'");
            }
            c.setAutoCommit(true);
            ownerPid = pid(c);
        } // the session is gone; the transaction and its locks are not

        List<OrphanTransaction> orphans = target.orphanTransactions();
        assertThat(orphans).singleElement().satisfies(o -> {
            assertThat(o.transactionId()).isEqualTo("sessionctl-orphan-1");
            assertThat(o.status()).startsWith("PREPARED xid ").endsWith(" by " + pg.superuser() + " in postgres");
            assertThat(o.start()).isNotNull();
            // the row's table and primary key index, and its transaction id: held with no backend at all
            assertThat(o.size()).isGreaterThanOrEqualTo(3L);
        });
        await("the preparing backend is gone", target::snapshot, s -> find(s, ownerPid).isEmpty());

        // a session that needs the row waits on a transaction that has no backend: pg_blocking_pids says 0
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection waiter = jdbc(pg, pg.superuser(), "waits-on-prepared")) {
            int waiterPid = pid(waiter);
            Future<Integer> blocked = pool.submit(() -> {
                try (Statement st = waiter.createStatement()) {
                    return st.executeUpdate("UPDATE held SET v = v + 10 WHERE id = 2");
                }
            });
            Session w = awaitSession(target, waiterPid, s -> !s.blockedBy().isEmpty(), "waiter blocked by the prepared transaction");
            assertThat(w.blockedBy()).containsExactly(SessionRef.of(0));
            exec(pg, "COMMIT PREPARED 'sessionctl-orphan-1'");
            assertThat(blocked.get()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        exec(pg, "BEGIN", "UPDATE held SET v = v + 1 WHERE id = 2", "PREPARE TRANSACTION 'sessionctl-orphan-1'");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new String[] {"orphans", "--wide", "--url", pg.jdbcUrl(), "-U", pg.superuser()},
                new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("sessionctl-orphan-1").contains("PREPARED xid ")
                .contains("COMMIT PREPARED or ROLLBACK PREPARED").doesNotContain("the cleanup is progressing");

        exec(pg, "ROLLBACK PREPARED 'sessionctl-orphan-1'");
        assertThat(target.orphanTransactions()).isEmpty();
    }
}
