package dev.sessionctl.dialect.oracle;

import dev.sessionctl.model.Engine;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Amazon RDS for Oracle: no ALTER SYSTEM grant, sessions are ended through the
 * {@code rdsadmin.rdsadmin_util} procedures kill / disconnect / cancel (Amazon RDS User Guide,
 * "Terminating a session", "Disconnecting a session", "Canceling a SQL statement in a session").
 * Chosen by target option {@code variant: rds}, or detected: the RDSADMIN.RDSADMIN_UTIL package exists.
 */
public class OracleRdsDialect extends OracleDialect {

    @Override
    public String name() {
        return "oracle-rds";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public boolean matches(Connection connection, TargetSpec spec) throws SQLException {
        String variant = variant(spec);
        if ("rds".equals(variant)) {
            return true;
        }
        return variant == null && OracleTarget.rdsadminVisible(connection);
    }

    @Override
    public TargetConnection open(Connection connection, TargetSpec spec) throws SQLException {
        String proc = spec.options().get(OPTION_SELF_SERVICE);
        return new OracleTarget(connection, spec, Engine.ORACLE_RDS,
                proc == null ? KillMethod.RDSADMIN : KillMethod.SELF_SERVICE, proc);
    }
}
