package dev.sessionctl.dialect;

import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;

/** Finds the dialect for a target and opens a {@link TargetConnection} to it. */
public final class DialectRegistry {

    private final List<Dialect> dialects;

    public DialectRegistry(List<Dialect> dialects) {
        List<Dialect> sorted = new ArrayList<>(dialects);
        sorted.sort(Comparator.comparingInt(Dialect::priority).reversed());
        this.dialects = List.copyOf(sorted);
    }

    /** All dialects registered through {@link ServiceLoader}. */
    public static DialectRegistry load() {
        List<Dialect> found = new ArrayList<>();
        ServiceLoader.load(Dialect.class, DialectRegistry.class.getClassLoader()).forEach(found::add);
        return new DialectRegistry(found);
    }

    public List<Dialect> dialects() {
        return dialects;
    }

    /**
     * Connects and wraps. An {@code engine} option in the spec names the dialect and skips detection.
     *
     * @throws TargetException UNSUPPORTED for an unknown URL, UNREACHABLE / AUTHENTICATION when the
     *                         connection fails (message without the password)
     */
    public TargetConnection connect(TargetSpec spec) {
        String url = spec.url();
        if (url == null || !url.startsWith("jdbc:")) {
            throw new TargetException(TargetException.Kind.UNSUPPORTED, "invalid URL '" + spec.redactedUrl()
                    + "'; expected a JDBC URL such as jdbc:postgresql://host:5432/db, jdbc:mariadb://host:3306/db,"
                    + " jdbc:mysql://host:3306/db or jdbc:oracle:thin:@//host:1521/service");
        }
        String forced = spec.options().get("engine");
        List<Dialect> candidates = dialects.stream()
                .filter(d -> forced == null ? d.acceptsUrl(url) : d.name().equalsIgnoreCase(forced)).toList();
        if (candidates.isEmpty()) {
            throw new TargetException(TargetException.Kind.UNSUPPORTED, forced == null
                    ? "no sessionctl engine handles URL '" + spec.redactedUrl() + "'; supported prefixes: "
                      + "jdbc:postgresql:, jdbc:mariadb:, jdbc:mysql:, jdbc:oceanbase:, jdbc:oracle:thin:"
                    : "unknown engine '" + forced + "'; known: " + dialects.stream().map(Dialect::name).toList());
        }
        if (forced != null && !candidates.get(0).acceptsUrl(url)) {
            // the engine option only skips detection; it cannot make one engine's dialect read another's server
            throw new TargetException(TargetException.Kind.UNSUPPORTED, "engine '" + forced + "' does not match URL '"
                    + spec.redactedUrl() + "'; remove the engine option or use a URL of that engine");
        }
        Connection c = openJdbc(spec, driverUrl(url, candidates));
        try {
            for (Dialect d : candidates) {
                if (forced != null || d.matches(c, spec)) {
                    return d.open(c, spec);
                }
            }
            throw new TargetException(TargetException.Kind.UNSUPPORTED, "the server at '" + spec.redactedUrl()
                    + "' is not one sessionctl recognises (" + c.getMetaData().getDatabaseProductName() + ")");
        } catch (SQLException e) {
            closeQuietly(c);
            throw SqlErrors.translate(e, "detecting the engine of " + spec.name());
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** The URL itself when a registered driver takes it, else the first candidate's rewrite of it. */
    static String driverUrl(String url, List<Dialect> candidates) {
        try {
            DriverManager.getDriver(url);
            return url;
        } catch (SQLException noDriver) {
            for (Dialect d : candidates) {
                String rewritten = d.driverUrl(url);
                if (rewritten != null && !rewritten.equals(url)) {
                    return rewritten;
                }
            }
            return url;
        }
    }

    static Connection openJdbc(TargetSpec spec) {
        return openJdbc(spec, spec.url());
    }

    static Connection openJdbc(TargetSpec spec, String driverUrl) {
        Properties props = new Properties();
        if (spec.user() != null) {
            props.setProperty("user", spec.user());
        }
        if (spec.password() != null) {
            props.setProperty("password", spec.password());
        }
        String timeout = spec.option("connectTimeoutSeconds", "10");
        if (!timeout.matches("\\d{1,6}")) {
            throw new TargetException(TargetException.Kind.UNSUPPORTED, "invalid option connectTimeoutSeconds '" + timeout
                    + "' for target " + spec.name() + "; expected a whole number of seconds, e.g. 10");
        }
        try {
            DriverManager.setLoginTimeout(Integer.parseInt(timeout));
            return DriverManager.getConnection(driverUrl, props);
        } catch (SQLException e) {
            TargetException t = SqlErrors.translate(e, "connecting to " + spec.name() + " (" + spec.redactedUrl() + ")");
            if (t.kind() == TargetException.Kind.SERVER_ERROR || t.kind() == TargetException.Kind.PRIVILEGE) {
                // the server refused the connection itself (no such database, no access to it): cannot connect
                throw new TargetException(TargetException.Kind.UNREACHABLE, t.getMessage(), t.fix(), t.errorCode(), e);
            }
            throw t;
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // already failing; the original error is the one to report
        }
    }
}
