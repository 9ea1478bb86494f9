package dev.sessionctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** --url targets are named host:port/database, never "cli", never with credentials. */
class UrlTargetNameTest {

    @Test
    void namesEveryEnginesUrlAsHostPortDatabase() {
        assertThat(UrlTargetName.of("jdbc:postgresql://db1:5433/app?sslmode=require")).isEqualTo("db1:5433/app");
        assertThat(UrlTargetName.of("jdbc:postgresql://db1/app")).isEqualTo("db1:5432/app");
        assertThat(UrlTargetName.of("jdbc:postgresql://h1:5432,h2:5433/app")).isEqualTo("h1:5432,h2:5433/app");
        assertThat(UrlTargetName.of("jdbc:mariadb://127.0.0.1:3307/shop")).isEqualTo("127.0.0.1:3307/shop");
        assertThat(UrlTargetName.of("jdbc:mysql://my.example/shop")).isEqualTo("my.example:3306/shop");
        assertThat(UrlTargetName.of("jdbc:mysql://[::1]:3306")).isEqualTo("[::1]:3306");
        assertThat(UrlTargetName.of("jdbc:oceanbase://ob:2883/test")).isEqualTo("ob:2883/test");
        assertThat(UrlTargetName.of("jdbc:oracle:thin:@//scan:1521/orclpdb")).isEqualTo("scan:1521/orclpdb");
        assertThat(UrlTargetName.of("jdbc:oracle:thin:@ora:1522:ORCL")).isEqualTo("ora:1522/ORCL");
        assertThat(UrlTargetName.of("jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=rac1)(PORT=1521))"
                + "(CONNECT_DATA=(SERVICE_NAME=svc)))")).isEqualTo("rac1:1521/svc");
    }

    @Test
    void credentialsInTheUrlNeverAppear() {
        assertThat(UrlTargetName.of("jdbc:postgresql://alice:s3cret@db1:5432/app?password=other"))
                .isEqualTo("db1:5432/app").doesNotContain("s3cret").doesNotContain("alice");
        assertThat(UrlTargetName.of("jdbc:mysql://bob:p%40ss@db2/shop?user=bob&password=x")).isEqualTo("db2:3306/shop");
        assertThat(UrlTargetName.of("jdbc:oracle:thin:scott/tiger@//ora:1521/svc")).isEqualTo("ora:1521/svc")
                .doesNotContain("tiger");
    }

    @Test
    void urlNamesNeverLookLikeTargetsFileNamesOrCli() {
        for (String url : new String[] {"jdbc:postgresql://db/app", "jdbc:weird:stuff", "jdbc:mysql://address=(host=x)"}) {
            String name = UrlTargetName.of(url);
            assertThat(name).isNotEqualTo("cli").contains(":");
            assertThat(UrlTargetName.isUrlName(name)).isTrue();
        }
        assertThat(UrlTargetName.isUrlName("prod")).isFalse();
    }
}
