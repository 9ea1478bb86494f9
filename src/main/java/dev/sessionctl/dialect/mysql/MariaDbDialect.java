package dev.sessionctl.dialect.mysql;

import dev.sessionctl.model.Engine;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.SQLException;

/** MariaDB 10.6 and later, also when the driver calls it "MySQL". */
public final class MariaDbDialect extends MySqlFamilyDialect {
    @Override
    Engine engine() {
        return Engine.MARIADB;
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public boolean matches(Connection connection, TargetSpec spec) throws SQLException {
        ServerProbe p = ServerProbe.tryOf(connection, spec);
        return p != null && p.isMariaDb();
    }
}
