package dev.sessionctl.dialect.postgresql;

import dev.sessionctl.kill.KillAction;
import java.util.List;

/**
 * Every statement the PostgreSQL dialect sends, chosen by server version. Kept apart from JDBC so
 * the version differences can be read (and tested) in one place.
 *
 * <ul>
 * <li>{@code pg_stat_activity.leader_pid}: 13+ (parallel worker to its leader)</li>
 * <li>{@code pg_stat_activity.query_id}: 14+ (filled when compute_query_id is on)</li>
 * <li>{@code pg_terminate_backend(pid, timeout)}: 14+ (waits for the backend to exit)</li>
 * </ul>
 */
final class PostgresSql {

    static final int V13 = 130000;
    static final int V14 = 140000;

    /**
     * A session's incarnation: backend_start in epoch microseconds. Always computed by the server,
     * the same way in the snapshot and in the kill statement, so the two always agree.
     */
    static final String INCARNATION = "(extract(epoch FROM a.backend_start) * 1000000)::bigint";
    static final String QUERY_START = "(extract(epoch FROM a.query_start) * 1000000)::bigint";

    private PostgresSql() {
    }

    /**
     * One row per backend, read in one statement with the server's clock and our own pid.
     * pg_blocking_pids takes the lock manager's shared state, so it is called only for rows whose
     * wait_event_type is 'Lock' (CASE evaluates its THEN branch only when the condition holds).
     *
     * @param onlySomePids add {@code WHERE a.pid = ANY(?)} (one int[] parameter)
     */
    static String snapshot(int versionNum, boolean onlySomePids) {
        return "SELECT a.pid, a.usename, a.datname, a.state, host(a.client_addr) AS client_addr, a.client_hostname,"
                + " a.client_port, a.application_name, a.backend_start, a.state_change, a.xact_start, a.query_start,"
                + " " + INCARNATION + " AS incarnation, a.wait_event_type, a.wait_event, a.backend_type, a.query,"
                + " a.backend_xid::text AS backend_xid, a.backend_xmin::text AS backend_xmin,"
                + (versionNum >= V13 ? " a.leader_pid," : " NULL::integer AS leader_pid,")
                + (versionNum >= V14 ? " a.query_id," : " NULL::bigint AS query_id,")
                + " CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocking_pids,"
                + " me.server_time, me.own_pid"
                + " FROM (SELECT clock_timestamp() AS server_time, pg_backend_pid() AS own_pid) AS me"
                + " CROSS JOIN pg_stat_activity AS a"
                + (onlySomePids ? " WHERE a.pid = ANY(?)" : "")
                + " ORDER BY a.pid";
    }

    /**
     * The one statement that acts: it re-reads the backend by pid, and calls the signal function
     * only when backend_start (as incarnation) and backend_type still match. No row: the pid is
     * gone. A row whose {@code signalled} is NULL: another session has the pid (or is not a client
     * backend, or is hidden from this account). Parameters, in order: incarnation (bigint),
     * [cancel on 14+: the statement's query_start in epoch microseconds (bigint)], [terminate timeout in ms
     * (bigint), 14+ only], pid (int).
     */
    static String signal(KillAction action, int versionNum) {
        // a cancel is sent only while the statement that was seen still runs: on an idle (in transaction)
        // session it would do nothing (the locks of an idle-in-transaction blocker stay), and a statement
        // started since then is not the one the user chose; the row tells which state and start it saw
        boolean cancel = action == KillAction.CANCEL;
        String running = cancel ? " AND a.state IN ('active', 'fastpath function call')"
                + (checksStatement(versionNum) ? " AND " + QUERY_START + " = ?" : "") : "";
        return "SELECT " + INCARNATION + " AS incarnation, a.backend_type,"
                + (cancel ? " a.state, " + QUERY_START + " AS query_start," : "")
                + " CASE WHEN " + INCARNATION + " = ? AND a.backend_type = 'client backend'" + running
                + " THEN " + signalCall(action, versionNum) + " END AS signalled"
                + " FROM pg_stat_activity AS a WHERE a.pid = ?";
    }

    /**
     * A cancel also checks that the statement seen still runs (same query_start) on 14+, where
     * extract(epoch ...) is an exact numeric; on 12/13 it is a float8 that can be off by a microsecond.
     */
    static boolean checksStatement(int versionNum) {
        return versionNum >= V14;
    }

    static boolean terminateWaits(int versionNum) {
        return versionNum >= V14;
    }

    private static String signalCall(KillAction action, int versionNum) {
        return switch (action) {
            case CANCEL -> "pg_cancel_backend(a.pid)";
            case TERMINATE -> terminateWaits(versionNum) ? "pg_terminate_backend(a.pid, ?)" : "pg_terminate_backend(a.pid)";
            default -> throw new IllegalArgumentException("action " + action + " has no PostgreSQL statement");
        };
    }

    /** The parameters of {@link #signal}, in order ({@code queryStartMicros} is used by cancel only). */
    static List<Long> signalParameters(KillAction action, int versionNum, long pid, long incarnation, long timeoutMs,
                                       long queryStartMicros) {
        if (action == KillAction.CANCEL) {
            return checksStatement(versionNum) ? List.of(incarnation, queryStartMicros, pid) : List.of(incarnation, pid);
        }
        return action == KillAction.TERMINATE && terminateWaits(versionNum)
                ? List.of(incarnation, timeoutMs, pid) : List.of(incarnation, pid);
    }

    /** The statement with its parameters written in, for people (--dry-run, the audit trail). Numbers only. */
    static String display(String sql, List<Long> parameters) {
        StringBuilder out = new StringBuilder(sql.length() + 40);
        int p = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '?') {
                out.append(parameters.get(p++).longValue());
            } else {
                out.append(c);
            }
        }
        if (p != parameters.size()) {
            throw new IllegalStateException("statement has " + p + " placeholders, " + parameters.size() + " values");
        }
        return out.toString();
    }

    /** Is the session (same pid and incarnation) still there? Parameters: pid, incarnation. */
    static final String STILL_THERE = "SELECT 1 FROM pg_stat_activity AS a WHERE a.pid = ? AND " + INCARNATION + " = ?";

    /**
     * Sessions holding a granted lock on a relation of the current database; one row with a NULL oid when
     * the name resolves to nothing. Parameter: the table name, resolved by to_regclass(text) (9.6+) with
     * the connection's search_path, never spliced into the SQL.
     */
    static final String LOCK_HOLDERS = "SELECT r.oid, l.pid FROM (SELECT to_regclass(?)::oid AS oid) AS r"
                + " LEFT JOIN pg_locks AS l ON l.locktype = 'relation' AND l.granted AND l.relation = r.oid"
                + " AND l.database = (SELECT d.oid FROM pg_database AS d WHERE d.datname = current_database())"
                + " AND l.pid IS NOT NULL";

    /**
     * Granted locks per backend and lock type, for the given backends only (one int[] parameter). One
     * statement per snapshot: pg_locks reads the whole lock table once (pg_lock_status), so it is
     * never queried per session, and only when some backend is in a transaction or blocks another.
     */
    static final String HELD_LOCKS = "SELECT l.pid, l.locktype, count(*) AS n FROM pg_locks AS l"
            + " WHERE l.granted AND l.pid = ANY(?) GROUP BY l.pid, l.locktype ORDER BY l.pid, l.locktype";

    /**
     * Prepared transactions (PREPARE TRANSACTION): they outlive their session and keep their locks until
     * COMMIT PREPARED / ROLLBACK PREPARED. pg_locks lists their locks with a NULL pid, under the virtual
     * transaction id of the backend that prepared them (seen on 16: "3/7", not a fixed form), so the
     * locks are found through the transactionid lock the prepared transaction holds on its own xid.
     * The lock table is read once (a CTE referenced twice is materialized).
     */
    static final String PREPARED_XACTS = "WITH l AS (SELECT locktype, virtualtransaction, transactionid, granted"
            + " FROM pg_locks WHERE pid IS NULL)"
            + " SELECT p.gid, p.transaction::text AS xid, p.prepared, p.owner, p.database,"
            + " (SELECT count(*) FROM l AS own JOIN l AS x ON x.virtualtransaction = own.virtualtransaction AND x.granted"
            + "   WHERE own.locktype = 'transactionid' AND own.transactionid = p.transaction) AS locks"
            + " FROM pg_prepared_xacts AS p ORDER BY p.prepared";

    /** Who we are and what we may do; one row. */
    static String account(int versionNum) {
        return "SELECT current_user AS me, quote_ident(current_user) AS me_quoted, r.rolsuper,"
                + " pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,"
                + " pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS signal_backend,"
                + " current_setting('track_activities') AS track_activities,"
                + (versionNum >= V14 ? " current_setting('compute_query_id') AS compute_query_id," : " NULL AS compute_query_id,")
                + " (SELECT string_agg(DISTINCT a.usename, ', ') FROM pg_stat_activity AS a"
                + "   JOIN pg_roles AS s ON s.rolname = a.usename"
                + "   WHERE s.rolsuper AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid())"
                + "   AS superuser_sessions"
                + " FROM pg_roles AS r WHERE r.rolname = current_user";
    }

    static final String ROLE_IS_SUPERUSER = "SELECT r.rolsuper FROM pg_roles AS r WHERE r.rolname = ?";
}
