package dev.sessionctl.dialect.postgresql;

import static org.assertj.core.api.Assertions.fail;

import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Shared helpers for the tests against the embedded PostgreSQL server. */
final class PgTestSupport {

    /** Generous: the waits below end as soon as the condition holds; this only bounds a broken run. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private PgTestSupport() {
    }

    static TargetConnection open(EmbeddedPostgresServer pg, String user) {
        return DialectRegistry.load().connect(new TargetSpec("pg-test", pg.jdbcUrl(), user, "", Map.of(), null));
    }

    static Connection jdbc(EmbeddedPostgresServer pg, String user, String application) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", "");
        p.setProperty("ApplicationName", application);
        return DriverManager.getConnection(pg.jdbcUrl(), p);
    }

    static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static void exec(EmbeddedPostgresServer pg, String... statements) throws SQLException {
        try (Connection c = jdbc(pg, pg.superuser(), "test-setup"); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    /** Polls until the condition holds on a fresh value; fails with the description and the last value. */
    static <T> T await(String what, Supplier<T> read, Predicate<T> done) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        T last = read.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what + "; last seen: " + last);
            }
            sleep(25);
            last = read.get();
        }
        return last;
    }

    static Session awaitSession(TargetConnection target, long pid, Predicate<Session> condition, String what) {
        Snapshot s = await(what + " (pid " + pid + ")", target::snapshot,
                snap -> find(snap, pid).filter(condition).isPresent());
        return find(s, pid).orElseThrow();
    }

    static Optional<Session> find(Snapshot snapshot, long pid) {
        return snapshot.sessions().stream().filter(x -> x.sessionId() == pid).findFirst();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Is the JDBC connection still served by a live backend? */
    static boolean alive(Connection c) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }
}
