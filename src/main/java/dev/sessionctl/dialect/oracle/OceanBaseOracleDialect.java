package dev.sessionctl.dialect.oracle;

import dev.sessionctl.dialect.Dialect;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * OceanBase in Oracle mode, through {@code jdbc:oceanbase:} (or any URL with target option
 * {@code engine: oceanbase-oracle}). The same URL serves MySQL-mode tenants, so a probe decides:
 * the tenant's {@code ob_compatibility_mode} must be ORACLE.
 */
public class OceanBaseOracleDialect implements Dialect {

    @Override
    public String name() {
        return "oceanbase-oracle";
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public boolean acceptsUrl(String jdbcUrl) {
        return jdbcUrl != null && jdbcUrl.toLowerCase(Locale.ROOT).startsWith("jdbc:oceanbase:");
    }

    @Override
    public boolean matches(Connection connection, TargetSpec spec) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SHOW VARIABLES LIKE 'ob_compatibility_mode'")) {
            return rs.next() && "ORACLE".equalsIgnoreCase(rs.getString(2));
        } catch (SQLException e) {
            return false; // not OceanBase, or a mode without SHOW: the MySQL-family dialects decide
        }
    }

    @Override
    public TargetConnection open(Connection connection, TargetSpec spec) throws SQLException {
        return new OceanBaseOracleTarget(connection, spec);
    }
}
