package dev.sessionctl.dialect.mysql;

import dev.sessionctl.dialect.Dialect;
import dev.sessionctl.model.Engine;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The MySQL family: MySQL 8.0/8.4, Amazon RDS/Aurora MySQL, MariaDB 10.6+, OceanBase in MySQL
 * mode. All accept {@code jdbc:mysql:}, {@code jdbc:mariadb:} and {@code jdbc:oceanbase:} URLs;
 * the probe ({@link ServerProbe}) picks the variant, most specific first.
 */
public abstract class MySqlFamilyDialect implements Dialect {

    abstract Engine engine();

    @Override
    public String name() {
        return engine().label();
    }

    @Override
    public boolean acceptsUrl(String jdbcUrl) {
        return jdbcUrl != null && (jdbcUrl.startsWith("jdbc:mysql:") || jdbcUrl.startsWith("jdbc:mariadb:")
                || jdbcUrl.startsWith("jdbc:oceanbase:"));
    }

    /**
     * {@code jdbc:oceanbase:} needs OceanBase's own driver; without it the MariaDB driver, which
     * OceanBase's is derived from, speaks to OceanBase's MySQL mode.
     */
    @Override
    public String driverUrl(String jdbcUrl) {
        return jdbcUrl.startsWith("jdbc:oceanbase:") ? "jdbc:mariadb:" + jdbcUrl.substring("jdbc:oceanbase:".length())
                : jdbcUrl;
    }

    @Override
    public TargetConnection open(Connection connection, TargetSpec spec) throws SQLException {
        return new MySqlTargetConnection(engine(), connection, spec, ServerProbe.of(connection, spec));
    }
}
