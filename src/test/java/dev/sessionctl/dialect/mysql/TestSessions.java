package dev.sessionctl.dialect.mysql;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Test sessions on a MySQL-family server: each {@link #open()} is a real connection whose lock
 * waits are raised so waiters keep waiting; {@link #async} runs a statement that will block on a
 * background thread; {@link #close()} ends every session it opened (through an admin connection,
 * since a blocked statement holds its connection) so tests leave no locks behind.
 */
final class TestSessions implements AutoCloseable {

    /** One workload session: its connection and its server id. */
    record Client(Connection connection, long id) {
        void run(String sql) throws SQLException {
            try (Statement st = connection.createStatement()) {
                st.execute(sql);
            }
        }
    }

    private final String url;
    private final String user;
    private final String password;
    private final List<Client> clients = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "workload");
        t.setDaemon(true);
        return t;
    });

    TestSessions(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    Client open() throws SQLException {
        return open(user, password);
    }

    Client open(String asUser, String asPassword) throws SQLException {
        Connection c = DriverManager.getConnection(url, asUser, asPassword);
        long id;
        try (Statement st = c.createStatement()) {
            st.execute("SET SESSION innodb_lock_wait_timeout = 600");
            st.execute("SET SESSION lock_wait_timeout = 600");
            try (ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
                rs.next();
                id = rs.getLong(1);
            }
        }
        Client client = new Client(c, id);
        synchronized (clients) {
            clients.add(client);
        }
        return client;
    }

    /** Runs a statement expected to block; the future completes (or fails) when it ends. */
    Future<?> async(Client client, String sql) {
        return pool.submit(() -> {
            client.run(sql);
            return null;
        });
    }

    @Override
    public void close() {
        try (Connection admin = DriverManager.getConnection(url, user, password); Statement st = admin.createStatement()) {
            synchronized (clients) {
                for (Client c : clients) {
                    try {
                        st.execute("KILL CONNECTION " + c.id());
                    } catch (SQLException alreadyGone) {
                        // ended by the test itself
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cleaning up workload sessions failed", e);
        } finally {
            synchronized (clients) {
                for (Client c : clients) {
                    try {
                        c.connection().close();
                    } catch (SQLException ignored) {
                        // killed above
                    }
                }
                clients.clear();
            }
            pool.shutdownNow();
        }
    }
}
