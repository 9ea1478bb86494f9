package dev.sessionctl.dialect.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The version-dependent SQL and the mappings, without a server (versions other than the embedded one). */
class PostgresSqlTest {

    @Test
    void snapshotColumnsFollowTheServerVersion() {
        String v12 = PostgresSql.snapshot(120017, false);
        assertThat(v12).contains("NULL::integer AS leader_pid").contains("NULL::bigint AS query_id")
                .doesNotContain("a.leader_pid,").doesNotContain("a.query_id,").doesNotContain("ANY(?)");
        String v13 = PostgresSql.snapshot(130013, false);
        assertThat(v13).contains("a.leader_pid,").contains("NULL::bigint AS query_id");
        String v14 = PostgresSql.snapshot(140010, true);
        assertThat(v14).contains("a.leader_pid,").contains("a.query_id,").contains("WHERE a.pid = ANY(?)");
        for (String sql : List.of(v12, v13, v14)) {
            assertThat(sql).contains("CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END")
                    .contains("clock_timestamp()").contains("pg_backend_pid()");
            // pg_blocking_pids appears only inside the Lock-wait CASE
            assertThat(sql.split("pg_blocking_pids", -1)).hasSize(2);
        }
    }

    @Test
    void terminateWaitsOnlyFrom14() {
        assertThat(PostgresSql.signal(KillAction.TERMINATE, 130000)).contains("pg_terminate_backend(a.pid) END");
        assertThat(PostgresSql.signal(KillAction.TERMINATE, 140000)).contains("pg_terminate_backend(a.pid, ?) END");
        assertThat(PostgresSql.signal(KillAction.CANCEL, 170000)).contains("pg_cancel_backend(a.pid) END");
        // a cancel is sent only while a statement runs, never to an idle (in transaction) session
        assertThat(PostgresSql.signal(KillAction.CANCEL, 170000)).contains("AND a.state IN ('active', 'fastpath function call')");
        assertThat(PostgresSql.signal(KillAction.TERMINATE, 170000)).doesNotContain("a.state");
        assertThat(PostgresSql.signalParameters(KillAction.TERMINATE, 140000, 4711, 99, 5000, 7)).containsExactly(99L, 5000L, 4711L);
        assertThat(PostgresSql.signalParameters(KillAction.TERMINATE, 130000, 4711, 99, 5000, 7)).containsExactly(99L, 4711L);
        // a cancel names the statement too (its query_start) where the server computes it exactly
        assertThat(PostgresSql.signalParameters(KillAction.CANCEL, 170000, 4711, 99, 5000, 7)).containsExactly(99L, 7L, 4711L);
        assertThat(PostgresSql.signalParameters(KillAction.CANCEL, 130000, 4711, 99, 5000, 7)).containsExactly(99L, 4711L);
        assertThat(PostgresSql.signal(KillAction.CANCEL, 170000)).contains("(extract(epoch FROM a.query_start) * 1000000)::bigint = ?");
        assertThat(PostgresSql.signal(KillAction.CANCEL, 130000)).doesNotContain("a.query_start) * 1000000)::bigint = ?");
        assertThatThrownBy(() -> PostgresSql.signal(KillAction.OS_KILL, 160000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSignalStatementChecksPidIncarnationAndClientBackendTogether() {
        String sql = PostgresSql.signal(KillAction.TERMINATE, 160000);
        assertThat(sql).contains("CASE WHEN " + PostgresSql.INCARNATION + " = ? AND a.backend_type = 'client backend'"
                + " THEN pg_terminate_backend(a.pid, ?) END").endsWith("WHERE a.pid = ?");
        assertThat(PostgresSql.display(sql, List.of(1732280412345678L, 5000L, 4711L)))
                .contains("= 1732280412345678 AND").contains("pg_terminate_backend(a.pid, 5000)")
                .endsWith("WHERE a.pid = 4711").doesNotContain("?");
        assertThatThrownBy(() -> PostgresSql.display(sql, List.of(1L))).isInstanceOf(RuntimeException.class);
    }

    @Test
    void lockHoldersBindTheTableNameAsAParameter() {
        assertThat(PostgresSql.LOCK_HOLDERS).contains("to_regclass(?)").contains("l.granted")
                .contains("l.locktype = 'relation'");
    }

    @Test
    void statesMapIncludingAbortedTransactions() {
        assertThat(PostgresTarget.mapState("active")).isEqualTo(SessionState.ACTIVE);
        assertThat(PostgresTarget.mapState("fastpath function call")).isEqualTo(SessionState.ACTIVE);
        assertThat(PostgresTarget.mapState("idle")).isEqualTo(SessionState.IDLE);
        assertThat(PostgresTarget.mapState("idle in transaction")).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        assertThat(PostgresTarget.mapState("idle in transaction (aborted)")).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        assertThat(PostgresTarget.mapState("disabled")).isEqualTo(SessionState.UNKNOWN);
        assertThat(PostgresTarget.mapState(null)).isEqualTo(SessionState.UNKNOWN);
    }

    @Test
    void onlyClientBackendsAreClients() {
        assertThat(PostgresTarget.mapKind("client backend")).isEqualTo(SessionKind.CLIENT);
        assertThat(PostgresTarget.mapKind("parallel worker")).isEqualTo(SessionKind.PARALLEL_WORKER);
        assertThat(PostgresTarget.mapKind("walsender")).isEqualTo(SessionKind.REPLICATION);
        assertThat(PostgresTarget.mapKind("walreceiver")).isEqualTo(SessionKind.REPLICATION);
        assertThat(PostgresTarget.mapKind("logical replication launcher")).isEqualTo(SessionKind.REPLICATION);
        assertThat(PostgresTarget.mapKind("logical replication apply worker")).isEqualTo(SessionKind.REPLICATION);
        for (String t : List.of("autovacuum launcher", "autovacuum worker", "checkpointer", "background writer",
                "walwriter", "startup", "archiver", "pg_cron scheduler", "io worker")) {
            assertThat(PostgresTarget.mapKind(t)).as(t).isEqualTo(SessionKind.BACKGROUND);
        }
        assertThat(PostgresTarget.mapKind(null)).isEqualTo(SessionKind.BACKGROUND);
    }

    @Test
    void dialectAcceptsPostgresUrlsAndVersions12To17() {
        PostgresDialect d = new PostgresDialect();
        assertThat(d.name()).isEqualTo("postgresql");
        assertThat(d.acceptsUrl("jdbc:postgresql://db:5432/app")).isTrue();
        assertThat(d.acceptsUrl("jdbc:postgresql:app")).isTrue();
        assertThat(d.acceptsUrl("jdbc:mysql://db/app")).isFalse();
        assertThat(d.acceptsUrl("postgresql://db/app")).isFalse();
        assertThat(d.acceptsUrl(null)).isFalse();
        assertThat(PostgresDialect.isSupportedVersion(110022)).isFalse();
        assertThat(PostgresDialect.isSupportedVersion(120000)).isTrue();
        assertThat(PostgresDialect.isSupportedVersion(170006)).isTrue();
        assertThat(PostgresDialect.isSupportedVersion(180000)).isFalse();
    }
}
