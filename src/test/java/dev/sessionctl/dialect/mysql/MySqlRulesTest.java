package dev.sessionctl.dialect.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionState;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Classification rules that need no server: thread kinds, states, error codes, server detection. */
class MySqlRulesTest {

    private static MySqlTargetConnection.Row row(String user, String command, String threadType) {
        return new MySqlTargetConnection.Row(7, user, "10.0.0.5:51234", "app", command, 3L, "", null, null, null,
                null, null, threadType, null, null, null);
    }

    @Test
    void sqlIdIsTheStatementDigestOnMySqlWithPerformanceSchemaOnly() {
        assertThat(MySqlTargetConnection.digestColumn(true, true))
                .contains("performance_schema.events_statements_current").contains("DIGEST")
                .contains("END_EVENT_ID IS NULL");
        assertThat(MySqlTargetConnection.digestColumn(true, false)).isEqualTo("NULL");
        assertThat(MySqlTargetConnection.digestColumn(false, true)).as("MariaDB / OceanBase").isEqualTo("NULL");
    }

    @Test
    void clientHostIsTheHostWithoutItsPort() {
        assertThat(MySqlTargetConnection.splitHostPort("10.1.2.3:51234")).containsExactly("10.1.2.3", "51234");
        assertThat(MySqlTargetConnection.splitHostPort("appserver1.example.com:3306")).containsExactly("appserver1.example.com", "3306");
        assertThat(MySqlTargetConnection.splitHostPort("localhost")).containsExactly("localhost", null);
        assertThat(MySqlTargetConnection.splitHostPort("::1:40312")).containsExactly("::1", "40312");
        assertThat(MySqlTargetConnection.splitHostPort("[::1]:40312")).containsExactly("::1", "40312");
        assertThat(MySqlTargetConnection.splitHostPort(null)).containsExactly(null, null);
    }

    @Test
    void threadKinds() {
        assertThat(MySqlTargetConnection.kindOf(row("repl", "Binlog Dump", null))).isEqualTo(SessionKind.REPLICATION);
        assertThat(MySqlTargetConnection.kindOf(row("repl", "Binlog Dump GTID", null))).isEqualTo(SessionKind.REPLICATION);
        assertThat(MySqlTargetConnection.kindOf(row("system user", "Slave_SQL", null))).isEqualTo(SessionKind.REPLICATION);
        assertThat(MySqlTargetConnection.kindOf(row("system user", "Connect", null))).isEqualTo(SessionKind.REPLICATION);
        assertThat(MySqlTargetConnection.kindOf(row("system user", "Query", null))).isEqualTo(SessionKind.SYSTEM);
        assertThat(MySqlTargetConnection.kindOf(row("event_scheduler", "Daemon", null))).isEqualTo(SessionKind.SYSTEM);
        assertThat(MySqlTargetConnection.kindOf(row(null, "Daemon", null))).isEqualTo(SessionKind.BACKGROUND);
        assertThat(MySqlTargetConnection.kindOf(row("x", "Sleep", "BACKGROUND"))).isEqualTo(SessionKind.BACKGROUND);
        assertThat(MySqlTargetConnection.kindOf(row("app", "Query", "FOREGROUND"))).isEqualTo(SessionKind.CLIENT);
    }

    @Test
    void daemonAndReplicationThreadsAreRefusedByTheGuards() {
        for (MySqlTargetConnection.Row r : List.of(row(null, "Daemon", null), row("repl", "Binlog Dump GTID", null),
                row("system user", "Query", null))) {
            Session s = Session.builder(new SessionKey("t", 0, r.id(), "0123456789ab")).user(r.user())
                    .kind(MySqlTargetConnection.kindOf(r)).build();
            Snapshot snap = new Snapshot("t", Engine.MYSQL, "8.0", Instant.EPOCH, List.of(s), Set.of());
            assertThat(GuardChain.standard(ProtectionPolicy.none()).check(s, snap))
                    .map(GuardChain.Refusal::guard).contains("not-a-client");
        }
    }

    @Test
    void states() {
        assertThat(MySqlTargetConnection.stateOf(row("app", "Killed", null), null, true)).isEqualTo(SessionState.TERMINATING);
        assertThat(MySqlTargetConnection.stateOf(row("app", "Sleep", null), null, true)).isEqualTo(SessionState.IDLE);
        assertThat(MySqlTargetConnection.stateOf(row("app", "Sleep", null), null, false)).isEqualTo(SessionState.UNKNOWN);
        assertThat(MySqlTargetConnection.stateOf(row("app", "Query", null), null, true)).isEqualTo(SessionState.ACTIVE);
        assertThat(MySqlTargetConnection.isMdlWaitState("Waiting for table metadata lock")).isTrue();
        assertThat(MySqlTargetConnection.isMdlWaitState("Waiting for schema metadata lock")).isTrue();
        assertThat(MySqlTargetConnection.isMdlWaitState("Waiting for global read lock")).isTrue();
        assertThat(MySqlTargetConnection.isObjectMdlWaitState("Waiting for global read lock")).isFalse();
        assertThat(MySqlTargetConnection.isMdlWaitState("Waiting for table level lock")).isFalse();
        assertThat(MySqlTargetConnection.isMdlWaitState("Sending data")).isFalse();
    }

    @Test
    void killErrorsByVendorCode() {
        assertThat(MySqlErrors.killOutcome(new SQLException("x", "HY000", 1094))).isEqualTo(KillOutcome.ALREADY_GONE);
        assertThat(MySqlErrors.killOutcome(new SQLException("x", "HY000", 1957))).isEqualTo(KillOutcome.NOTHING_TO_CANCEL);
        assertThat(MySqlErrors.killOutcome(new SQLException("x", "HY000", 1095))).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
        assertThat(MySqlErrors.killOutcome(new SQLException("x", "42000", 1227))).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
        assertThat(MySqlErrors.killOutcome(new SQLException("x", "42000", 1370))).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
        assertThat(MySqlErrors.killOutcome(new SQLException("x", "HY000", 2013))).isEqualTo(KillOutcome.CONNECTION_LOST);
        assertThat(MySqlErrors.killOutcome(new SQLNonTransientConnectionException("x", "08S01", 0)))
                .isEqualTo(KillOutcome.CONNECTION_LOST);
        assertThat(MySqlErrors.killOutcome(new SQLException("x", "HY000", 1064))).isEqualTo(KillOutcome.FAILED);
    }

    @Test
    void serverDetectionDoesNotTrustTheDriver() {
        ServerProbe maria = new ServerProbe("10.11.5-MariaDB", "MariaDB Server", false);
        assertThat(maria.isMariaDb()).isTrue();
        assertThat(maria.isMySql()).isFalse();
        assertThat(maria.majorMinor()).isEqualTo(1011);
        // MariaDB behind a proxy that rewrites VERSION() still says so in @@version_comment
        assertThat(new ServerProbe("5.5.5", "mariadb.org binary distribution", false).isMariaDb()).isTrue();
        ServerProbe ob = new ServerProbe("5.7.25-OceanBase-v4.2.1.0", "OceanBase 4.2.1.0 (r100000)", false);
        assertThat(ob.isOceanBase()).isTrue();
        assertThat(ob.isMySql()).isFalse();
        ServerProbe mysql = new ServerProbe("8.0.36", "MySQL Community Server - GPL", false);
        assertThat(mysql.isMySql()).isTrue();
        assertThat(mysql.majorMinor()).isEqualTo(800);
    }

    @Test
    void oceanbaseUrlIsServedByTheMariaDbDriver() {
        MySqlFamilyDialect d = new OceanBaseMySqlDialect();
        assertThat(d.acceptsUrl("jdbc:oceanbase://obproxy:2883/app")).isTrue();
        assertThat(d.driverUrl("jdbc:oceanbase://obproxy:2883/app")).isEqualTo("jdbc:mariadb://obproxy:2883/app");
        assertThat(d.driverUrl("jdbc:mysql://h:3306/app")).isEqualTo("jdbc:mysql://h:3306/app");
        assertThat(new MySqlDialect().acceptsUrl("jdbc:postgresql://h/db")).isFalse();
    }

    @Test
    void incarnationDigestIsShortHex() {
        assertThat(MySqlTargetConnection.digest("root\0127.0.0.1:5000\0\0")).matches("[0-9a-f]{12}")
                .isNotEqualTo(MySqlTargetConnection.digest("root\0127.0.0.1:5001\0\0"));
    }
}
