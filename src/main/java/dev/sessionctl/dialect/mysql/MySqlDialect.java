package dev.sessionctl.dialect.mysql;

import dev.sessionctl.model.Engine;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.SQLException;

/** Plain MySQL 8.0/8.4 (and any MySQL-compatible server no variant claims). */
public final class MySqlDialect extends MySqlFamilyDialect {
    @Override
    Engine engine() {
        return Engine.MYSQL;
    }

    @Override
    public boolean matches(Connection connection, TargetSpec spec) throws SQLException {
        ServerProbe p = ServerProbe.tryOf(connection, spec);
        return p != null && p.isMySql();
    }
}
