package dev.sessionctl.dialect.postgresql;

import dev.sessionctl.dialect.Dialect;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * PostgreSQL 12 to 17. Chosen by the {@code jdbc:postgresql:} URL prefix, confirmed by the driver's
 * product name and {@code server_version_num}.
 */
public final class PostgresDialect implements Dialect {

    public static final String NAME = "postgresql";
    /** Oldest and newest major versions whose catalogs and functions this dialect is written against. */
    public static final int MIN_VERSION_NUM = 120000;
    public static final int MAX_VERSION_NUM_EXCLUSIVE = 180000;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean acceptsUrl(String jdbcUrl) {
        return jdbcUrl != null && jdbcUrl.startsWith("jdbc:postgresql:");
    }

    /**
     * True for a PostgreSQL server of a supported version. A PostgreSQL server of another version
     * is refused with a clear UNSUPPORTED error rather than "not recognised".
     */
    @Override
    public boolean matches(Connection connection, TargetSpec spec) throws SQLException {
        if (!"PostgreSQL".equalsIgnoreCase(connection.getMetaData().getDatabaseProductName())) {
            return false;
        }
        int versionNum = serverVersionNum(connection);
        if (!isSupportedVersion(versionNum)) {
            throw new TargetException(TargetException.Kind.UNSUPPORTED, "PostgreSQL server_version_num " + versionNum
                    + " at '" + spec.redactedUrl() + "' is not supported; sessionctl supports PostgreSQL 12 to 17");
        }
        return true;
    }

    @Override
    public TargetConnection open(Connection connection, TargetSpec spec) throws SQLException {
        return new PostgresTarget(connection, spec);
    }

    public static boolean isSupportedVersion(int versionNum) {
        return versionNum >= MIN_VERSION_NUM && versionNum < MAX_VERSION_NUM_EXCLUSIVE;
    }

    static int serverVersionNum(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
