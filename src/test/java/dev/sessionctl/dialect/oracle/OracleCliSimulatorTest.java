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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIMULATOR TESTS through the unchanged CLI: a {@code jdbc:oracle:thin:} URL, engine detected from
 * the driver's metadata, the same commands, keys and JSON as on PostgreSQL.
 */
@Tag("simulator")
@DisplayName("CLI on Oracle [simulator]")
class OracleCliSimulatorTest {

    OracleSimulator sim;
    String url;

    @BeforeEach
    void start() throws Exception {
        sim = new OracleSimulator(1).dba("SESSIONCTL");
        url = SimDriver.register("orcl-cli-sim", sim);
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
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(new String[] {"--url", url, "-U", "sessionctl"}, 0, all, args.length, 4);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(all, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    @DisplayName("sessions, blockers, kill, doctor with a jdbc:oracle:thin: URL")
    void sameCommands() throws Exception {
        SimSession blocker = sim.session(1, "APP");
        sim.transaction(blocker, 20);
        SimSession waiter = sim.session(1, "APP");
        sim.runs(waiter, "8vu7s907prbgr", "UPDATE orders SET status = 'X' WHERE id = 1");
        sim.blocks(blocker, waiter);

        Run sessions = cli("sessions", "-o", "json");
        assertThat(sessions.code()).as(sessions.err()).isZero();
        JsonNode s = Json.MAPPER.readTree(sessions.out());
        assertThat(s.toString()).contains("\"engine\":\"oracle\"").contains("\"key\":\"" + blocker.key() + "\"");

        Run blockers = cli("blockers", "-o", "json");
        assertThat(blockers.code()).as(blockers.err()).isZero();
        JsonNode b = Json.MAPPER.readTree(blockers.out());
        assertThat(b.get("roots")).hasSize(1);
        assertThat(b.get("roots").get(0).toString()).contains(blocker.key());

        Run dry = cli("kill", blocker.key(), "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("ALTER SYSTEM KILL SESSION '" + blocker.sid() + "," + blocker.serial() + "'");
        assertThat(sim.status(blocker)).isEqualTo("INACTIVE");

        Run kill = cli("kill", blocker.key(), "--yes", "--wait", "--wait-timeout", "1s");
        assertThat(kill.code()).as(kill.out() + kill.err()).isEqualTo(ExitCode.OK);
        // an idle killed session keeps its KILLED row until its client calls, but holds nothing: verified ended
        assertThat(kill.out()).contains("terminated").contains("ok   session-gone").contains("ok   waiters-released");
        // idle in transaction: rolled back and locks released at once; the row waits for the client's next call
        assertThat(sim.status(blocker)).isEqualTo("KILLED");
        assertThat(sim.blockingSession(waiter)).isNull();
        sim.clientCalls(blocker);
        assertThat(sim.status(blocker)).isNull();

        Run doctor = cli("doctor");
        assertThat(doctor.code()).as(doctor.err()).isZero();
        assertThat(doctor.out()).contains("ALTER SYSTEM").contains("single instance");
    }

    @Test
    @DisplayName("kill of a background session is refused by a guard, with the refused exit code")
    void guardRefusal() {
        SimSession pmon = sim.background(1, "PMON");
        Run r = cli("kill", pmon.key(), "--yes");
        assertThat(r.code()).isEqualTo(ExitCode.REFUSED);
        assertThat(r.out() + r.err()).contains("not-a-client");
        assertThat(sim.status(pmon)).isEqualTo("ACTIVE");
    }
}
