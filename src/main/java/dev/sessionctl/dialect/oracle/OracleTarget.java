package dev.sessionctl.dialect.oracle;

import dev.sessionctl.dialect.SqlErrors;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.OrphanTransaction;
import dev.sessionctl.model.RollbackProgress;
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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * An Oracle database (single instance or RAC, on premises or Amazon RDS) seen through one JDBC
 * connection. Reads V$SESSION (GV$SESSION with INST_ID when the database has more than one instance:
 * counted once, when the connection opens, because every GV$ query starts a parallel process on each
 * instance) joined with V$PROCESS, V$TRANSACTION, V$SQL and V$PX_SESSION; ends sessions with ALTER
 * SYSTEM, the rdsadmin procedures or the self-service procedure, per {@link KillMethod}.
 *
 * <p>Identity: ALTER SYSTEM KILL / DISCONNECT / CANCEL and the rdsadmin procedures all carry the
 * SERIAL#, and V$SESSION.SERIAL# "guarantees that session-level commands are applied to the correct
 * session objects if the session ends and another session begins with the same session ID"
 * (Oracle Database Reference, V$SESSION). A wrong SERIAL# is answered with ORA-00030 and nothing is
 * done, so the identity re-check happens inside the very statement that acts.
 */
public class OracleTarget implements TargetConnection {

    private static final Pattern TABLE_NAME =
            Pattern.compile("(?:([A-Za-z][A-Za-z0-9_$#]{0,127})\\.)?([A-Za-z][A-Za-z0-9_$#]{0,127})");
    /** Session attributes the termination engine reads (docs/termination.md) and this dialect fills. */
    public static final String ATTR_THREADED = "threadedExecution";
    public static final String ATTR_DISTRIBUTED = "distributedTransaction";
    public static final String ATTR_DISTRIBUTED_STATE = "distributedTransactionState";
    public static final String ATTR_DISTRIBUTED_ADVICE = "distributedTransactionAdvice";
    public static final String ATTR_LOCAL_TRANSACTION = "localTransactionId";
    public static final String ATTR_LOCKS_HELD = "locksHeld";
    public static final String ATTR_LOCK_COUNT = "lockCount";
    public static final String ATTR_WAIT_SECONDS = "waitSeconds";
    public static final String ATTR_OS_WAIT = "osWait";
    /** Lock types held by applications (V$LOCK: TM DML, TX transaction, UL user) plus DX, the distributed transaction entry. */
    private static final String HELD_LOCKS_SQL_TYPES = "'TM', 'TX', 'UL', 'DX'";

    private static final DateTimeFormatter TX_START = DateTimeFormatter.ofPattern("MM/dd/yy HH:mm:ss", Locale.ROOT);

    private final Connection connection;
    private final TargetSpec spec;
    private final Engine engine;
    private final KillMethod method;
    private final String procedure;
    private final long ownSid;
    private final int ownInstance;
    private final String ownUser;
    private final int instances;
    private final int majorVersion;
    private final String versionText;
    private final boolean rdsDetected;
    private final TargetInfo info;
    private final RollbackProgress rollback = new RollbackProgress();

    /**
     * @param procedure the self-service procedure when {@code method == SELF_SERVICE}, else null
     */
    public OracleTarget(Connection connection, TargetSpec spec, Engine engine, KillMethod method, String procedure) {
        this.connection = connection;
        this.spec = spec;
        this.engine = engine;
        this.method = method;
        this.procedure = method == KillMethod.SELF_SERVICE ? OracleStatements.validProcedureName(procedure) : null;
        try {
            connection.setAutoCommit(true);
            try (Statement st = connection.createStatement();
                 ResultSet rs = st.executeQuery("SELECT SYS_CONTEXT('USERENV', 'SID'), SYS_CONTEXT('USERENV', 'INSTANCE'),"
                         + " SYS_CONTEXT('USERENV', 'SESSION_USER') FROM DUAL")) {
                rs.next();
                ownSid = Long.parseLong(rs.getString(1).trim());
                ownInstance = Integer.parseInt(rs.getString(2).trim());
                ownUser = rs.getString(3);
            }
            instances = countInstances(connection);
            String v = readVersion(connection);
            versionText = v;
            majorVersion = parseMajor(v);
            rdsDetected = rdsadminVisible(connection);
        } catch (SQLException e) {
            throw OracleErrors.translate(e, "opening Oracle target " + spec.name());
        }
        this.info = new TargetInfo(spec.name(), engine, versionText, spec.redactedUrl(), ownUser, instances);
    }

    // ---------------------------------------------------------------- facts read once per connection

    /** GV$INSTANCE once per connection, not per poll. Without the privilege, assume one instance. */
    static int countInstances(Connection c) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM GV$INSTANCE")) {
            rs.next();
            return Math.max(1, rs.getInt(1));
        } catch (SQLException e) {
            return 1;
        }
    }

    static String readVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT VERSION FROM V$INSTANCE")) {
            if (rs.next() && rs.getString(1) != null) {
                return rs.getString(1);
            }
        } catch (SQLException e) {
            // V$INSTANCE not readable: the driver still knows the version
        }
        return c.getMetaData().getDatabaseMajorVersion() + "." + c.getMetaData().getDatabaseMinorVersion();
    }

    static int parseMajor(String version) {
        try {
            return Integer.parseInt(version.trim().split("\\.")[0]);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Amazon RDS for Oracle installs the RDSADMIN.RDSADMIN_UTIL package; its presence is the signature. */
    static boolean rdsadminVisible(Connection c) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT COUNT(*) FROM ALL_OBJECTS WHERE OWNER = 'RDSADMIN' AND OBJECT_NAME = 'RDSADMIN_UTIL'")) {
            return rs.next() && rs.getInt(1) > 0;
        } catch (SQLException e) {
            return false;
        }
    }

    public boolean isRac() {
        return instances > 1;
    }

    public int ownInstance() {
        return ownInstance;
    }

    public long ownSid() {
        return ownSid;
    }

    public KillMethod killMethod() {
        return method;
    }

    public boolean cancelSqlAvailable() {
        return method == KillMethod.RDSADMIN ? majorVersion >= 19 : method == KillMethod.ALTER_SYSTEM && majorVersion >= 18;
    }

    @Override
    public TargetInfo info() {
        return info;
    }

    @Override
    public Map<String, String> capabilities() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("version", versionText);
        m.put("instances", Integer.toString(instances));
        m.put("rac", Boolean.toString(isRac()));
        m.put("ownInstance", Integer.toString(ownInstance));
        m.put("killMethod", method.label() + (procedure == null ? "" : ":" + procedure));
        m.put("cancelSql", Boolean.toString(cancelSqlAvailable()));
        m.put("killInstanceQualifier", Boolean.toString(isRac()));
        m.put("disconnectOnOwningInstanceOnly", "true");
        m.put("rdsadminDetected", Boolean.toString(rdsDetected));
        m.put("lockHolders", "true");
        m.put("rollbackProgress", "true");
        return m;
    }

    // ---------------------------------------------------------------- snapshot

    private String view(String name) {
        return isRac() ? "GV$" + name : "V$" + name;
    }

    /** Same-instance join condition on GV$ views; nothing on V$ views. */
    private String sameInst(String alias) {
        return isRac() ? " AND " + alias + ".INST_ID = s.INST_ID" : "";
    }

    String snapshotSql() {
        return "SELECT " + (isRac() ? "s.INST_ID" : "CAST(NULL AS NUMBER) AS INST_ID")
                + ", s.SID, s.SERIAL#, s.USERNAME, s.STATUS, s.TYPE, s.SERVER, s.OSUSER, s.MACHINE, s.PROGRAM,"
                + " s.MODULE, s.SERVICE_NAME, s.LOGON_TIME, s.LAST_CALL_ET, s.SQL_ID, s.SQL_EXEC_START, s.EVENT,"
                + " s.WAIT_CLASS, s.BLOCKING_SESSION, s.BLOCKING_INSTANCE, s.FINAL_BLOCKING_SESSION,"
                + " s.FINAL_BLOCKING_INSTANCE, p.SPID, t.USED_UBLK, t.USED_UREC, t.START_TIME, q.SQL_TEXT,"
                + " q.ELAPSED_TIME, q.CPU_TIME, px.QCSID, px.QCINST_ID, t.XIDUSN, t.XIDSLOT, t.XIDSQN, s.STATE,"
                // WAIT_TIME_MICRO and STATE replace the deprecated SECONDS_IN_WAIT (11gR2, the oldest release read);
                // EXECUTION_TYPE came with 12c threaded execution
                + " s.WAIT_TIME_MICRO,"
                + (majorVersion >= 12 ? " p.EXECUTION_TYPE" : " CAST(NULL AS VARCHAR2(10)) AS EXECUTION_TYPE")
                + " FROM " + view("SESSION") + " s"
                + " LEFT JOIN " + view("PROCESS") + " p ON p.ADDR = s.PADDR" + sameInst("p")
                + " LEFT JOIN " + view("TRANSACTION") + " t ON t.ADDR = s.TADDR" + sameInst("t")
                + " LEFT JOIN " + view("SQL") + " q ON q.SQL_ID = s.SQL_ID AND q.CHILD_NUMBER = s.SQL_CHILD_NUMBER"
                + sameInst("q")
                // the coordinator has its own row in V$PX_SESSION (QCSID = its SID): only slaves join
                + " LEFT JOIN " + view("PX_SESSION") + " px ON px.SID = s.SID AND px.SERIAL# = s.SERIAL#" + sameInst("px")
                + (isRac() ? " AND NOT (px.QCSID = s.SID AND NVL(px.QCINST_ID, s.INST_ID) = s.INST_ID)"
                           : " AND px.QCSID <> s.SID");
    }

    /** The server's clock, and the offset that turns its DATE values (local, no zone) into instants. */
    private record Clock(Instant now, Duration dateOffset) {
        Instant of(Timestamp local) {
            return local == null ? null : of(local.toLocalDateTime());
        }

        Instant of(LocalDateTime local) {
            return local == null ? null : local.toInstant(ZoneOffset.UTC).minus(dateOffset);
        }
    }

    private Clock clock() throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT SYSTIMESTAMP, SYSDATE FROM DUAL")) {
            rs.next();
            Instant now = rs.getObject(1, OffsetDateTime.class).toInstant();
            LocalDateTime sysdate = rs.getTimestamp(2).toLocalDateTime();
            long minutes = Math.round(Duration.between(now, sysdate.toInstant(ZoneOffset.UTC)).getSeconds() / 60.0);
            long quarter = Math.round(minutes / 15.0) * 15; // zone offsets are whole quarter hours
            return new Clock(now, Duration.ofMinutes(quarter));
        }
    }

    @Override
    public Snapshot snapshot() {
        return read(null);
    }

    /** Reads only the given sessions (SIDs bound), for a cheap re-check before acting on a deadline. */
    @Override
    public Snapshot snapshot(Collection<SessionRef> only) {
        if (only == null || only.isEmpty() || only.size() > 500) {
            return read(null);
        }
        return read(List.copyOf(only));
    }

    private Snapshot read(List<SessionRef> only) {
        try {
            Clock clock = clock();
            String sql = snapshotSql();
            if (only != null) {
                sql += " WHERE s.SID IN (" + String.join(", ", java.util.Collections.nCopies(only.size(), "?")) + ")";
            }
            // one row per session even if a join repeats it (V$SQL seen from CDB$ROOT lists a cursor per container)
            Map<SessionRef, Session> sessions = new LinkedHashMap<>();
            try (PreparedStatement ps = connection.prepareStatement(sql)) {
                for (int i = 0; only != null && i < only.size(); i++) {
                    ps.setLong(i + 1, only.get(i).sessionId());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Session s = readSession(rs, clock);
                        if (only == null || only.contains(s.ref())) {
                            sessions.putIfAbsent(s.ref(), s);
                        }
                    }
                }
            }
            addLockAttributes(sessions);
            return new Snapshot(spec.name(), engine, versionText, clock.now(), List.copyOf(sessions.values()),
                    Set.of(new SessionRef(ownInstance, ownSid)));
        } catch (SQLException e) {
            throw OracleErrors.translate(e, "reading " + view("SESSION") + " on " + spec.name());
        }
    }

    /**
     * Locks held, and distributed transactions, for the sessions that matter: those with a transaction
     * (TADDR set) or that block another session. One grouped V$LOCK query for all of them (never one
     * per session), and only when there is at least one; DBA_2PC_PENDING is read only when one of them
     * holds a DX (distributed transaction) lock. Both are best effort: without the privilege the
     * attributes are simply left out.
     */
    private void addLockAttributes(Map<SessionRef, Session> sessions) {
        Set<SessionRef> blockers = new java.util.HashSet<>();
        for (Session s : sessions.values()) {
            blockers.addAll(s.blockedBy());
        }
        List<Session> holders = new ArrayList<>();
        for (Session s : sessions.values()) {
            if (s.kind() != SessionKind.BACKGROUND
                    && (s.attributes().containsKey(ATTR_LOCAL_TRANSACTION) || blockers.contains(s.ref()))) {
                holders.add(s);
            }
        }
        if (holders.isEmpty()) {
            return;
        }
        Map<SessionRef, Map<String, Integer>> held = heldLocks(holders);
        if (held.isEmpty()) {
            return;
        }
        Map<String, String[]> pending = held.values().stream().anyMatch(m -> m.containsKey("DX"))
                ? inDoubtTransactions() : Map.of();
        for (Session s : holders) {
            Map<String, Integer> types = held.get(s.ref());
            if (types == null) {
                continue;
            }
            Session.Builder b = s.toBuilder();
            int total = types.values().stream().mapToInt(Integer::intValue).sum();
            java.util.StringJoiner byType = new java.util.StringJoiner(", ", total + " (", ")");
            types.forEach((type, n) -> byType.add(type + " " + n));
            b.attribute(ATTR_LOCK_COUNT, Integer.toString(total)).attribute(ATTR_LOCKS_HELD, byType.toString());
            String localId = s.attributes().get(ATTR_LOCAL_TRANSACTION);
            String[] inDoubt = localId == null ? null : pending.get(localId);
            if (inDoubt != null) {
                b.attribute(ATTR_DISTRIBUTED, inDoubt[0] != null ? inDoubt[0] : localId)
                        .attribute(ATTR_DISTRIBUTED_STATE, inDoubt[1]).attribute(ATTR_DISTRIBUTED_ADVICE, inDoubt[2]);
            } else if (types.containsKey("DX")) {
                b.attribute(ATTR_DISTRIBUTED, localId != null ? localId : "true");
            }
            sessions.put(s.ref(), b.build());
        }
    }

    /** Held lock counts per session and type (LMODE > 0), for the given sessions only. */
    private Map<SessionRef, Map<String, Integer>> heldLocks(List<Session> holders) {
        Set<Long> sids = new TreeSet<>();
        holders.forEach(h -> sids.add(h.sessionId()));
        boolean bind = sids.size() <= 500;
        String sql = "SELECT " + (isRac() ? "l.INST_ID" : "CAST(NULL AS NUMBER) AS INST_ID") + ", l.SID, l.TYPE, COUNT(*)"
                + " FROM " + view("LOCK") + " l WHERE l.LMODE > 0 AND l.TYPE IN (" + HELD_LOCKS_SQL_TYPES + ")"
                + (bind ? " AND l.SID IN (" + String.join(", ", java.util.Collections.nCopies(sids.size(), "?")) + ")" : "")
                + " GROUP BY " + (isRac() ? "l.INST_ID, " : "") + "l.SID, l.TYPE ORDER BY 1, 2, 3";
        Set<SessionRef> wanted = new java.util.HashSet<>();
        holders.forEach(h -> wanted.add(h.ref()));
        Map<SessionRef, Map<String, Integer>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            int i = 1;
            for (long sid : bind ? sids : Set.<Long>of()) {
                ps.setLong(i++, sid);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    SessionRef ref = new SessionRef(isRac() ? rs.getInt(1) : ownInstance, rs.getLong(2));
                    if (wanted.contains(ref)) {
                        out.computeIfAbsent(ref, r -> new java.util.TreeMap<>()).merge(rs.getString(3), rs.getInt(4), Integer::sum);
                    }
                }
            }
        } catch (SQLException e) {
            return Map.of(); // V$LOCK not readable: no lock attributes, the snapshot itself stands
        }
        return out;
    }

    /** DBA_2PC_PENDING by LOCAL_TRAN_ID: {GLOBAL_TRAN_ID, STATE, ADVICE}; empty when not readable. */
    private Map<String, String[]> inDoubtTransactions() {
        Map<String, String[]> out = new LinkedHashMap<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT LOCAL_TRAN_ID, GLOBAL_TRAN_ID, STATE, ADVICE FROM DBA_2PC_PENDING")) {
            while (rs.next()) {
                String advice = rs.getString(4);
                out.put(rs.getString(1).trim(), new String[] {rs.getString(2), rs.getString(3),
                        "C".equals(advice) ? "commit" : "R".equals(advice) ? "rollback" : null});
            }
        } catch (SQLException e) {
            return Map.of();
        }
        return out;
    }

    private Session readSession(ResultSet rs, Clock clock) throws SQLException {
        int inst = isRac() ? rs.getInt("INST_ID") : ownInstance;
        long sid = rs.getLong("SID");
        long serial = rs.getLong("SERIAL#");
        SessionKey key = new SessionKey(spec.name(), inst, sid, Long.toString(serial));
        String status = rs.getString("STATUS");
        String type = rs.getString("TYPE");
        String user = rs.getString("USERNAME");
        Long undoBlocks = longOrNull(rs, "USED_UBLK");
        Long undoRecords = longOrNull(rs, "USED_UREC");
        long lastCallEt = rs.getLong("LAST_CALL_ET");
        Instant stateSince = clock.now().minusSeconds(Math.max(0, lastCallEt));
        SessionState state;
        if ("KILLED".equals(status)) {
            state = SessionState.TERMINATING;
        } else if ("ACTIVE".equals(status)) {
            state = SessionState.ACTIVE;
        } else if (status == null) {
            state = SessionState.UNKNOWN;
        } else {
            state = undoBlocks != null ? SessionState.IDLE_IN_TRANSACTION : SessionState.IDLE;
        }
        String program = rs.getString("PROGRAM");
        Session.Builder b = Session.builder(key)
                .user(user)
                .database(rs.getString("SERVICE_NAME"))
                .state(state)
                .clientHost(rs.getString("MACHINE"))
                .program(program)
                .logonTime(clock.of(rs.getTimestamp("LOGON_TIME")))
                .stateSince(stateSince)
                .sqlId(rs.getString("SQL_ID"))
                .sqlText(rs.getString("SQL_TEXT"))
                .waitEventType(rs.getString("WAIT_CLASS"))
                .waitEvent(rs.getString("EVENT"))
                .serverProcess(rs.getString("SPID"))
                .transactionSize(undoBlocks)
                .backendType(type);
        Instant execStart = clock.of(rs.getTimestamp("SQL_EXEC_START"));
        if (state == SessionState.ACTIVE) {
            b.queryStart(execStart != null ? execStart : stateSince);
        }
        b.transactionStart(parseTransactionStart(rs.getString("START_TIME"), clock));
        long blocking = rs.getLong("BLOCKING_SESSION");
        if (!rs.wasNull()) {
            long bi = rs.getLong("BLOCKING_INSTANCE");
            b.addBlocker(new SessionRef(rs.wasNull() ? inst : (int) bi, blocking));
        }
        long finalBlocking = rs.getLong("FINAL_BLOCKING_SESSION");
        if (!rs.wasNull()) {
            long fi = rs.getLong("FINAL_BLOCKING_INSTANCE");
            b.attribute("finalBlockingSession", new SessionRef(rs.wasNull() ? inst : (int) fi, finalBlocking).toString());
        }
        if ("BACKGROUND".equals(type)) {
            b.kind(SessionKind.BACKGROUND).backendType("BACKGROUND " + backgroundName(program));
        }
        long qcsid = rs.getLong("QCSID");
        if (!rs.wasNull()) {
            long qci = rs.getLong("QCINST_ID");
            b.kind(SessionKind.PARALLEL_WORKER).backendType("PX slave")
                    .parent(new SessionRef(rs.wasNull() ? inst : (int) qci, qcsid));
        }
        if ("SYS".equals(user)) {
            b.protectedReason("SYS sessions are never ended by sessionctl (the database's own administrator)");
        }
        b.attribute("status", status).attribute("osUser", rs.getString("OSUSER")).attribute("module", rs.getString("MODULE"))
                .attribute("server", rs.getString("SERVER")).attribute("lastCallEtSeconds", Long.toString(lastCallEt));
        if (undoRecords != null) {
            b.attribute("undoRecords", undoRecords.toString());
        }
        long xidusn = rs.getLong("XIDUSN");
        if (!rs.wasNull()) {
            // the transaction's local id as DBA_2PC_PENDING.LOCAL_TRAN_ID writes it ("n.n.n")
            b.attribute(ATTR_LOCAL_TRANSACTION, xidusn + "." + rs.getLong("XIDSLOT") + "." + rs.getLong("XIDSQN"));
        }
        if ("THREAD".equalsIgnoreCase(rs.getString("EXECUTION_TYPE"))) {
            // threaded execution: the server is a thread of a process shared with other sessions (SPID is not unique)
            b.attribute(ATTR_THREADED, "true");
        }
        waitAttributes(b, rs.getString("STATE"), longOrNull(rs, "WAIT_TIME_MICRO"), rs.getString("WAIT_CLASS"), state);
        long elapsed = rs.getLong("ELAPSED_TIME");
        if (!rs.wasNull()) {
            b.attribute("sqlElapsedSeconds", String.format(Locale.ROOT, "%.1f", elapsed / 1e6));
        }
        long cpu = rs.getLong("CPU_TIME");
        if (!rs.wasNull()) {
            b.attribute("sqlCpuSeconds", String.format(Locale.ROOT, "%.1f", cpu / 1e6));
        }
        if (state == SessionState.TERMINATING && undoBlocks != null) {
            RollbackProgress.Estimate est = rollback.record(key, clock.now(), undoBlocks);
            b.attribute("rollbackUndoBlocksLeft", Long.toString(est.workLeft()));
            b.attribute("rollbackTrend", est.trend().name().toLowerCase(Locale.ROOT));
            if (est.perSecond() != null) {
                b.attribute("rollbackBlocksPerSecond", String.format(Locale.ROOT, "%.1f", est.perSecond()));
            }
            if (est.timeLeft() != null) {
                b.attribute("rollbackEtaSeconds", Long.toString(est.timeLeft().toSeconds()));
            }
        }
        return b.build();
    }

    /**
     * How long the current wait has lasted (V$SESSION.STATE = 'WAITING': WAIT_TIME_MICRO is the time in
     * the current wait) and, for a session being ended or running, whether it waits on the operating
     * system (I/O wait classes) or on the network / a database link: a kill is noticed only when that
     * call returns (reference 004, causes 1 and 5).
     */
    static void waitAttributes(Session.Builder b, String waitState, Long waitMicros, String waitClass, SessionState state) {
        if (!"WAITING".equals(waitState)) {
            return;
        }
        if (waitMicros != null) {
            b.attribute(ATTR_WAIT_SECONDS, Long.toString(waitMicros / 1_000_000));
        }
        if (waitClass == null || (state != SessionState.ACTIVE && state != SessionState.TERMINATING)) {
            return;
        }
        switch (waitClass) {
            case "User I/O", "System I/O" -> b.attribute(ATTR_OS_WAIT,
                    "waiting on I/O in the operating system: the kill is acted on when the I/O returns;"
                            + " if it never does, look at the storage (an OS process in state D ignores even SIGKILL)");
            case "Network" -> b.attribute(ATTR_OS_WAIT,
                    "waiting on the network or a database link: the kill is acted on when the remote side answers");
            default -> { }
        }
    }

    private static String backgroundName(String program) {
        if (program == null) {
            return "process";
        }
        int open = program.lastIndexOf('(');
        int close = program.lastIndexOf(')');
        return open >= 0 && close > open ? program.substring(open + 1, close) : program;
    }

    private static Long longOrNull(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    /** V$TRANSACTION.START_TIME is VARCHAR2 'MM/DD/YY HH24:MI:SS' in the server's local time. */
    private static Instant parseTransactionStart(String text, Clock clock) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return clock.of(LocalDateTime.parse(text.trim(), TX_START));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- finders

    /** Sessions holding a DML lock on a table ({@code OWNER.TABLE} or {@code TABLE}), from V$LOCKED_OBJECT and DBA_OBJECTS. */
    @Override
    public Set<SessionRef> lockHolders(String table) {
        var m = TABLE_NAME.matcher(table == null ? "" : table.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid table name '" + table + "'; expected TABLE or OWNER.TABLE");
        }
        String owner = m.group(1) == null ? null : m.group(1).toUpperCase(Locale.ROOT);
        String name = m.group(2).toUpperCase(Locale.ROOT);
        String sql = "SELECT DISTINCT " + (isRac() ? "lo.INST_ID" : "CAST(NULL AS NUMBER) AS INST_ID")
                + ", lo.SESSION_ID FROM " + view("LOCKED_OBJECT") + " lo JOIN DBA_OBJECTS o ON o.OBJECT_ID = lo.OBJECT_ID"
                + " WHERE o.OBJECT_NAME = ?" + (owner == null ? "" : " AND o.OWNER = ?");
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, name);
            if (owner != null) {
                ps.setString(2, owner);
            }
            Set<SessionRef> out = new TreeSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new SessionRef(isRac() ? rs.getInt(1) : ownInstance, rs.getLong(2)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw OracleErrors.translate(e, "reading lock holders of " + table);
        }
    }

    /**
     * Sessions marked KILLED that still hold undo (rolling back), each with the estimate from the
     * successive polls of this connection: undo blocks left, blocks per second, time left. Never
     * re-kill these: the rollback must finish (ending it sooner does not make it faster).
     */
    public List<RollbackProgress.Estimate> rollbackProgress() {
        Snapshot snap = snapshot();
        List<RollbackProgress.Estimate> out = new ArrayList<>();
        List<SessionKey> live = new ArrayList<>();
        for (Session s : snap.sessions()) {
            if (s.state() == SessionState.TERMINATING && s.transactionSize() != null) {
                rollback.estimate(s.key()).ifPresent(out::add);
                live.add(s.key());
            }
        }
        rollback.retainOnly(live);
        return out;
    }

    /** Transactions in V$TRANSACTION whose session is no longer in V$SESSION (PMON or SMON is cleaning them up). */
    @Override
    public List<OrphanTransaction> orphanTransactions() {
        String sql = "SELECT " + (isRac() ? "t.INST_ID" : "CAST(NULL AS NUMBER) AS INST_ID")
                + ", t.XIDUSN, t.XIDSLOT, t.XIDSQN, t.STATUS, t.START_TIME, t.USED_UBLK, t.USED_UREC"
                + " FROM " + view("TRANSACTION") + " t WHERE NOT EXISTS (SELECT 1 FROM " + view("SESSION")
                + " s WHERE s.SADDR = t.SES_ADDR" + (isRac() ? " AND s.INST_ID = t.INST_ID" : "") + ")"
                + " ORDER BY t.USED_UBLK DESC";
        try {
            Clock clock = clock();
            List<OrphanTransaction> out = new ArrayList<>();
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(new OrphanTransaction(isRac() ? rs.getInt(1) : ownInstance,
                            rs.getLong(2) + "." + rs.getLong(3) + "." + rs.getLong(4), rs.getString(5),
                            parseTransactionStart(rs.getString(6), clock), rs.getLong(7), rs.getLong(8)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw OracleErrors.translate(e, "reading transactions without a session");
        }
    }

    @Override
    public String selfServiceSetup(String procedureName) {
        return OracleSelfService.ddl(procedureName);
    }

    // ---------------------------------------------------------------- actions

    @Override
    public List<KillAction> supportedActions() {
        List<KillAction> a = new ArrayList<>();
        switch (method) {
            case ALTER_SYSTEM -> {
                if (cancelSqlAvailable()) {
                    a.add(KillAction.CANCEL);
                }
                a.addAll(List.of(KillAction.TERMINATE, KillAction.TERMINATE_IMMEDIATE,
                        KillAction.DISCONNECT_POST_TRANSACTION, KillAction.DISCONNECT_IMMEDIATE));
            }
            case RDSADMIN -> {
                if (cancelSqlAvailable()) {
                    a.add(KillAction.CANCEL);
                }
                // kill(method => 'PROCESS') ends the session's server process: the OS-level last resort on RDS
                a.addAll(List.of(KillAction.TERMINATE, KillAction.TERMINATE_IMMEDIATE,
                        KillAction.DISCONNECT_POST_TRANSACTION, KillAction.DISCONNECT_IMMEDIATE, KillAction.OS_KILL));
            }
            case SELF_SERVICE -> a.addAll(List.of(KillAction.TERMINATE, KillAction.TERMINATE_IMMEDIATE));
        }
        return a;
    }

    /** An rdsadmin or self-service call: bound text, and the values for display. */
    private record Call(String sql, Object[] binds, String display) {
    }

    private Call callFor(KillAction action, OracleStatements.Ids ids, String sqlId) {
        if (method == KillMethod.SELF_SERVICE) {
            int immediate = action == KillAction.TERMINATE_IMMEDIATE ? 1 : 0;
            return new Call(OracleSelfService.call(procedure), new Object[] {ids.sid(), ids.serial(), immediate},
                    "BEGIN " + procedure + "(p_sid => " + ids.sid() + ", p_serial => " + ids.serial()
                            + ", p_immediate => " + immediate + "); END;");
        }
        String proc;
        String methodValue;
        switch (action) {
            case TERMINATE -> { proc = "kill"; methodValue = null; }
            case TERMINATE_IMMEDIATE -> { proc = "kill"; methodValue = "IMMEDIATE"; }
            case OS_KILL -> { proc = "kill"; methodValue = "PROCESS"; }
            case DISCONNECT_POST_TRANSACTION -> { proc = "disconnect"; methodValue = "POST_TRANSACTION"; }
            case DISCONNECT_IMMEDIATE -> { proc = "disconnect"; methodValue = "IMMEDIATE"; }
            case CANCEL -> {
                String sql = "BEGIN rdsadmin.rdsadmin_util.cancel(sid => ?, serial => ?, sql_id => ?); END;";
                return new Call(sql, new Object[] {ids.sid(), ids.serial(), sqlId},
                        "BEGIN rdsadmin.rdsadmin_util.cancel(sid => " + ids.sid() + ", serial => " + ids.serial()
                                + ", sql_id => " + (sqlId == null ? "NULL" : "'" + sqlId + "'") + "); END;");
            }
            default -> { return null; }
        }
        String sql = "BEGIN rdsadmin.rdsadmin_util." + proc + "(sid => ?, serial => ?"
                + (methodValue == null ? "" : ", method => ?") + "); END;";
        Object[] binds = methodValue == null ? new Object[] {ids.sid(), ids.serial()}
                : new Object[] {ids.sid(), ids.serial(), methodValue};
        return new Call(sql, binds, "BEGIN rdsadmin.rdsadmin_util." + proc + "(sid => " + ids.sid() + ", serial => "
                + ids.serial() + (methodValue == null ? "" : ", method => '" + methodValue + "'") + "); END;");
    }

    @Override
    public String statementFor(KillAction action, Session victim) {
        OracleStatements.Ids ids = OracleStatements.Ids.of(victim.key());
        if (method == KillMethod.ALTER_SYSTEM) {
            String s = OracleStatements.forAction(action, victim, isRac());
            if (s == null) {
                throw new IllegalArgumentException("action " + action + " has no ALTER SYSTEM form; available: "
                        + supportedActions());
            }
            return s;
        }
        Call call = callFor(action, ids, OracleStatements.validSqlIdOrNull(victim.sqlId()));
        if (call == null || (method == KillMethod.SELF_SERVICE && !supportedActions().contains(action))) {
            throw new IllegalArgumentException("action " + action + " is not available with " + method.label()
                    + "; available: " + supportedActions());
        }
        return call.display();
    }

    @Override
    public KillResult execute(KillAction action, Session victim, Duration timeout) {
        SessionKey key = victim.key();
        OracleStatements.Ids ids;
        String statement;
        try {
            ids = OracleStatements.Ids.of(key);
            statement = statementFor(action, victim);
        } catch (IllegalArgumentException e) {
            return KillResult.of(key, action, KillOutcome.FAILED, null, e.getMessage() + "; nothing was done");
        }
        if (!supportedActions().contains(action)) {
            return KillResult.of(key, action, KillOutcome.FAILED, statement, notAvailable(action));
        }
        boolean disconnect = action == KillAction.DISCONNECT_IMMEDIATE || action == KillAction.DISCONNECT_POST_TRANSACTION;
        if (disconnect && method == KillMethod.ALTER_SYSTEM && key.instance() != ownInstance) {
            return KillResult.of(key, action, KillOutcome.FAILED, statement,
                    "ALTER SYSTEM DISCONNECT SESSION has no @instance form and acts on the connected instance only;"
                            + " session " + key.printable() + " is on instance " + key.instance()
                            + " but sessionctl is connected to instance " + ownInstance + "; nothing was done")
                    .withFix("connect to instance " + key.instance() + " (a service or SID served only by that"
                            + " instance) and run it again, or use terminate-immediate, which names the instance"
                            + " (KILL SESSION '" + ids.sid() + "," + ids.serial() + ",@" + key.instance() + "' IMMEDIATE)");
        }
        int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout == null ? 60 : timeout.toSeconds()));
        try {
            if (method == KillMethod.ALTER_SYSTEM) {
                try (Statement st = connection.createStatement()) {
                    st.setQueryTimeout(seconds);
                    st.execute(statement);
                }
            } else {
                Call call = callFor(action, ids, OracleStatements.validSqlIdOrNull(victim.sqlId()));
                try (PreparedStatement ps = connection.prepareStatement(call.sql())) {
                    ps.setQueryTimeout(seconds);
                    for (int i = 0; i < call.binds().length; i++) {
                        ps.setObject(i + 1, call.binds()[i]);
                    }
                    ps.execute();
                }
            }
        } catch (SQLException e) {
            return failure(action, victim, statement, e);
        }
        return afterSuccess(action, victim, statement);
    }

    private String notAvailable(KillAction action) {
        if (action == KillAction.CANCEL) {
            return method == KillMethod.SELF_SERVICE
                    ? "the self-service procedure can only end sessions, not cancel a statement"
                    : "cancelling a statement needs Oracle " + (method == KillMethod.RDSADMIN ? "19c (rdsadmin_util.cancel)"
                    : "18c (ALTER SYSTEM CANCEL SQL)") + "; this server is " + versionText + "; use terminate";
        }
        return "action " + action + " is not available with " + method.label() + " on " + engine + "; available: "
                + supportedActions();
    }

    /** The statement was accepted: read the session back to say what became of it. */
    private KillResult afterSuccess(KillAction action, Session victim, String statement) {
        SessionKey key = victim.key();
        if (action == KillAction.CANCEL) {
            return KillResult.of(key, action, KillOutcome.CANCELLED, statement,
                    "statement " + (victim.sqlId() == null ? "" : victim.sqlId() + " ") + "of session " + key.printable()
                            + " cancelled; the session stays connected");
        }
        Optional<Observed> now = observe(key.instance(), key.sessionId());
        if (now.isEmpty() || now.get().serial() != OracleStatements.serialOf(key)) {
            return KillResult.of(key, action, KillOutcome.TERMINATED, statement, "session " + key.printable() + " ended");
        }
        Observed o = now.get();
        String progress = o.undoBlocks() == null ? "" : "; " + o.undoBlocks() + " undo blocks left to roll back";
        if ("KILLED".equals(o.status()) && o.undoBlocks() == null) {
            // an inactive session: rolled back and its locks released; Oracle keeps the row until the
            // client's next call, which gets ORA-00028 (Administrator's Guide, "Terminating an Inactive Session")
            return KillResult.of(key, action, KillOutcome.MARKED_FOR_KILL, statement, "session " + key.printable()
                    + " is marked KILLED: nothing left to roll back, its locks are released; Oracle removes the row"
                    + " when its client next calls (the client then gets ORA-00028)");
        }
        if ("KILLED".equals(o.status())) {
            return KillResult.of(key, action, KillOutcome.MARKED_FOR_KILL, statement, "session " + key.printable()
                    + " is marked KILLED and cleaning up" + progress + "; do not kill it again, follow its rollback");
        }
        return KillResult.of(key, action, KillOutcome.MARKED_FOR_KILL, statement, "session " + key.printable()
                + (action == KillAction.DISCONNECT_POST_TRANSACTION
                   ? " will be disconnected when its current transaction ends" : " still listed (status " + o.status() + ")")
                + progress);
    }

    private KillResult failure(KillAction action, Session victim, String statement, SQLException e) {
        SessionKey key = victim.key();
        int code = e.getErrorCode();
        String ora = OracleErrors.label(code);
        KillOutcome outcome = OracleErrors.outcomeOf(e);
        String server = " [" + ora + ": " + SqlErrors.firstLine(e.getMessage()) + "]";
        KillResult r;
        switch (outcome) {
            case ALREADY_GONE -> {
                // ORA-00030 means "no session with that SID AND SERIAL#": tell a recycled SID from a vanished one
                Optional<Observed> now = code == OracleErrors.SESSION_DOES_NOT_EXIST
                        ? observeQuietly(key.instance(), key.sessionId()) : Optional.empty();
                if (now.isPresent() && now.get().serial() != OracleStatements.serialOf(key)) {
                    r = KillResult.of(key, action, KillOutcome.IDENTITY_CHANGED, statement, "SID " + key.sessionId()
                            + " now belongs to another session (SERIAL# " + now.get().serial() + "); the session you named"
                            + " is gone; Oracle rejected the old SERIAL#, nothing was done" + server);
                } else {
                    r = KillResult.of(key, action, KillOutcome.ALREADY_GONE, statement, "session " + key.printable()
                            + " no longer exists; nothing to do" + server);
                }
            }
            case MARKED_FOR_KILL -> {
                Optional<Observed> now = observeQuietly(key.instance(), key.sessionId());
                String progress = now.isPresent() && now.get().undoBlocks() != null
                        ? "; " + now.get().undoBlocks() + " undo blocks left to roll back" : "";
                r = KillResult.of(key, action, KillOutcome.MARKED_FOR_KILL, statement, "session " + key.printable()
                        + " is marked for kill and will end once its current operation (rollback, network wait) completes"
                        + progress + "; do not kill it again, follow its progress" + server);
            }
            case REFUSED_PRIVILEGE -> {
                String fix = switch (method) {
                    case ALTER_SYSTEM -> OracleErrors.ALTER_SYSTEM_FIX;
                    case RDSADMIN -> "connect as the RDS master user, or: GRANT EXECUTE ON rdsadmin.rdsadmin_util TO <user>"
                            + " (run as the master user)";
                    case SELF_SERVICE -> code == OracleErrors.SELF_SERVICE_NOT_YOURS
                            ? "only sessions of your own user can be ended with " + procedure + "; ask a DBA"
                            : "GRANT EXECUTE ON " + procedure + " TO <user>;  -- and check the procedure exists"
                              + " (sessionctl doctor prints its DDL)";
                };
                r = KillResult.of(key, action, KillOutcome.REFUSED_PRIVILEGE, statement, "the server refused to end session "
                        + key.printable() + "; nothing was done" + server).withFix(fix);
            }
            case CONNECTION_LOST -> r = KillResult.of(key, action, KillOutcome.CONNECTION_LOST, statement,
                    "sessionctl lost its own connection while acting on " + key.printable()
                            + "; the outcome is unknown, check with a new connection" + server);
            case TIMED_OUT -> r = KillResult.of(key, action, KillOutcome.TIMED_OUT, statement, "the statement did not"
                    + " return within the time allowed; session " + key.printable() + " may still be ending" + server);
            default -> {
                String why = switch (code) {
                    case OracleErrors.CANNOT_KILL_CURRENT_SESSION -> "Oracle will not end the session that issues the statement"
                            + " (sessionctl's own session)";
                    case OracleErrors.NOT_A_USER_SESSION -> "it is not a user session (background or recursive session)";
                    case OracleErrors.INVALID_SESSION_ID -> "Oracle found the session id malformed";
                    case OracleErrors.INVALID_SQL_STATEMENT -> "this server does not know the statement (CANCEL SQL needs 18c)";
                    default -> "the server refused";
                };
                r = KillResult.of(key, action, KillOutcome.FAILED, statement, "could not act on session " + key.printable()
                        + ": " + why + "; nothing was done" + server);
            }
        }
        return r.withErrorCode(ora);
    }

    /** One session's row as it is now: its SERIAL#, STATUS and undo blocks. */
    private record Observed(long serial, String status, Long undoBlocks) {
    }

    private Optional<Observed> observe(int instance, long sid) {
        try {
            return observeOrThrow(instance, sid);
        } catch (SQLException e) {
            throw OracleErrors.translate(e, "re-reading session " + sid);
        }
    }

    private Optional<Observed> observeQuietly(int instance, long sid) {
        try {
            return observeOrThrow(instance, sid);
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    private Optional<Observed> observeOrThrow(int instance, long sid) throws SQLException {
        String sql = "SELECT s.SERIAL#, s.STATUS, t.USED_UBLK FROM " + view("SESSION") + " s LEFT JOIN " + view("TRANSACTION")
                + " t ON t.ADDR = s.TADDR" + sameInst("t") + " WHERE s.SID = ?" + (isRac() ? " AND s.INST_ID = ?" : "");
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setLong(1, sid);
            if (isRac()) {
                ps.setInt(2, instance);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long serial = rs.getLong(1);
                String status = rs.getString(2);
                long u = rs.getLong(3);
                return Optional.of(new Observed(serial, status, rs.wasNull() ? null : u));
            }
        }
    }

    // ---------------------------------------------------------------- doctor

    @Override
    public DoctorReport doctor() {
        List<DoctorReport.Item> items = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (String v : List.of("SESSION", "PROCESS", "TRANSACTION", "SQL", "PX_SESSION", "LOCKED_OBJECT")) {
            if (!readable(view(v))) {
                unreadable.add(view(v));
            }
        }
        if (!readable("DBA_OBJECTS")) {
            unreadable.add("DBA_OBJECTS");
        }
        String grantsSeen = describeDictionaryGrants();
        items.add(unreadable.isEmpty()
                ? DoctorReport.Item.ok("read session views", "all needed views readable" + grantsSeen)
                : DoctorReport.Item.missing("read session views", "cannot read " + String.join(", ", unreadable) + grantsSeen,
                        OracleErrors.READ_VIEWS_FIX));
        boolean alterSystem = hasPrivilege("ALTER SYSTEM");
        switch (method) {
            case ALTER_SYSTEM -> items.add(alterSystem
                    ? DoctorReport.Item.ok("end sessions (ALTER SYSTEM)", "ALTER SYSTEM granted: KILL, DISCONNECT"
                    + (cancelSqlAvailable() ? ", CANCEL SQL" : "") + " available")
                    : DoctorReport.Item.missing("end sessions (ALTER SYSTEM)", "ALTER SYSTEM is not granted to " + ownUser
                    + (rdsDetected ? "; this is Amazon RDS, where it cannot be granted" : ""),
                    rdsDetected ? "set target option variant: rds (uses rdsadmin.rdsadmin_util)"
                            : OracleErrors.ALTER_SYSTEM_FIX));
            case RDSADMIN -> items.add(rdsDetected
                    ? DoctorReport.Item.ok("end sessions (rdsadmin)", "rdsadmin.rdsadmin_util is visible: kill, disconnect"
                    + (cancelSqlAvailable() ? ", cancel" : "") + " available")
                    : DoctorReport.Item.missing("end sessions (rdsadmin)", "rdsadmin.rdsadmin_util is not visible to " + ownUser,
                    "connect as the RDS master user, or GRANT EXECUTE ON rdsadmin.rdsadmin_util TO " + ownUser));
            case SELF_SERVICE -> items.add(procedureVisible()
                    ? DoctorReport.Item.ok("end own sessions (self-service)", procedure + " is callable; it ends only "
                    + ownUser + "'s sessions")
                    : DoctorReport.Item.missing("end own sessions (self-service)", procedure + " is not visible to " + ownUser,
                    OracleSelfService.ddl(procedure)));
        }
        if (method == KillMethod.ALTER_SYSTEM && !alterSystem && !rdsDetected) {
            items.add(DoctorReport.Item.warn("self-service wrapper",
                    "without ALTER SYSTEM, a DBA can install a procedure that lets this user end its own sessions",
                    OracleSelfService.ddl("SESSIONCTL_ADMIN.KILL_MY_SESSION")));
        }
        items.add(isRac()
                ? DoctorReport.Item.warn("instances", instances + " instances (RAC), connected to instance " + ownInstance
                + "; sessions read from GV$ views, KILL and CANCEL name the instance; DISCONNECT works only on this instance",
                "to DISCONNECT a session of another instance, connect to that instance")
                : DoctorReport.Item.ok("instances", "single instance (" + ownInstance + ")"));
        items.add(majorVersion >= 18
                ? DoctorReport.Item.ok("version", versionText + ": ALTER SYSTEM CANCEL SQL available (18c+)")
                : DoctorReport.Item.warn("version", versionText + ": no ALTER SYSTEM CANCEL SQL before 18c",
                "use terminate (KILL SESSION) to stop a statement on this version"));
        items.add(rdsDetected
                ? (method == KillMethod.ALTER_SYSTEM && !alterSystem
                   ? DoctorReport.Item.missing("Amazon RDS", "RDS detected but the target is not configured for it",
                     "set target option variant: rds")
                   : DoctorReport.Item.ok("Amazon RDS", "RDS detected (rdsadmin.rdsadmin_util)"))
                : DoctorReport.Item.ok("Amazon RDS", "not RDS"));
        items.add(DoctorReport.Item.ok("OceanBase", "not OceanBase (Oracle " + versionText + ")"));
        return new DoctorReport(info, items);
    }

    private boolean readable(String view) {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + view + " WHERE 1 = 0")) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }

    private boolean hasPrivilege(String privilege) {
        try (PreparedStatement ps = connection.prepareStatement("SELECT COUNT(*) FROM SESSION_PRIVS WHERE PRIVILEGE = ?")) {
            ps.setString(1, privilege);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) > 0;
            }
        } catch (SQLException e) {
            return false;
        }
    }

    private String describeDictionaryGrants() {
        List<String> seen = new ArrayList<>();
        if (hasPrivilege("SELECT ANY DICTIONARY")) {
            seen.add("SELECT ANY DICTIONARY");
        }
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM SESSION_ROLES WHERE ROLE = 'SELECT_CATALOG_ROLE'")) {
            if (rs.next() && rs.getInt(1) > 0) {
                seen.add("SELECT_CATALOG_ROLE");
            }
        } catch (SQLException e) {
            // SESSION_ROLES is readable by everyone; nothing to report if not
        }
        return seen.isEmpty() ? "" : " (granted: " + String.join(", ", seen) + ")";
    }

    private boolean procedureVisible() {
        String[] parts = procedure.split("\\.");
        String sql = parts.length == 2
                ? "SELECT COUNT(*) FROM ALL_OBJECTS WHERE OWNER = ? AND OBJECT_NAME = ? AND OBJECT_TYPE = 'PROCEDURE'"
                : "SELECT COUNT(*) FROM ALL_OBJECTS WHERE OBJECT_NAME = ? AND OBJECT_TYPE = 'PROCEDURE'";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < parts.length; i++) {
                ps.setString(i + 1, parts[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) > 0;
            }
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing: nothing left to do with it
        }
    }
}
