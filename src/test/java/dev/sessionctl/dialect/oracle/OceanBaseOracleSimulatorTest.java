package dev.sessionctl.dialect.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.dialect.oracle.sim.OracleSimulator;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** SIMULATOR TESTS: OceanBase Oracle mode, where KILL SESSION ignores SERIAL#, so identity is re-checked first. */
@Tag("simulator")
@DisplayName("OceanBase Oracle mode [simulator]")
class OceanBaseOracleSimulatorTest {

    static final TargetSpec SPEC = new TargetSpec("ob", "jdbc:oceanbase://obproxy:2883/SYS", "sessionctl", null, Map.of(), null);

    OracleSimulator sim;
    OceanBaseOracleTarget target;

    @BeforeEach
    void start() throws Exception {
        sim = new OracleSimulator(1).grant("SESSIONCTL", "ALTER SYSTEM");
        Connection c = sim.connectOceanBase("SESSIONCTL");
        OceanBaseOracleDialect d = new OceanBaseOracleDialect();
        assertThat(d.matches(c, SPEC)).as("ob_compatibility_mode = ORACLE").isTrue();
        target = (OceanBaseOracleTarget) d.open(c, SPEC);
    }

    @AfterEach
    void stop() {
        target.close();
        sim.close();
    }

    SessionKiller killer() {
        return new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
    }

    @Test
    @DisplayName("GV$OB_PROCESSLIST: sessions, own session, states; terminate with KILL SESSION 'id'")
    void snapshotAndTerminate() {
        long idle = sim.obSession("APP", "10.1.1.7:51234", "Sleep", null);
        long busy = sim.obSession("APP", "10.1.1.8:40022", "Query", "SELECT * FROM big");
        Snapshot snap = target.snapshot();
        assertThat(snap.engine()).isEqualTo(Engine.OCEANBASE_ORACLE);
        assertThat(snap.ownSessions()).hasSize(1);
        assertThat(snap.find(SessionRef.of(idle)).orElseThrow().state()).isEqualTo(SessionState.IDLE);
        Session b = snap.find(SessionRef.of(busy)).orElseThrow();
        assertThat(b.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(b.sqlText()).isEqualTo("SELECT * FROM big");
        assertThat(b.clientHost()).as("host without its port").isEqualTo("10.1.1.8");
        assertThat(b.attributes()).containsEntry("clientPort", "40022");

        KillResult r = killer().killOne(snap.find(SessionRef.of(idle)).orElseThrow().key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(r.outcome()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(r.statement()).isEqualTo("ALTER SYSTEM KILL SESSION '" + idle + "'");
        assertThat(sim.obExists(idle)).isFalse();
        assertThat(sim.obExists(busy)).isTrue();
    }

    @Test
    @DisplayName("client host: ip:port split, IPv6 brackets removed, a bare host kept")
    void clientHostWithoutPort() {
        assertThat(OceanBaseOracleTarget.splitHostPort("10.1.1.7:51234")).containsExactly("10.1.1.7", "51234");
        assertThat(OceanBaseOracleTarget.splitHostPort("[fd00::7]:51234")).containsExactly("fd00::7", "51234");
        assertThat(OceanBaseOracleTarget.splitHostPort("appserver1")).containsExactly("appserver1", null);
        assertThat(OceanBaseOracleTarget.splitHostPort(null)).containsExactly(null, null);
    }

    @Test
    @DisplayName("id reused by another connection: identity re-check refuses, nothing sent")
    void reusedIdIsRefused() {
        long id = sim.obSession("APP", "10.1.1.7:51234", "Sleep", null);
        Session seen = target.snapshot().find(SessionRef.of(id)).orElseThrow();
        sim.obSessionAt(id, "APP", "10.1.1.9:60001", "Sleep", null); // new connection, same id
        KillResult r = target.execute(KillAction.TERMINATE, seen, Duration.ofSeconds(5));
        assertThat(r.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
        assertThat(sim.obExists(id)).isTrue();
        assertThat(sim.intercepted()).isEmpty();
    }

    @Test
    @DisplayName("cancel with KILL QUERY; a vanished id is ALREADY_GONE; IMMEDIATE is not offered")
    void cancelAndGone() {
        long busy = sim.obSession("APP", "10.1.1.8:40022", "Query", "SELECT * FROM big");
        Session s = target.snapshot().find(SessionRef.of(busy)).orElseThrow();
        KillResult c = killer().killOne(s.key(), KillRequest.of(KillAction.CANCEL));
        assertThat(c.outcome()).isEqualTo(KillOutcome.CANCELLED);
        assertThat(c.statement()).isEqualTo("KILL QUERY " + busy);
        assertThat(sim.obCommand(busy)).isEqualTo("Sleep");

        sim.obSessionAt(busy, "APP", "10.1.1.8:40022", "Sleep", null);
        Session again = target.snapshot().find(SessionRef.of(busy)).orElseThrow();
        sim.obSession("X", "h:1", "Sleep", null);
        // the session leaves before the kill
        KillResult gone = target.execute(KillAction.TERMINATE,
                Session.builder(new dev.sessionctl.model.SessionKey("ob", 0, 42, again.key().incarnation())).build(),
                Duration.ofSeconds(5));
        assertThat(gone.outcome()).isEqualTo(KillOutcome.ALREADY_GONE);
        assertThat(target.supportedActions()).containsExactly(KillAction.CANCEL, KillAction.TERMINATE);
    }

    @Test
    @DisplayName("without ALTER SYSTEM: REFUSED_PRIVILEGE")
    void withoutPrivilege() throws Exception {
        long id = sim.obSession("APP", "10.1.1.7:51234", "Sleep", null);
        try (OceanBaseOracleTarget viewer = (OceanBaseOracleTarget) new OceanBaseOracleDialect()
                .open(sim.connectOceanBase("VIEWER"), SPEC)) {
            Session s = viewer.snapshot().find(SessionRef.of(id)).orElseThrow();
            KillResult r = viewer.execute(KillAction.TERMINATE, s, Duration.ofSeconds(5));
            assertThat(r.outcome()).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
            assertThat(r.fix()).contains("GRANT ALTER SYSTEM");
        }
        assertThat(sim.obExists(id)).isTrue();
    }
}
