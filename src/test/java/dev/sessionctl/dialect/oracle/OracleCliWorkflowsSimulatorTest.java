package dev.sessionctl.dialect.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sessionctl.cli.ExitCode;
import dev.sessionctl.cli.Main;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator.SimSession;
import dev.sessionctl.dialect.oracle.sim.SimDriver;
import dev.sessionctl.render.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIMULATOR TESTS: each manual workflow of the reference documents (find by user, by SQL id, long
 * running, lock holders on a table, killed sessions, orphans; kill by SQL id) as one CLI command.
 */
@Tag("simulator")
@DisplayName("CLI workflows on Oracle [simulator]")
class OracleCliWorkflowsSimulatorTest {

    OracleSimulator sim;
    String url;

    @BeforeEach
    void start() throws Exception {
        sim = new OracleSimulator(1).dba("SESSIONCTL");
        url = SimDriver.register("orcl-cli-workflows", sim);
        SimDriver.install();
    }

    @AfterEach
    void stop() throws Exception {
        SimDriver.uninstall();
        sim.close();
    }

    record Run(int code, String out, String err) {
    }

    Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", url, "-U", "sessionctl"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(all.toArray(new String[0]), new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    List<String> keys(Run r) throws Exception {
        assertThat(r.code()).as(r.err()).isZero();
        List<String> keys = new ArrayList<>();
        for (JsonNode s : Json.MAPPER.readTree(r.out()).get("sessions")) {
            // sessionctl's own connections (the simulator keeps those of earlier runs listed) are not the subject
            if (!"SESSIONCTL".equals(s.get("user").asText())) {
                keys.add(s.get("key").asText());
            }
        }
        return keys;
    }

    @Test
    @DisplayName("find by user, by SQL id, long running, lock holders on a table")
    void finders() throws Exception {
        SimSession app = sim.session(1, "APP_USER");
        sim.runs(app, "8vu7s907prbgr", "SELECT * FROM orders");
        SimSession holder = sim.session(1, "BATCH");
        sim.transaction(holder, 10);
        sim.locks(holder, "APP", "ORDERS");
        SimSession idle = sim.session(1, "APP_USER");

        assertThat(keys(cli("sessions", "--user", "app_user", "-o", "json"))).containsExactlyInAnyOrder(app.key(), idle.key());
        assertThat(keys(cli("sessions", "--sql-id", "8vu7s907prbgr", "-o", "json"))).containsExactly(app.key());
        assertThat(keys(cli("sessions", "--min-busy", "30s", "-o", "json"))).containsExactly(app.key());
        assertThat(keys(cli("sessions", "--lock-table", "app.orders", "-o", "json"))).containsExactly(holder.key());
    }

    @Test
    @DisplayName("kill by SQL id cancels only that statement's sessions")
    void cancelBySqlId() {
        SimSession a = sim.session(1, "APP_USER");
        sim.runs(a, "8vu7s907prbgr", "SELECT * FROM orders");
        SimSession b = sim.session(1, "APP_USER");
        sim.runs(b, "0w2qpuc6u2zsp", "SELECT 1 FROM dual");

        Run dry = cli("kill", "--sql-id", "8vu7s907prbgr", "--cancel", "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains(a.key()).doesNotContain(b.key()).contains("CANCEL SQL");

        Run r = cli("kill", "--sql-id", "8vu7s907prbgr", "--cancel", "--yes");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("cancelled").contains(a.key()).doesNotContain(b.key());
        assertThat(sim.status(b)).isEqualTo("ACTIVE");
    }

    @Test
    @DisplayName("killed sessions still rolling back are listed by --state terminating and never killed again")
    void killedSessions() throws Exception {
        SimSession big = sim.session(1, "BATCH");
        sim.runs(big, "9babjv8yq8ru3", "UPDATE big SET x = x + 1");
        sim.transaction(big, 500_000);
        Run kill = cli("kill", big.key(), "--yes");
        assertThat(kill.out() + kill.err()).contains(big.key());
        assertThat(sim.status(big)).isEqualTo("KILLED");

        assertThat(keys(cli("sessions", "--state", "terminating", "-o", "json"))).containsExactly(big.key());
        Run again = cli("kill", big.key(), "--yes");
        assertThat(again.code()).isEqualTo(ExitCode.REFUSED);
        assertThat(again.out()).contains("already-terminating");
    }

    @Test
    @DisplayName("orphaned transactions are listed by orphans")
    void orphans() throws Exception {
        sim.orphanTransaction(1, 1234);
        Run r = cli("orphans", "-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode t = Json.MAPPER.readTree(r.out()).get("transactions");
        assertThat(t).hasSize(1);
        assertThat(t.get(0).get("size").asLong()).isEqualTo(1234);
    }
}
