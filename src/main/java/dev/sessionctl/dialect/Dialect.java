package dev.sessionctl.dialect;

import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One engine (or variant) behind a small interface. Registered in
 * {@code META-INF/services/dev.sessionctl.dialect.Dialect}; chosen in two stages, as Flyway does:
 * the JDBC URL picks candidates ({@link #acceptsUrl}), then the live connection's metadata and, where
 * engines misreport themselves, a probe query ({@link #matches}) pick the one. Variants have a
 * higher {@link #priority()} than their parent (MariaDB before MySQL, RDS before plain Oracle).
 */
public interface Dialect {

    /** Stable name, also accepted as {@code engine:} in a targets file to skip detection. */
    String name();

    /** Higher is asked first. Parents 0, variants above. */
    default int priority() {
        return 0;
    }

    /** Stage one: could this URL be ours? ({@code jdbc:postgresql:}, {@code jdbc:oracle:thin:}, ...) */
    boolean acceptsUrl(String jdbcUrl);

    /**
     * The URL handed to the JDBC driver for a URL this dialect accepts. Default: unchanged. A
     * dialect overrides it for a URL scheme no driver on the class path registers (OceanBase's
     * {@code jdbc:oceanbase:} without OceanBase's own driver is spoken to by the MariaDB driver).
     */
    default String driverUrl(String jdbcUrl) {
        return jdbcUrl;
    }

    /** Stage two: is the live server really ours? May run a cheap probe query. */
    boolean matches(Connection connection, TargetSpec spec) throws SQLException;

    /**
     * Wraps the connection. The dialect owns it from here (autocommit, timeouts, session settings)
     * and closes it in {@link TargetConnection#close()}.
     */
    TargetConnection open(Connection connection, TargetSpec spec) throws SQLException;
}
