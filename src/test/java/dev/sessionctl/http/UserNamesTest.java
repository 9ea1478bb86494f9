package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.model.Engine;
import org.junit.jupiter.api.Test;

class UserNamesTest {

    @Test
    void oracleFoldsUnquotedNamesToUpperCaseAndKeepsQuotedOnes() {
        assertThat(UserNames.canonical(Engine.ORACLE, "scott")).isEqualTo("SCOTT");
        assertThat(UserNames.canonical(Engine.OCEANBASE_ORACLE, " scott ")).isEqualTo("SCOTT");
        assertThat(UserNames.canonical(Engine.ORACLE, "\"MixedCase\"")).isEqualTo("MixedCase");
    }

    @Test
    void oraclePrefersTheSessionUserTheConnectionReported() {
        assertThat(UserNames.canonical(Engine.ORACLE, "scott", "SCOTT")).isEqualTo("SCOTT");
        assertThat(UserNames.canonical(Engine.ORACLE, "scott", null)).isEqualTo("SCOTT");
        assertThat(UserNames.canonical(Engine.MYSQL, "app", "app@%")).as("host part ignored").isEqualTo("app");
    }

    @Test
    void postgresAndMysqlCompareExactly() {
        assertThat(UserNames.canonical(Engine.POSTGRESQL, "Alice")).isEqualTo("Alice");
        assertThat(UserNames.canonical(Engine.MARIADB, "app_user")).isEqualTo("app_user");
        assertThat(UserNames.same("alice", "alice")).isTrue();
        assertThat(UserNames.same("Alice", "alice")).isFalse();
        assertThat(UserNames.same(null, "alice")).isFalse();
    }
}
