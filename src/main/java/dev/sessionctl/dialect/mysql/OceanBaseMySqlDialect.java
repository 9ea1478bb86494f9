package dev.sessionctl.dialect.mysql;

import dev.sessionctl.model.Engine;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * OceanBase in MySQL mode. The same {@code jdbc:oceanbase:} URL also serves Oracle-mode tenants:
 * those are left to the Oracle family (the tenant's {@code ob_compatibility_mode} must be MYSQL,
 * and in Oracle mode the MySQL probe itself fails).
 */
public final class OceanBaseMySqlDialect extends MySqlFamilyDialect {
    @Override
    Engine engine() {
        return Engine.OCEANBASE_MYSQL;
    }

    @Override
    public int priority() {
        return 30;
    }

    @Override
    public boolean matches(Connection connection, TargetSpec spec) throws SQLException {
        ServerProbe p = ServerProbe.tryOf(connection, spec);
        return p != null && p.isOceanBase() && !isOracleMode(connection);
    }

    private static boolean isOracleMode(Connection connection) {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SHOW VARIABLES LIKE 'ob_compatibility_mode'")) {
            return rs.next() && "ORACLE".equalsIgnoreCase(rs.getString(2));
        } catch (SQLException e) {
            return false;
        }
    }
}
