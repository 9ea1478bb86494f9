package dev.sessionctl.dialect.mysql;

import dev.sessionctl.model.Engine;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.SQLException;

/** Amazon RDS / Aurora MySQL: kills through mysql.rds_kill / mysql.rds_kill_query. */
public final class MySqlRdsDialect extends MySqlFamilyDialect {
    @Override
    Engine engine() {
        return Engine.MYSQL_RDS;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public boolean matches(Connection connection, TargetSpec spec) throws SQLException {
        ServerProbe p = ServerProbe.tryOf(connection, spec);
        return p != null && p.isMySql() && p.rdsProcedures();
    }
}
