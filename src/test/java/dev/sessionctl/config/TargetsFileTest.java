package dev.sessionctl.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.target.TargetSpec;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetsFileTest {

    private static final Path FILE = Path.of("targets.yaml");

    @Test
    void readsTargetsWithPasswordFromEnvironmentAndMergedProtection() {
        String yaml = """
                protect:
                  users: [replicator]
                targets:
                  prod:
                    url: jdbc:postgresql://db1:5432/app
                    user: sessionctl
                    passwordEnv: PROD_PW
                    options: {connectTimeoutSeconds: "3"}
                    protect:
                      applications: ["pgbouncer*"]
                  ora:
                    url: jdbc:oracle:thin:@//o1:1521/svc
                    user: dba
                    engine: oracle-rds
                """;
        TargetsFile f = TargetsFile.parse(FILE, yaml, Map.of("PROD_PW", "s3cret")::get);
        TargetSpec prod = f.target("prod");
        assertThat(prod.password()).isEqualTo("s3cret");
        assertThat(prod.toString()).doesNotContain("s3cret");
        assertThat(prod.protection().users()).containsExactly("replicator");
        assertThat(prod.protection().applications()).containsExactly("pgbouncer*");
        assertThat(prod.option("connectTimeoutSeconds", "10")).isEqualTo("3");
        assertThat(f.target("ora").options()).containsEntry("engine", "oracle-rds");
        assertThat(f.target("ora").protection().users()).containsExactly("replicator");
    }

    @Test
    void unknownKeyNamesFileLineAndExpectedKeys() {
        String yaml = """
                targets:
                  prod:
                    url: jdbc:postgresql://db1/app
                    pasword: x
                """;
        assertThatThrownBy(() -> TargetsFile.parse(FILE, yaml, k -> null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("targets.yaml line 4")
                .hasMessageContaining("unknown key 'pasword'")
                .hasMessageContaining("passwordEnv");
    }

    @Test
    void clearTextPasswordIsRefused() {
        String yaml = "targets:\n  p:\n    url: jdbc:postgresql://h/db\n    password: hunter2\n";
        assertThatThrownBy(() -> TargetsFile.parse(FILE, yaml, k -> null))
                .hasMessageContaining("clear-text 'password'").hasMessageContaining("passwordEnv")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void missingEnvironmentVariableAndUnknownTargetAreClear() {
        String yaml = "targets:\n  p:\n    url: jdbc:postgresql://h/db\n    passwordEnv: NOPE\n";
        assertThatThrownBy(() -> TargetsFile.parse(FILE, yaml, k -> null).target("p"))
                .hasMessageContaining("NOPE, which is not set");
        TargetsFile f = TargetsFile.parse(FILE, "targets:\n  p:\n    url: jdbc:postgresql://h/db\n", k -> null);
        assertThatThrownBy(() -> f.target("q")).hasMessageContaining("unknown target 'q'").hasMessageContaining("known targets: p");
    }

    @Test
    void anotherTargetsMissingSecretDoesNotBlockThisTarget() {
        String yaml = """
                targets:
                  broken-env:
                    url: jdbc:postgresql://h1/db
                    passwordEnv: NOT_ON_THIS_MACHINE
                  broken-file:
                    url: jdbc:postgresql://h2/db
                    passwordFile: /nonexistent/secret
                  good:
                    url: jdbc:postgresql://h3/db
                    passwordEnv: GOOD_PW
                """;
        TargetsFile f = TargetsFile.parse(FILE, yaml, Map.of("GOOD_PW", "pw")::get);
        assertThat(f.target("good").password()).isEqualTo("pw");
        assertThat(f.names()).containsExactly("broken-env", "broken-file", "good");
        assertThatThrownBy(() -> f.target("broken-file")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("target 'broken-file'").hasMessageContaining("/nonexistent/secret");
        assertThatThrownBy(() -> f.target("nosuch")).hasMessageContaining("unknown target 'nosuch'");
    }

    @Test
    void wrongShapesSayWhatIsExpectedNotJacksonsClassNames() {
        assertThatThrownBy(() -> TargetsFile.parse(FILE, "targets:\n  p: [a, b]\n", k -> null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("line 2")
                .hasMessageContaining("expected a target: a map of url, user").hasMessageNotContaining("TargetModel")
                .hasMessageNotContaining("dev.sessionctl");
        assertThatThrownBy(() -> TargetsFile.parse(FILE, "protect:\n  users: replicator\ntargets:\n  p:\n    url: jdbc:postgresql://h/db\n",
                k -> null)).isInstanceOf(ConfigException.class).hasMessageContaining("expected a list")
                .hasMessageNotContaining("dev.sessionctl");
        assertThatThrownBy(() -> TargetsFile.parse(FILE, "\n", k -> null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is empty").hasMessageContaining("targets:");
    }

    @Test
    void misspeltOptionIsNamedWithTheClosestKnownOne() {
        String yaml = "targets:\n  p:\n    url: jdbc:postgresql://h/db\n    options: {statmentTimeoutMs: \"100\"}\n";
        assertThatThrownBy(() -> TargetsFile.parse(FILE, yaml, k -> null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("target 'p' has unknown option 'statmentTimeoutMs'")
                .hasMessageContaining("did you mean 'statementTimeoutMs'")
                .hasMessageContaining("lockTimeoutMs");
    }

    @Test
    void brokenYamlReportsLine() {
        assertThatThrownBy(() -> TargetsFile.parse(FILE, "targets:\n  p: [unclosed\n", k -> null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("targets.yaml line");
    }

    @Test
    void urlPasswordsAreRedacted() {
        assertThat(TargetSpec.redact("jdbc:postgresql://h/db?user=a&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://h/db?user=a&password=***&ssl=true");
        assertThat(TargetSpec.redact("jdbc:mysql://bob:s3cret@h:3306/db")).isEqualTo("jdbc:mysql://bob:***@h:3306/db");
    }
}
