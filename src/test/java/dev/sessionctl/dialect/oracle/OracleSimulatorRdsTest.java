package dev.sessionctl.dialect.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.dialect.oracle.sim.OracleSimulator;
import dev.sessionctl.dialect.oracle.sim.OracleSimulator.SimSession;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** SIMULATOR TESTS: Amazon RDS for Oracle (rdsadmin.rdsadmin_util) and the self-service procedure. */
@Tag("simulator")
@DisplayName("Oracle on Amazon RDS and the self-service wrapper [simulator]")
class OracleSimulatorRdsTest {

    OracleSimulator sim;

    @BeforeEach
    void start() {
        sim = new OracleSimulator(1).rds(true);
        // the RDS master user: no ALTER SYSTEM, EXECUTE on rdsadmin, dictionary access
        sim.grant("ADMIN", "EXECUTE RDSADMIN.RDSADMIN_UTIL").grant("ADMIN", "SELECT ANY DICTIONARY");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    static SessionKey key(SimSession s) {
        return SessionKey.parse("orcl", s.key());
    }

    static TargetSpec spec(Map<String, String> options) {
        return new TargetSpec("orcl", "jdbc:oracle:thin:@//rds:1521/ORCL", "admin", null, options, null);
    }

    OracleTarget openRds(String user) throws Exception {
        Connection c = sim.connect(user, 1);
        OracleRdsDialect d = new OracleRdsDialect();
        assertThat(d.matches(c, spec(Map.of()))).as("RDS detected from RDSADMIN.RDSADMIN_UTIL").isTrue();
        return (OracleTarget) d.open(c, spec(Map.of()));
    }

    @Test
    @DisplayName("detected, or chosen by variant: rds; not chosen when variant: standard")
    void detection() throws Exception {
        try (Connection c = sim.connect("ADMIN", 1)) {
            assertThat(new OracleRdsDialect().matches(c, spec(Map.of("variant", "standard")))).isFalse();
            assertThat(new OracleRdsDialect().matches(c, spec(Map.of("variant", "rds")))).isTrue();
        }
        try (OracleSimulator plain = new OracleSimulator(1); Connection c = plain.connect("ADMIN", 1)) {
            assertThat(new OracleRdsDialect().matches(c, spec(Map.of()))).isFalse();
            assertThat(new OracleRdsDialect().priority()).isGreaterThan(new OracleDialect().priority());
        }
    }

    @Test
    @DisplayName("kill / disconnect / cancel / PROCESS go through rdsadmin with bound parameters")
    void rdsadminCalls() throws Exception {
        try (OracleTarget rds = openRds("ADMIN")) {
            assertThat(rds.info().engine()).isEqualTo(Engine.ORACLE_RDS);
            assertThat(rds.killMethod()).isEqualTo(KillMethod.RDSADMIN);
            SessionKiller killer = new SessionKiller(rds, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);

            SimSession a = sim.session(1, "APP");
            sim.runs(a, "8vu7s907prbgr", "SELECT * FROM big");
            KillResult r = killer.killOne(key(a), KillRequest.of(KillAction.TERMINATE_IMMEDIATE));
            assertThat(r.outcome()).isEqualTo(KillOutcome.TERMINATED);
            assertThat(r.statement()).isEqualTo("BEGIN rdsadmin.rdsadmin_util.kill(sid => " + a.sid() + ", serial => "
                    + a.serial() + ", method => 'IMMEDIATE'); END;");
            assertThat(sim.intercepted()).last().isEqualTo("rdsadmin.rdsadmin_util.kill(" + a.sid() + ", " + a.serial() + ", IMMEDIATE)");
            assertThat(sim.status(a)).isNull();

            SimSession big = sim.session(1, "BATCH");
            sim.transaction(big, 2000);
            KillResult marked = killer.killOne(key(big), KillRequest.of(KillAction.TERMINATE));
            assertThat(marked.outcome()).isEqualTo(KillOutcome.MARKED_FOR_KILL);
            assertThat(marked.errorCode()).isEqualTo("ORA-00031");

            SimSession inTx = sim.session(1, "APP");
            sim.transaction(inTx, 5);
            KillResult post = killer.killOne(key(inTx), KillRequest.of(KillAction.DISCONNECT_POST_TRANSACTION));
            assertThat(post.outcome()).isEqualTo(KillOutcome.MARKED_FOR_KILL);
            assertThat(sim.intercepted()).last().asString().contains("disconnect").contains("POST_TRANSACTION");

            SimSession runner = sim.session(1, "APP");
            sim.runs(runner, "3tfmdd4xagv3y", "SELECT * FROM huge");
            KillResult cancel = killer.killOne(key(runner), KillRequest.of(KillAction.CANCEL));
            assertThat(cancel.outcome()).isEqualTo(KillOutcome.CANCELLED);
            assertThat(cancel.statement()).contains("rdsadmin_util.cancel").contains("sql_id => '3tfmdd4xagv3y'");

            SimSession stuck = sim.session(1, "APP");
            assertThat(rds.supportedActions()).contains(KillAction.OS_KILL);
            KillResult process = killer.killOne(key(stuck), KillRequest.of(KillAction.OS_KILL));
            assertThat(process.outcome()).isEqualTo(KillOutcome.TERMINATED);
            assertThat(process.statement()).contains("method => 'PROCESS'");
        }
    }

    @Test
    @DisplayName("without EXECUTE on rdsadmin: REFUSED_PRIVILEGE with the fix; doctor says so")
    void withoutExecute() throws Exception {
        sim.grant("VIEWER", "SELECT ANY DICTIONARY");
        SimSession a = sim.session(1, "APP");
        try (OracleTarget viewer = (OracleTarget) new OracleRdsDialect().open(sim.connect("VIEWER", 1), spec(Map.of()))) {
            KillResult r = new SessionKiller(viewer, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE)
                    .killOne(key(a), KillRequest.of(KillAction.TERMINATE));
            assertThat(r.outcome()).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
            assertThat(r.fix()).contains("GRANT EXECUTE ON rdsadmin.rdsadmin_util");
        }
        assertThat(sim.status(a)).isEqualTo("INACTIVE");
    }

    @Test
    @DisplayName("plain Oracle dialect on RDS: doctor points to variant: rds")
    void doctorPointsToRdsVariant() throws Exception {
        try (OracleTarget plain = (OracleTarget) new OracleDialect().open(sim.connect("ADMIN", 1), spec(Map.of()))) {
            DoctorReport d = plain.doctor();
            assertThat(d.checks()).anySatisfy(i -> {
                assertThat(i.name()).isEqualTo("Amazon RDS");
                assertThat(i.status()).isEqualTo(DoctorReport.Status.MISSING);
                assertThat(i.fix()).contains("variant: rds");
            });
        }
    }

    @Test
    @DisplayName("self-service procedure: ends the caller's own user's sessions only")
    void selfService() throws Exception {
        OracleSimulator s = new OracleSimulator(1).installSelfService("APPADM.KILL_MY_SESSION", "APPADM");
        try (s) {
            s.grant("DEV", "EXECUTE APPADM.KILL_MY_SESSION").grantRole("DEV", "SELECT_CATALOG_ROLE");
            SimSession mine = s.session(1, "DEV");
            s.runs(mine, "8vu7s907prbgr", "SELECT * FROM big");
            SimSession theirs = s.session(1, "OTHER");
            TargetSpec spec = spec(Map.of("selfServiceProcedure", "appadm.kill_my_session", "variant", "standard"));
            try (OracleTarget dev = (OracleTarget) new OracleDialect().open(s.connect("DEV", 1), spec)) {
                assertThat(dev.killMethod()).isEqualTo(KillMethod.SELF_SERVICE);
                assertThat(dev.supportedActions()).containsExactly(KillAction.TERMINATE, KillAction.TERMINATE_IMMEDIATE);
                SessionKiller killer = new SessionKiller(dev, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);

                KillResult ok = killer.killOne(key(mine), KillRequest.of(KillAction.TERMINATE));
                assertThat(ok.outcome()).isEqualTo(KillOutcome.TERMINATED);
                assertThat(ok.statement()).isEqualTo("BEGIN APPADM.KILL_MY_SESSION(p_sid => " + mine.sid() + ", p_serial => "
                        + mine.serial() + ", p_immediate => 0); END;");
                assertThat(s.status(mine)).isNull();

                KillResult notMine = killer.killOne(key(theirs), KillRequest.of(KillAction.TERMINATE));
                assertThat(notMine.outcome()).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
                assertThat(notMine.errorCode()).isEqualTo("ORA-20031");
                assertThat(s.status(theirs)).isEqualTo("INACTIVE");

                assertThat(killer.killOne(key(theirs), KillRequest.of(KillAction.DISCONNECT_IMMEDIATE)).outcome())
                        .isEqualTo(KillOutcome.FAILED); // not available through the wrapper
                assertThat(dev.doctor().checks()).anySatisfy(i -> {
                    assertThat(i.name()).isEqualTo("end own sessions (self-service)");
                    assertThat(i.status()).isEqualTo(DoctorReport.Status.OK);
                });
            }
        }
    }
}
