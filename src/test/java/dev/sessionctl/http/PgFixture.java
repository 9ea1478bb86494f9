package dev.sessionctl.http;

import dev.sessionctl.embedded.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A real embedded PostgreSQL ({@link EmbeddedPostgresServer}) for the console tests, with password (SCRAM) authentication for every
 * role but the superuser, so a self-service sign-in with a wrong password really fails. Roles
 * alice, bob and carol (passwords NAME-pw) and a table {@code accounts} they may update.
 */
final class PgFixture implements AutoCloseable {

    private final EmbeddedPostgresServer pg;
    private final List<Connection> opened = new ArrayList<>();

    private PgFixture(EmbeddedPostgresServer pg) {
        this.pg = pg;
    }

    static PgFixture start() throws Exception {
        PgFixture f = new PgFixture(EmbeddedPostgresServer.start());
        try (Connection c = f.superuser(); Statement st = c.createStatement()) {
            for (String role : List.of("alice", "bob", "carol")) {
                st.execute("create role " + role + " login password '" + role + "-pw'");
            }
            st.execute("create table accounts(id int primary key, balance int)");
            st.execute("insert into accounts select g, 100 from generate_series(1, 10) g");
            st.execute("grant select, update on accounts to alice, bob, carol");
            String hba;
            try (ResultSet rs = st.executeQuery("show hba_file")) {
                rs.next();
                hba = rs.getString(1);
            }
            Files.writeString(Path.of(hba), String.join("\n",
                    "local all all trust",
                    "host all postgres 127.0.0.1/32 trust",
                    "host all postgres ::1/128 trust",
                    "host all all 127.0.0.1/32 scram-sha-256",
                    "host all all ::1/128 scram-sha-256", ""));
            st.execute("select pg_reload_conf()");
        }
        f.awaitPasswordAuth();
        return f;
    }

    /** pg_reload_conf only signals the postmaster: wait until a wrong password is really refused. */
    private void awaitPasswordAuth() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                connect("carol", "wrong", "probe").close(); // still trusted: try again shortly
                Thread.sleep(50);
            } catch (SQLException e) {
                if ("28P01".equals(e.getSQLState())) {
                    return;
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("password authentication did not take effect");
    }

    String url() {
        return pg.jdbcUrl();
    }

    Connection superuser() throws SQLException {
        return connect(pg.superuser(), pg.password(), "fixture");
    }

    Connection connect(String user, String password, String application) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("ApplicationName", application);
        return DriverManager.getConnection(url(), p);
    }

    /** A connection of this role kept open until {@link #closeSessions()}. */
    Connection session(String user, String application) throws SQLException {
        Connection c = connect(user, user + "-pw", application);
        opened.add(c);
        return c;
    }

    int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Whether a backend with this pid still exists, seen by the superuser. */
    boolean alive(int pid) throws SQLException {
        try (Connection c = superuser(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from pg_stat_activity where pid = " + pid)) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    void closeSessions() {
        for (Connection c : opened) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // a session a test ended is already closed
            }
        }
        opened.clear();
    }

    @Override
    public void close() {
        closeSessions();
        pg.close();
    }
}
