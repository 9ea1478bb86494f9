package dev.sessionctl.dialect.oracle;

import dev.sessionctl.dialect.Dialect;
import dev.sessionctl.model.Engine;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Oracle Database, single instance or RAC, through the thin driver ({@code jdbc:oracle:thin:}).
 * Target options: {@code selfServiceProcedure: SCHEMA.PROC} ends sessions through the self-service
 * procedure instead of ALTER SYSTEM; {@code variant: standard} skips Amazon RDS detection.
 */
public class OracleDialect implements Dialect {

    public static final String OPTION_VARIANT = "variant";
    public static final String OPTION_SELF_SERVICE = "selfServiceProcedure";

    @Override
    public String name() {
        return "oracle";
    }

    @Override
    public boolean acceptsUrl(String jdbcUrl) {
        return jdbcUrl != null && jdbcUrl.toLowerCase(Locale.ROOT).startsWith("jdbc:oracle:thin:");
    }

    @Override
    public boolean matches(Connection connection, TargetSpec spec) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName();
        return product != null && product.toLowerCase(Locale.ROOT).contains("oracle");
    }

    @Override
    public TargetConnection open(Connection connection, TargetSpec spec) throws SQLException {
        String proc = spec.options().get(OPTION_SELF_SERVICE);
        return new OracleTarget(connection, spec, Engine.ORACLE,
                proc == null ? KillMethod.ALTER_SYSTEM : KillMethod.SELF_SERVICE, proc);
    }

    static String variant(TargetSpec spec) {
        String v = spec.options().get(OPTION_VARIANT);
        return v == null ? null : v.trim().toLowerCase(Locale.ROOT);
    }
}
