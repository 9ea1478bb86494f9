package dev.sessionctl.dialect.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.dialect.Dialect;
import dev.sessionctl.dialect.DialectRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class OracleDialectRegistrationTest {

    @Test
    void registeredThroughServiceLoaderWithVariantsFirst() {
        List<String> names = DialectRegistry.load().dialects().stream().map(Dialect::name).toList();
        assertThat(names).contains("oracle", "oracle-rds", "oceanbase-oracle");
        assertThat(names.indexOf("oceanbase-oracle")).isLessThan(names.indexOf("oracle-rds"));
        assertThat(names.indexOf("oracle-rds")).isLessThan(names.indexOf("oracle"));
    }

    @Test
    void urls() {
        assertThat(new OracleDialect().acceptsUrl("jdbc:oracle:thin:@//db:1521/ORCLPDB1")).isTrue();
        assertThat(new OracleRdsDialect().acceptsUrl("jdbc:oracle:thin:@db.rds.example:1521/ORCL")).isTrue();
        assertThat(new OracleDialect().acceptsUrl("jdbc:postgresql://db/x")).isFalse();
        assertThat(new OceanBaseOracleDialect().acceptsUrl("jdbc:oceanbase://obproxy:2883/SYS")).isTrue();
        assertThat(new OceanBaseOracleDialect().acceptsUrl("jdbc:oracle:thin:@//db:1521/x")).isFalse();
    }
}
