package dev.sessionctl.dialect.mysql;

import dev.sessionctl.model.Engine;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.SQLException;

/** OceanBase in MySQL mode (in Oracle mode the MySQL probe fails and this dialect declines). */
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
        return p != null && p.isOceanBase();
    }
}
