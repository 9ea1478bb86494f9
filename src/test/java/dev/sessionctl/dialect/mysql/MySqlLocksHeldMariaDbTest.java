package dev.sessionctl.dialect.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.embedded.EmbeddedMariaDbServer;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** locksHeld (docs/termination.md) from INNODB_TRX's lock counters, on a real MariaDB. */
class MySqlLocksHeldMariaDbTest {

    private static EmbeddedMariaDbServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = EmbeddedMariaDbServer.start(List.of());
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE held_a (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
            st.execute("CREATE TABLE held_b (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
            st.execute("INSERT INTO held_a VALUES (1, 0), (2, 0), (3, 0)");
            st.execute("INSERT INTO held_b VALUES (1, 0)");
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static Session await(TargetConnection target, long id, Predicate<Session> condition, String what) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        Session last = null;
        while (System.nanoTime() < deadline) {
            Snapshot s = target.snapshot(); // each read waits for InnoDB's 100 ms transaction cache to refresh
            last = s.find(SessionRef.of(id)).orElse(null);
            if (last != null && condition.test(last)) {
                return last;
            }
        }
        return fail("not reached: " + what + "; last: " + last);
    }

    private static long id(Connection c) throws Exception {
        try (var rs = c.createStatement().executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aTransactionHoldingRowLocksReportsThemAnIdleSessionNothing() throws Exception {
        try (TargetConnection target = DialectRegistry.load().connect(
                     new TargetSpec("maria", server.jdbcUrl(), server.user(), server.password(), Map.of(), null));
             Connection holder = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
             Connection idle = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password())) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.executeUpdate("UPDATE held_a SET v = v + 1 WHERE id IN (1, 2)");
                st.executeUpdate("UPDATE held_b SET v = v + 1 WHERE id = 1");
            }
            long holderId = id(holder);
            long idleId = id(idle);

            Session h = await(target, holderId, s -> s.attributes().containsKey("locksHeld"), "the holder's locks listed");
            assertThat(h.attributes().get("locksHeld")).matches("~\\d+ row\\(s\\) in 2 table\\(s\\), \\d+ lock struct\\(s\\)");
            assertThat(Long.parseLong(h.attributes().get("rowsLocked"))).isGreaterThanOrEqualTo(3);
            assertThat(h.transactionSize()).isEqualTo(3L);
            Session i = target.snapshot().find(SessionRef.of(idleId)).orElseThrow();
            assertThat(i.attributes()).doesNotContainKeys("locksHeld", "rowsLocked");

            holder.rollback();
            await(target, holderId, s -> !s.attributes().containsKey("locksHeld"), "the holder's locks released");
        }
    }
}
