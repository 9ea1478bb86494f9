package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sessionctl.dialect.oracle.OracleDialect;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator.SimSession;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIMULATOR TEST (no Oracle server runs here): the Oracle dialect's real SQL on the team's H2-based
 * Oracle simulator. Shows the self-service rule with Oracle's case rules: "scott" signs in and owns
 * the sessions whose USERNAME is SCOTT, sees no other user's SQL and cannot end HR's session, while
 * his own is ended with ALTER SYSTEM KILL SESSION 'sid,serial#' over the server's DBA connection.
 *
 * <p>The simulator has no password check, so this test's connector plays the listener's part:
 * it accepts scott/tiger and refuses anything else with the engine's authentication failure.
 */
@Tag("simulator")
@DisplayName("console on Oracle [simulator]")
class ConsoleOracleSimulatorTest {

    OracleSimulator sim;
    ConsoleServer server;
    final Set<String> loginsSeen = new HashSet<>();

    @BeforeEach
    void start(@TempDir Path dir) {
        sim = new OracleSimulator(1).dba("SESSIONCTL");
        TargetPool.Connector connector = spec -> {
            String user = spec.user().toUpperCase(Locale.ROOT); // Oracle folds unquoted names
            if (!user.equals("SESSIONCTL")) {
                loginsSeen.add(spec.user());
                if (!user.equals("SCOTT") || !"tiger".equals(spec.password())) {
                    throw new TargetException(TargetException.Kind.AUTHENTICATION,
                            "ORA-01017: invalid username/password; logon denied", null, "ORA-01017", null);
                }
            }
            try {
                return new OracleDialect().open(sim.connect(user, 1), spec);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        };
        ServeConfig config = new ServeConfig("127.0.0.1", 0, null, Map.of(), Set.of(), null, null, null, null, null,
                dir.resolve("audit.jsonl"), Duration.ofMinutes(30), Duration.ofHours(12), 100, 5, Duration.ofMinutes(15));
        server = ConsoleServer.start(config, Map.of("orcl", new TargetSpec("orcl", "jdbc:oracle:thin:@//sim:1521/ORCLPDB",
                "sessionctl", "dba-secret", Map.of(), ProtectionPolicy.none())), connector);
    }

    @AfterEach
    void stop() {
        server.close();
        sim.close();
    }

    @Test
    void scottSeesAndEndsOnlyScottsSessions() {
        SimSession scottIdle = sim.session(1, "SCOTT");
        SimSession scottBusy = sim.session(1, "SCOTT");
        sim.runs(scottBusy, "a1b2c3d4e5f6g", "SELECT * FROM EMP /* scott-report */");
        SimSession hr = sim.session(1, "HR");
        sim.runs(hr, "h1r2h3r4h5r6h", "UPDATE EMPLOYEES SET SALARY = SALARY * 2 /* hr-secret */");

        ApiClient c = new ApiClient(server.url());
        assertThat(c.loginDatabase("orcl", "scott", "wrong").status()).isEqualTo(401);
        ApiClient.Response login = c.loginDatabase("orcl", "scott", "tiger");
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.json().get("user").asText()).as("the engine's spelling").isEqualTo("SCOTT");

        ApiClient.Response list = c.get("/api/targets/orcl/sessions");
        assertThat(list.status()).isEqualTo(200);
        Set<String> users = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (JsonNode s : list.json().get("sessions")) {
            users.add(s.get("user").asText());
            keys.add(s.get("key").asText());
        }
        assertThat(users).containsExactly("SCOTT");
        assertThat(keys).contains(scottIdle.key(), scottBusy.key()).doesNotContain(hr.key());
        assertThat(list.text()).contains("scott-report").doesNotContain("hr-secret").doesNotContain("SESSIONCTL");

        ApiClient.Response foreign = c.post("/api/targets/orcl/sessions/" + hr.key() + "/kill", "{\"action\":\"terminate\"}");
        assertThat(foreign.status()).isEqualTo(403);
        assertThat(sim.status(hr)).as("HR untouched").isEqualTo("ACTIVE");

        ApiClient.Response preview = c.get("/api/targets/orcl/sessions/" + scottIdle.key() + "/preview?action=terminate");
        assertThat(preview.json().get("statement").asText())
                .contains("ALTER SYSTEM KILL SESSION '" + scottIdle.sid() + "," + scottIdle.serial());
        ApiClient.Response own = c.post("/api/targets/orcl/sessions/" + scottIdle.key() + "/kill", "{\"action\":\"terminate\"}");
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.json().get("result").get("succeeded").asBoolean()).as(own.text()).isTrue();
        assertThat(List.of("terminated", "marked-for-kill", "already-gone"))
                .contains(own.json().get("result").get("outcome").asText());
        assertThat(sim.intercepted()).anyMatch(sql -> sql.contains("KILL SESSION '" + scottIdle.sid() + ","));
        assertThat(sim.intercepted()).noneMatch(sql -> sql.contains("'" + hr.sid() + "," + hr.serial()));
        assertThat(loginsSeen).containsOnly("scott");
    }
}
