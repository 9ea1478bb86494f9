package dev.sessionctl.dialect.postgresql;

import dev.sessionctl.dialect.SqlErrors;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.OrphanTransaction;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetInfo;
import dev.sessionctl.target.TargetSpec;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * A PostgreSQL target over one JDBC connection. The connection runs in autocommit (every read is a
 * fresh view of pg_stat_activity), calls itself {@code sessionctl} and has a short statement_timeout
 * and lock_timeout, so the tool never queues behind the locks it is investigating.
 */
public final class PostgresTarget implements TargetConnection {

    /** Marks a session whose details this account may not see (no backend_start: no identity). */
    static final String HIDDEN_INCARNATION = "hidden";
    static final String APPLICATION_NAME = "sessionctl";
    /** Session attributes the termination engine reads (docs/termination.md). */
    public static final String ATTR_LOCKS_HELD = "locksHeld";
    public static final String ATTR_LOCK_COUNT = "lockCount";
    /** The terminate wait shown by {@link #statementFor(KillAction, Session)} (KillRequest's default). */
    static final Duration DEFAULT_TERMINATE_WAIT = Duration.ofSeconds(5);

    private static final String SQLSTATE_INSUFFICIENT_PRIVILEGE = "42501";
    private static final String SQLSTATE_QUERY_CANCELED = "57014";

    private final Connection connection;
    private final TargetSpec spec;
    private final int versionNum;
    private final String version;
    private final String currentUser;
    private final String currentUserQuoted;
    private final int ownPid;
    private final long statementTimeoutMs;
    /** Sessions this connection told to terminate that had not gone when last seen: shown as TERMINATING. */
    private final Set<SessionKey> terminateSent = new HashSet<>();
    private final TargetInfo info;

    PostgresTarget(Connection connection, TargetSpec spec) throws SQLException {
        this.connection = connection;
        this.spec = spec;
        this.statementTimeoutMs = parseMillis(spec, "statementTimeoutMs", 5000);
        long lockTimeoutMs = parseMillis(spec, "lockTimeoutMs", 1000);
        connection.setAutoCommit(true);
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT set_config('application_name', ?, false), set_config('statement_timeout', ?, false),"
                        + " set_config('lock_timeout', ?, false), current_setting('server_version_num')::int,"
                        + " current_setting('server_version'), current_user, quote_ident(current_user),"
                        + " pg_backend_pid()")) {
            ps.setString(1, APPLICATION_NAME);
            ps.setString(2, Long.toString(statementTimeoutMs));
            ps.setString(3, Long.toString(lockTimeoutMs));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                this.versionNum = rs.getInt(4);
                this.version = firstWord(rs.getString(5));
                this.currentUser = rs.getString(6);
                this.currentUserQuoted = rs.getString(7);
                this.ownPid = rs.getInt(8);
            }
        }
        this.info = new TargetInfo(spec.name(), Engine.POSTGRESQL, version, spec.redactedUrl(), currentUser, 1);
    }

    private static long parseMillis(TargetSpec spec, String option, long fallback) {
        String text = spec.option(option, Long.toString(fallback));
        try {
            long v = Long.parseLong(text.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new TargetException(TargetException.Kind.UNSUPPORTED, "invalid option " + option + " '" + text
                    + "' for target " + spec.name() + "; expected a whole number of milliseconds, e.g. 5000");
        }
    }

    @Override
    public TargetInfo info() {
        return info;
    }

    /** server_version_num, e.g. 160004. */
    public int serverVersionNum() {
        return versionNum;
    }

    // ---------------------------------------------------------------- reading

    @Override
    public Snapshot snapshot() {
        return read(null);
    }

    @Override
    public Snapshot snapshot(Collection<SessionRef> only) {
        return read(only);
    }

    private Snapshot read(Collection<SessionRef> only) {
        try (PreparedStatement ps = connection.prepareStatement(PostgresSql.snapshot(versionNum, only != null))) {
            if (only != null) {
                // a pid is an int4: larger ids cannot name a backend, so they are left out rather than wrapped
                Object[] pids = only.stream().filter(r -> r.sessionId() <= Integer.MAX_VALUE)
                        .map(r -> (int) r.sessionId()).toArray(Integer[]::new);
                ps.setArray(1, connection.createArrayOf("int4", pids));
            }
            List<Session> sessions = new ArrayList<>();
            Instant serverTime = null;
            Set<SessionRef> own = new LinkedHashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    serverTime = instant(rs, "server_time");
                    own.add(SessionRef.of(rs.getInt("own_pid")));
                    sessions.add(session(rs));
                }
            }
            if (serverTime == null) {
                serverTime = serverClock(); // a filtered read that matched nothing
            }
            forgetGoneTerminations(sessions, only);
            addHeldLocks(sessions, own);
            return new Snapshot(spec.name(), Engine.POSTGRESQL, version, serverTime, sessions, own);
        } catch (SQLException e) {
            throw SqlErrors.translate(e, "reading pg_stat_activity on " + spec.name());
        }
    }

    private Session session(ResultSet rs) throws SQLException {
        int pid = rs.getInt("pid");
        long incarnation = rs.getLong("incarnation");
        boolean hidden = rs.wasNull();
        SessionKey key = new SessionKey(spec.name(), 0, pid, hidden ? HIDDEN_INCARNATION : Long.toString(incarnation));
        String backendType = rs.getString("backend_type");
        String user = rs.getString("usename");
        String rawState = rs.getString("state");
        Session.Builder b = Session.builder(key)
                .user(user)
                .database(rs.getString("datname"))
                .state(terminateSent.contains(key) ? SessionState.TERMINATING : mapState(rawState))
                .clientHost(clientHost(rs))
                .program(rs.getString("application_name"))
                .logonTime(instant(rs, "backend_start"))
                .stateSince(instant(rs, "state_change"))
                .transactionStart(instant(rs, "xact_start"))
                .queryStart(instant(rs, "query_start"))
                .sqlText(hidden ? null : rs.getString("query"))
                .waitEventType(rs.getString("wait_event_type"))
                .waitEvent(rs.getString("wait_event"))
                .backendType(backendType)
                .serverProcess(Integer.toString(pid))
                .kind(hidden ? (user == null ? SessionKind.BACKGROUND : SessionKind.CLIENT) : mapKind(backendType));
        long queryId = rs.getLong("query_id");
        if (!rs.wasNull() && queryId != 0) {
            b.sqlId(Long.toString(queryId));
        }
        int leader = rs.getInt("leader_pid");
        if (!rs.wasNull() && leader != pid) {
            b.parent(SessionRef.of(leader));
        }
        Array blocking = rs.getArray("blocking_pids");
        if (blocking != null) {
            for (Object o : (Object[]) blocking.getArray()) {
                b.addBlocker(SessionRef.of(((Number) o).longValue()));
            }
        }
        if (hidden) {
            b.protectedReason("its details are hidden from " + currentUser
                    + " (no pg_read_all_stats), so its identity cannot be checked; fix: GRANT pg_read_all_stats TO "
                    + currentUserQuoted + ";");
        }
        if (rawState != null && !rawState.equals(mapState(rawState).label())) {
            b.attribute("pgState", rawState);
        }
        int port = rs.getInt("client_port");
        if (!rs.wasNull()) {
            b.attribute("clientPort", Integer.toString(port));
        }
        b.attribute("backendXid", rs.getString("backend_xid"));
        b.attribute("backendXmin", rs.getString("backend_xmin"));
        return b.build();
    }

    /**
     * {@code locksHeld} / {@code lockCount} for the backends that can hold locks that matter: those in
     * a transaction and those another backend waits for (not our own). One pg_locks aggregate for all
     * of them, and none when there is no such backend. Best effort: a failure leaves the attributes out.
     */
    private void addHeldLocks(List<Session> sessions, Set<SessionRef> own) {
        Set<SessionRef> blockers = new HashSet<>();
        sessions.forEach(s -> blockers.addAll(s.blockedBy()));
        List<Integer> pids = new ArrayList<>();
        for (Session s : sessions) {
            if (!own.contains(s.ref()) && (s.transactionStart() != null || blockers.contains(s.ref()))) {
                pids.add((int) s.sessionId());
            }
        }
        if (pids.isEmpty()) {
            return;
        }
        Map<Long, Map<String, Integer>> held = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(PostgresSql.HELD_LOCKS)) {
            ps.setArray(1, connection.createArrayOf("int4", pids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    held.computeIfAbsent((long) rs.getInt(1), p -> new TreeMap<>()).put(rs.getString(2), rs.getInt(3));
                }
            }
        } catch (SQLException e) {
            return; // autocommit: a failed read leaves nothing behind; the snapshot stands without the counts
        }
        for (int i = 0; i < sessions.size(); i++) {
            Map<String, Integer> types = held.get(sessions.get(i).sessionId());
            if (types != null) {
                int total = types.values().stream().mapToInt(Integer::intValue).sum();
                StringJoiner text = new StringJoiner(", ", total + " (", ")");
                types.forEach((type, n) -> text.add(type + " " + n));
                sessions.set(i, sessions.get(i).toBuilder().attribute(ATTR_LOCK_COUNT, Integer.toString(total))
                        .attribute(ATTR_LOCKS_HELD, text.toString()).build());
            }
        }
    }

    /**
     * Prepared transactions (pg_prepared_xacts): no session, yet they hold their locks until someone
     * runs COMMIT PREPARED or ROLLBACK PREPARED with their gid. Status {@code PREPARED}, size = locks held.
     */
    @Override
    public List<OrphanTransaction> orphanTransactions() {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(PostgresSql.PREPARED_XACTS)) {
            List<OrphanTransaction> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new OrphanTransaction(0, rs.getString("gid"), "PREPARED xid " + rs.getString("xid") + " by "
                        + rs.getString("owner") + " in " + rs.getString("database"), instant(rs, "prepared"),
                        rs.getLong("locks"), null));
            }
            return out;
        } catch (SQLException e) {
            throw SqlErrors.translate(e, "reading pg_prepared_xacts on " + spec.name());
        }
    }

    /** pg_stat_activity.state, including 'idle in transaction (aborted)': still holding its locks. */
    static SessionState mapState(String state) {
        if (state == null) {
            return SessionState.UNKNOWN;
        }
        return switch (state) {
            case "active", "fastpath function call" -> SessionState.ACTIVE;
            case "idle" -> SessionState.IDLE;
            case "idle in transaction", "idle in transaction (aborted)" -> SessionState.IDLE_IN_TRANSACTION;
            default -> SessionState.UNKNOWN; // 'disabled' (track_activities off)
        };
    }

    /** pg_stat_activity.backend_type: only 'client backend' is a client; replication and workers are told apart. */
    static SessionKind mapKind(String backendType) {
        if (backendType == null) {
            return SessionKind.BACKGROUND;
        }
        if (backendType.equals("client backend")) {
            return SessionKind.CLIENT;
        }
        if (backendType.equals("parallel worker")) {
            return SessionKind.PARALLEL_WORKER;
        }
        if (backendType.equals("walsender") || backendType.equals("walreceiver")
                || backendType.startsWith("logical replication")) {
            return SessionKind.REPLICATION;
        }
        return SessionKind.BACKGROUND;
    }

    private static String clientHost(ResultSet rs) throws SQLException {
        String name = rs.getString("client_hostname");
        if (name != null) {
            return name;
        }
        String addr = rs.getString("client_addr");
        if (addr != null) {
            return addr;
        }
        int port = rs.getInt("client_port");
        // client_port -1 means a Unix-domain socket; NULL means a server process
        return !rs.wasNull() && port == -1 ? "local" : null;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private Instant serverClock() throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    private void forgetGoneTerminations(List<Session> sessions, Collection<SessionRef> only) {
        if (terminateSent.isEmpty() || only != null) {
            return;
        }
        Set<SessionKey> present = new HashSet<>();
        sessions.forEach(s -> present.add(s.key()));
        terminateSent.retainAll(present);
    }

    @Override
    public Set<SessionRef> lockHolders(String table) {
        if (table == null || table.isBlank()) {
            throw new IllegalArgumentException("missing table name; expected table or schema.table");
        }
        try (PreparedStatement ps = connection.prepareStatement(PostgresSql.LOCK_HOLDERS)) {
            ps.setString(1, table);
            Set<SessionRef> holders = new LinkedHashSet<>();
            boolean found = false;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getLong(1);
                    found = !rs.wasNull();
                    int pid = rs.getInt(2);
                    if (!rs.wasNull()) {
                        holders.add(SessionRef.of(pid));
                    }
                }
            }
            if (!found) {
                // bad input, as the other dialects report a malformed name: exit 2, not a server error
                throw new IllegalArgumentException("no table '" + table
                        + "' visible to " + currentUser + " in the connected database of " + spec.name()
                        + "; expected table or schema.table (resolved with the connection's search_path)");
            }
            return holders;
        } catch (SQLException e) {
            throw SqlErrors.translate(e, "reading lock holders of '" + table + "' on " + spec.name());
        }
    }

    // ---------------------------------------------------------------- acting

    @Override
    public List<KillAction> supportedActions() {
        return List.of(KillAction.CANCEL, KillAction.TERMINATE);
    }

    @Override
    public String statementFor(KillAction action, Session victim) {
        return statementFor(action, victim, DEFAULT_TERMINATE_WAIT);
    }

    /** The statement {@link #execute} sends for this action, victim and terminate wait, with its values written in. */
    public String statementFor(KillAction action, Session victim, Duration timeout) {
        requireSupported(action);
        long incarnation = incarnationOf(victim);
        return PostgresSql.display(PostgresSql.signal(action, versionNum),
                PostgresSql.signalParameters(action, versionNum, victim.sessionId(), incarnation, timeout.toMillis(),
                        queryStartMicros(victim)));
    }

    @Override
    public KillResult execute(KillAction action, Session victim, Duration timeout) {
        requireSupported(action);
        SessionKey key = victim.key();
        long started = System.nanoTime();
        long incarnation;
        try {
            incarnation = incarnationOf(victim);
        } catch (IllegalArgumentException e) {
            return KillResult.of(key, action, KillOutcome.FAILED, null, e.getMessage());
        }
        if (victim.sessionId() > Integer.MAX_VALUE) {
            return KillResult.of(key, action, KillOutcome.FAILED, null, "invalid PostgreSQL pid " + victim.sessionId()
                    + "; expected a pid as listed by sessions (at most " + Integer.MAX_VALUE + "); nothing was done");
        }
        if (victim.sessionId() == ownPid) {
            // the guards already refuse this; the dialect refuses too, since ending it would cut our own line
            return KillResult.refusedByGuard(key, action, "own-connection", "pid " + ownPid
                    + " is sessionctl's own connection; nothing was done");
        }
        long timeoutMs = Math.max(0, timeout == null ? 0 : timeout.toMillis());
        String sql = PostgresSql.signal(action, versionNum);
        List<Long> params = PostgresSql.signalParameters(action, versionNum, victim.sessionId(), incarnation, timeoutMs,
                queryStartMicros(victim));
        String shown = PostgresSql.display(sql, params);
        boolean waits = action == KillAction.TERMINATE && PostgresSql.terminateWaits(versionNum) && timeoutMs > 0;
        KillResult result;
        try {
            if (waits) {
                setStatementTimeout(timeoutMs + statementTimeoutMs);
            }
            Signal signal = runSignal(sql, params, action == KillAction.CANCEL);
            result = classify(action, victim, incarnation, signal, shown, timeoutMs, started);
        } catch (SQLException e) {
            result = failure(action, victim, shown, e);
        } finally {
            if (waits) {
                restoreStatementTimeout();
            }
        }
        return result.withElapsed(Duration.ofNanos(System.nanoTime() - started));
    }

    /** The victim's statement start as the server wrote it (epoch microseconds); -1, matching nothing, when unknown. */
    private static long queryStartMicros(Session victim) {
        java.time.Instant q = victim.queryStart();
        return q == null ? -1 : Math.addExact(Math.multiplyExact(q.getEpochSecond(), 1_000_000L), q.getNano() / 1000L);
    }

    /** What the signal statement saw: no row, or the row's incarnation/type and the signal function's result. */
    private record Signal(boolean rowFound, Long incarnation, String backendType, String state, Long queryStart,
                          Boolean signalled) {
    }

    private Signal runSignal(String sql, List<Long> params, boolean withState) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                if (i == params.size() - 1) {
                    ps.setInt(i + 1, Math.toIntExact(params.get(i))); // the pid is an int4
                } else {
                    ps.setLong(i + 1, params.get(i));
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Signal(false, null, null, null, null, null);
                }
                long inc = rs.getLong("incarnation");
                Long incarnation = rs.wasNull() ? null : inc;
                String backendType = rs.getString("backend_type");
                boolean sig = rs.getBoolean("signalled");
                Boolean signalled = rs.wasNull() ? null : sig; // NULL: the CASE did not call the signal function
                Long queryStart = null;
                if (withState) {
                    long qs = rs.getLong("query_start");
                    queryStart = rs.wasNull() ? null : qs;
                }
                return new Signal(true, incarnation, backendType, withState ? rs.getString("state") : null, queryStart,
                        signalled);
            }
        }
    }

    private KillResult classify(KillAction action, Session victim, long incarnation, Signal s, String shown,
                                long timeoutMs, long started) throws SQLException {
        SessionKey key = victim.key();
        String pid = "pid " + victim.sessionId();
        if (!s.rowFound()) {
            return KillResult.of(key, action, KillOutcome.ALREADY_GONE, shown, pid + " is no longer a backend; nothing to do");
        }
        if (s.signalled() == null) {
            if (s.incarnation() == null) {
                return KillResult.of(key, action, KillOutcome.REFUSED_PRIVILEGE, shown, pid + " is hidden from "
                                + currentUser + " (no backend_start), so its identity cannot be checked; nothing was done")
                        .withFix("GRANT pg_read_all_stats TO " + currentUserQuoted + ";");
            }
            if (s.incarnation() != incarnation) {
                return KillResult.of(key, action, KillOutcome.IDENTITY_CHANGED, shown, pid
                        + " now belongs to another session (key " + victim.sessionId() + "," + s.incarnation()
                        + "); the session you named is gone; nothing was done");
            }
            boolean running = "active".equals(s.state()) || "fastpath function call".equals(s.state());
            if (action == KillAction.CANCEL && "client backend".equals(s.backendType()) && running) {
                // same session, running a statement that started after the one the user chose
                return KillResult.of(key, action, KillOutcome.NOTHING_TO_CANCEL, shown, "the statement of " + pid
                        + " that was seen has already ended; it now runs another one, which is left alone; nothing was"
                        + " done; the session stays connected and may still hold locks");
            }
            if (action == KillAction.CANCEL && "client backend".equals(s.backendType())) {
                // same session, but no statement running: the CASE did not send the cancel
                String state = s.state() == null ? "not running a statement" : s.state();
                return KillResult.of(key, action, KillOutcome.NOTHING_TO_CANCEL, shown, pid + " was not running a statement ("
                        + state + "); nothing to cancel, nothing was done; the session is still connected"
                        // an aborted transaction block has already released its locks; it waits for ROLLBACK
                        + (state.equals("idle in transaction (aborted)")
                                ? "; its transaction already failed and released its locks, it waits for the client's ROLLBACK"
                                : state.startsWith("idle in transaction")
                                ? " and still holds its transaction's locks: terminate it to release them"
                                : " and may still hold locks"));
            }
            return KillResult.refusedByGuard(key, action, "not-a-client", pid + " is a " + s.backendType()
                    + ", not a client backend; nothing was done");
        }
        boolean signalled = s.signalled();
        if (action == KillAction.CANCEL) {
            return signalled
                    ? KillResult.of(key, action, KillOutcome.CANCELLED, shown, "cancel request sent to " + pid
                            + "; its current statement stops, the session stays")
                    : KillResult.of(key, action, KillOutcome.ALREADY_GONE, shown, pid + " exited before it could be signalled");
        }
        if (PostgresSql.terminateWaits(versionNum) && timeoutMs > 0) {
            if (signalled) {
                return KillResult.of(key, action, KillOutcome.TERMINATED, shown, pid + " terminated and gone");
            }
            // false comes with a WARNING (SQLSTATE 01000) in two cases: the pid stopped being a backend before
            // the signal, or the backend did not exit within the wait. Tell them apart by looking again.
            if (stillThere(victim.sessionId(), incarnation)) {
                terminateSent.add(key);
                return KillResult.of(key, action, KillOutcome.TIMED_OUT, shown, pid + " was told to terminate but"
                        + " had not exited after " + timeoutMs + " ms; it may be rolling back; check again later");
            }
            boolean waitedFull = System.nanoTime() - started >= timeoutMs * 1_000_000L;
            return waitedFull
                    ? KillResult.of(key, action, KillOutcome.TERMINATED, shown, pid + " exited just after the "
                            + timeoutMs + " ms wait")
                    : KillResult.of(key, action, KillOutcome.ALREADY_GONE, shown, pid + " exited before it could be signalled");
        }
        if (!signalled) {
            return KillResult.of(key, action, KillOutcome.ALREADY_GONE, shown, pid + " exited before it could be signalled");
        }
        // PostgreSQL 12/13 (or no wait asked): the signal was sent; wait here for the backend to go.
        if (timeoutMs > 0 && awaitGone(victim.sessionId(), incarnation, timeoutMs, started)) {
            return KillResult.of(key, action, KillOutcome.TERMINATED, shown, pid + " terminated and gone");
        }
        terminateSent.add(key);
        return timeoutMs > 0
                ? KillResult.of(key, action, KillOutcome.TIMED_OUT, shown, pid + " was told to terminate but had not"
                        + " exited after " + timeoutMs + " ms; it may be rolling back; check again later")
                : KillResult.of(key, action, KillOutcome.MARKED_FOR_KILL, shown, pid
                        + " was told to terminate; not waiting for it to exit");
    }

    private boolean stillThere(long pid, long incarnation) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(PostgresSql.STILL_THERE)) {
            ps.setInt(1, Math.toIntExact(pid));
            ps.setLong(2, incarnation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private boolean awaitGone(long pid, long incarnation, long timeoutMs, long started) throws SQLException {
        long deadline = started + timeoutMs * 1_000_000L;
        long sleepMs = 10;
        while (stillThere(pid, incarnation)) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            sleepMs = Math.min(sleepMs * 2, 200);
        }
        return true;
    }

    /** Classifies by SQLSTATE: 42501 refused, 57014 our own statement timed out, connection classes lost. */
    private KillResult failure(KillAction action, Session victim, String shown, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        SessionKey key = victim.key();
        String what = action.label() + " of pid " + victim.sessionId();
        if (state.equals(SQLSTATE_INSUFFICIENT_PRIVILEGE)) {
            return KillResult.of(key, action, KillOutcome.REFUSED_PRIVILEGE, shown, "the server refused the " + what
                    + " to " + currentUser + ": " + SqlErrors.firstLine(e.getMessage()) + " [SQLSTATE 42501]")
                    .withFix(privilegeFix(victim)).withErrorCode(state);
        }
        if (state.equals(SQLSTATE_QUERY_CANCELED)) {
            return KillResult.of(key, action, KillOutcome.TIMED_OUT, shown, "the " + what
                    + " did not complete within sessionctl's statement_timeout [SQLSTATE 57014]").withErrorCode(state);
        }
        TargetException t = SqlErrors.translate(e, what);
        KillOutcome o = t.kind() == TargetException.Kind.CONNECTION_LOST || t.kind() == TargetException.Kind.UNREACHABLE
                ? KillOutcome.CONNECTION_LOST : KillOutcome.FAILED;
        return KillResult.of(key, action, o, shown, t.getMessage()).withErrorCode(t.errorCode());
    }

    /** The fix for 42501, tailored to who the victim runs as. */
    String privilegeFix(Session victim) {
        Boolean victimIsSuperuser = null;
        if (victim.user() != null) {
            try (PreparedStatement ps = connection.prepareStatement(PostgresSql.ROLE_IS_SUPERUSER)) {
                ps.setString(1, victim.user());
                try (ResultSet rs = ps.executeQuery()) {
                    victimIsSuperuser = rs.next() ? rs.getBoolean(1) : null;
                }
            } catch (SQLException ignored) {
                // the fix text falls back to listing every rule
            }
        }
        String grant = "GRANT pg_signal_backend TO " + currentUserQuoted + ";";
        String sameRole = "without it a role may end only sessions of roles whose privileges it has (same-role rule:"
                + " its own sessions, or those of a role it was granted)";
        String superRule = "only a superuser may cancel or terminate a superuser's session; pg_signal_backend does not cover them";
        if (Boolean.TRUE.equals(victimIsSuperuser)) {
            return superRule + "; connect as a superuser to end " + victim.user() + "'s session";
        }
        if (Boolean.FALSE.equals(victimIsSuperuser)) {
            return grant + " (lets " + currentUser + " end sessions of any non-superuser role; " + sameRole + ")";
        }
        return grant + " (" + sameRole + "; " + superRule + ")";
    }

    private void setStatementTimeout(long ms) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT set_config('statement_timeout', ?, false)")) {
            ps.setString(1, Long.toString(ms));
            ps.executeQuery().close();
        }
    }

    private void restoreStatementTimeout() {
        try {
            setStatementTimeout(statementTimeoutMs);
        } catch (SQLException ignored) {
            // the connection is failing; the action's own result already says so
        }
    }

    private static void requireSupported(KillAction action) {
        if (action != KillAction.CANCEL && action != KillAction.TERMINATE) {
            throw new IllegalArgumentException("action " + action + " is not available on PostgreSQL; available: cancel, terminate");
        }
    }

    private static long incarnationOf(Session victim) {
        String inc = victim.key().incarnation();
        try {
            return Long.parseLong(inc);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("session key " + victim.key().printable()
                    + " has no backend_start incarnation ('" + inc + "'); a PostgreSQL key is PID,BACKEND_START_MICROS"
                    + " as listed by sessions, e.g. 4711,1732280412345678; nothing was done");
        }
    }

    // ---------------------------------------------------------------- doctor

    @Override
    public DoctorReport doctor() {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(PostgresSql.account(versionNum))) {
            if (!rs.next()) {
                throw new TargetException(TargetException.Kind.SERVER_ERROR, "role " + currentUser + " not found in pg_roles");
            }
            boolean superuser = rs.getBoolean("rolsuper");
            boolean readAllStats = rs.getBoolean("read_all_stats");
            boolean signalBackend = rs.getBoolean("signal_backend");
            String trackActivities = rs.getString("track_activities");
            String computeQueryId = rs.getString("compute_query_id");
            String superSessions = rs.getString("superuser_sessions");
            String me = currentUserQuoted;
            List<DoctorReport.Item> items = new ArrayList<>();
            items.add(DoctorReport.Item.ok("server version", "PostgreSQL " + version + " (server_version_num "
                    + versionNum + "; supported: 12 to 17)" + (PostgresSql.terminateWaits(versionNum)
                    ? "; terminate waits for the backend to exit" : "; terminate cannot wait on 12/13: sessionctl polls")));
            items.add(DoctorReport.Item.ok("account", "connected as " + currentUser + (superuser ? " (superuser)" : "")));
            if (superuser || readAllStats) {
                items.add(DoctorReport.Item.ok("see all sessions", superuser ? "superuser" : "member of pg_read_all_stats"));
            } else {
                items.add(DoctorReport.Item.missing("see all sessions", "other roles' sessions show without query,"
                        + " state, times and backend_start, so they cannot be identified or ended safely",
                        "GRANT pg_read_all_stats TO " + me + ";  -- or GRANT pg_monitor TO " + me + ";"));
            }
            items.add(DoctorReport.Item.ok("end own role's sessions", "same-role rule: " + currentUser
                    + " may always cancel and terminate sessions running as " + currentUser
                    + " (or as a role whose privileges it has)"));
            if (superuser || signalBackend) {
                items.add(DoctorReport.Item.ok("end other roles' sessions", superuser ? "superuser"
                        : "member of pg_signal_backend (non-superuser sessions only)"));
            } else {
                items.add(DoctorReport.Item.missing("end other roles' sessions", "not a superuser and not a member of"
                        + " pg_signal_backend: the server refuses (SQLSTATE 42501)", "GRANT pg_signal_backend TO " + me + ";"));
            }
            if (superuser) {
                items.add(DoctorReport.Item.ok("end superusers' sessions", "superuser"));
            } else {
                items.add(DoctorReport.Item.warn("end superusers' sessions", "only a superuser may signal a superuser's"
                        + " session; no grant delegates it" + (superSessions == null ? ""
                        : "; superuser sessions now: " + superSessions), "connect as a superuser to end them"));
            }
            if (!"on".equalsIgnoreCase(trackActivities)) {
                items.add(DoctorReport.Item.warn("session activity", "track_activities is " + trackActivities
                        + ": states, queries and waits are not reported",
                        "ALTER SYSTEM SET track_activities = on; SELECT pg_reload_conf();"));
            }
            if (computeQueryId != null && "off".equalsIgnoreCase(computeQueryId)) {
                items.add(DoctorReport.Item.warn("SQL ids", "compute_query_id is off: sessions show no query_id",
                        "ALTER SYSTEM SET compute_query_id = on; SELECT pg_reload_conf();"));
            }
            return new DoctorReport(info, items);
        } catch (SQLException e) {
            throw SqlErrors.translate(e, "checking privileges on " + spec.name());
        }
    }

    @Override
    public Map<String, String> capabilities() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("serverVersionNum", Integer.toString(versionNum));
        m.put("cancel", "true");
        m.put("terminate", "true");
        m.put("terminateWaits", Boolean.toString(PostgresSql.terminateWaits(versionNum)));
        m.put("parallelLeader", Boolean.toString(versionNum >= PostgresSql.V13));
        m.put("queryId", Boolean.toString(versionNum >= PostgresSql.V14));
        m.put("lockHolders", "true");
        m.put("locksHeld", "pg_locks (granted, per backend in a transaction or blocking)");
        m.put("orphanTransactions", "pg_prepared_xacts");
        return m;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a broken connection: nothing left to release
        }
    }

    private static String firstWord(String s) {
        if (s == null) {
            return null;
        }
        int sp = s.indexOf(' ');
        return sp < 0 ? s : s.substring(0, sp);
    }
}
