package dev.sessionctl.dialect.mysql;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One MySQL, MariaDB, RDS/Aurora MySQL or OceanBase (MySQL mode) target. See docs/mysql.md for the
 * sources of each fact and the rules.
 *
 * <p>Identity: the engine's id ({@code CONNECTION_ID()}, the processlist ID) is reused after a
 * restart or a wrap, so the key's incarnation is a 12-hex-digit SHA-256 prefix of the account
 * user, the client host with its port, and, when the server has them, the performance_schema
 * THREAD_ID (never reused while the server runs) and, on thread-per-connection servers, the
 * server's OS thread id. It is computed the same way in the snapshot and in the re-check just
 * before a kill.
 */
final class MySqlTargetConnection implements TargetConnection {

    static final String MDL_WAIT_STATE_PREFIX = "Waiting for ";
    private static final Pattern DIGITS = Pattern.compile("\\d{1,19}");
    private static final DateTimeFormatter SERVER_TIME = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss").optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd().toFormatter(Locale.ROOT);

    private final Engine engine;
    private final TargetSpec spec;
    private ServerProbe probe;
    private Connection conn;
    private Features features;
    /** Statements seen running, so a statement keeps one start time across snapshots (the verifier compares it). */
    private final Map<SessionRef, SeenStatement> seen = new HashMap<>();

    /** What this server offers, read at connect and after every reconnect. */
    record Features(boolean perfSchema, boolean psProcesslist, boolean psThreads, boolean psStatements,
                    boolean psConnectAttrs, boolean psMdl, boolean psMdlTable, boolean dataLockWaits,
                    boolean innodbLockWaits, boolean innodbTrx, boolean mdlInfoPlugin, boolean threadPerConnection,
                    String account) {
    }

    private record SeenStatement(String incarnation, String token, Instant start) {
    }

    /** One processlist row with the facts the incarnation and the state need. */
    record Row(long id, String user, String host, String db, String command, Long time, String state, String info,
               Double timeMs, Long queryId, Long osThreadId, Long threadId, String threadType, String threadName,
               Long eventId, String digest, Instant readAt) {
        Row(long id, String user, String host, String db, String command, Long time, String state, String info,
            Double timeMs, Long queryId, Long osThreadId, Long threadId, String threadType, String threadName,
            Long eventId, String digest) {
            this(id, user, host, db, command, time, state, info, timeMs, queryId, osThreadId, threadId, threadType,
                    threadName, eventId, digest, null);
        }

        /** When the current command (or sleep) began, on the server's clock; null unless TIME_MS is known. */
        Instant commandStart() {
            return readAt == null || timeMs == null ? null : readAt.minusNanos(Math.round(timeMs * 1_000_000));
        }
    }

    private record Trx(String trxId, String state, Long ageMicros, Long rowsModified, String isolation,
                       Long waitMicros, Long rowsLocked, Long lockStructs, Long tablesLocked) {

        /** The locksHeld text (docs/termination.md) from INNODB_TRX's counters, or null when it holds none. */
        String locksHeld() {
            if ((rowsLocked == null || rowsLocked == 0) && (tablesLocked == null || tablesLocked == 0)
                    && (lockStructs == null || lockStructs == 0)) {
                return null;
            }
            return "~" + (rowsLocked == null ? 0 : rowsLocked) + " row(s) in " + (tablesLocked == null ? 0 : tablesLocked)
                    + " table(s), " + (lockStructs == null ? 0 : lockStructs) + " lock struct(s)";
        }
    }

    private record RowWait(long waiting, long blocking, String table, String index, String mode) {
    }

    MySqlTargetConnection(Engine engine, Connection connection, TargetSpec spec, ServerProbe probe) throws SQLException {
        this.engine = engine;
        this.spec = spec;
        this.probe = probe;
        this.conn = connection;
        this.statementTimeoutMs = parseMillis(spec, "statementTimeoutMs", 5000);
        this.lockTimeoutMs = parseMillis(spec, "lockTimeoutMs", 1000);
        init();
    }

    private void init() throws SQLException {
        conn.setAutoCommit(true);
        applyTimeouts();
        features = discover();
    }

    // ------------------------------------------------------------------ own-session timeouts

    /** Target option statementTimeoutMs (default 5000; 0 = none): our own queries never hang on a sick server. */
    private final long statementTimeoutMs;
    /** Target option lockTimeoutMs (default 1000; 0 = server default): never queue behind the locks being investigated. */
    private final long lockTimeoutMs;
    /** The session variables applied at connect, as the server reported them back (for capabilities/doctor). */
    private final Map<String, String> appliedTimeouts = new LinkedHashMap<>();

    static long parseMillis(TargetSpec spec, String option, long fallback) {
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

    /**
     * The session-level SETs for this engine, built from validated longs only. MariaDB's
     * max_statement_time is in seconds (fractions allowed) and covers every statement; MySQL 8's
     * max_execution_time is in milliseconds and covers SELECT only (all our reads are SELECTs);
     * OceanBase's ob_query_timeout is in microseconds. lock_wait_timeout (metadata locks) and
     * innodb_lock_wait_timeout (row locks) count whole seconds: the millisecond option is rounded up.
     */
    List<String> timeoutStatements() {
        List<String> out = new ArrayList<>();
        if (statementTimeoutMs > 0) {
            if (probe.isMariaDb()) {
                out.add("SET SESSION max_statement_time = " + statementTimeoutMs / 1000 + "."
                        + String.format(Locale.ROOT, "%03d", statementTimeoutMs % 1000));
            } else if (probe.isOceanBase()) {
                out.add("SET SESSION ob_query_timeout = " + statementTimeoutMs * 1000);
            } else {
                out.add("SET SESSION max_execution_time = " + statementTimeoutMs);
            }
        }
        if (lockTimeoutMs > 0) {
            long seconds = Math.max(1, (lockTimeoutMs + 999) / 1000);
            out.add("SET SESSION lock_wait_timeout = " + seconds);
            out.add("SET SESSION innodb_lock_wait_timeout = " + seconds);
        }
        return out;
    }

    /**
     * A variable this server does not have (ER_UNKNOWN_SYSTEM_VARIABLE) is skipped; anything else
     * fails the connect. The values are then read back from the server, so capabilities() shows
     * what is in force, not what was asked.
     */
    private void applyTimeouts() throws SQLException {
        appliedTimeouts.clear();
        List<String> names = new ArrayList<>();
        for (String set : timeoutStatements()) {
            try (Statement st = conn.createStatement()) {
                st.execute(set);
                names.add(set.substring("SET SESSION ".length(), set.indexOf(" = ")));
            } catch (SQLException e) {
                if (e.getErrorCode() != 1193) {
                    throw e;
                }
            }
        }
        for (String name : names) { // names come from timeoutStatements(): fixed identifiers
            appliedTimeouts.put(name, queryString("SELECT @@SESSION." + name));
        }
    }

    Map<String, String> appliedTimeouts() {
        return Map.copyOf(appliedTimeouts);
    }

    // ------------------------------------------------------------------ info

    @Override
    public TargetInfo info() {
        return new TargetInfo(spec.name(), engine, probe.version(), spec.redactedUrl(), spec.user(), 1);
    }

    boolean isMariaDb() {
        return engine == Engine.MARIADB || probe.isMariaDb();
    }

    boolean isOceanBase() {
        return engine == Engine.OCEANBASE_MYSQL;
    }

    /** MySQL proper (8.0/8.4, RDS/Aurora): the privilege names and performance_schema tables differ from MariaDB's. */
    boolean isMySql() {
        return !isMariaDb() && !isOceanBase();
    }

    boolean killsViaRds() {
        return engine == Engine.MYSQL_RDS || probe.rdsProcedures();
    }

    Features features() {
        return features;
    }

    @Override
    public Map<String, String> capabilities() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("processlist", processlistSource());
        m.put("transactions", features.innodbTrx() ? "information_schema.INNODB_TRX" : "unavailable");
        m.put("rowLockWaits", features.dataLockWaits() ? "performance_schema.data_lock_waits"
                : features.innodbLockWaits() ? "information_schema.INNODB_LOCK_WAITS" : "unavailable");
        m.put("metadataLockWaits", mdlSource());
        m.put("cancel", isMariaDb() && !killsViaRds() ? "KILL QUERY ID <query_id>" : killsViaRds()
                ? "CALL mysql.rds_kill_query(<id>)" : "KILL QUERY <id>");
        m.put("terminate", killsViaRds() ? "CALL mysql.rds_kill(<id>)" : "KILL CONNECTION <id>");
        m.put("ownSessionTimeouts", appliedTimeouts.isEmpty() ? "none" : appliedTimeouts.toString());
        m.put("incarnation", "sha256(user, host:port" + (features.psThreads() ? ", performance_schema THREAD_ID" : "")
                + (features.threadPerConnection() && isMariaDb() ? ", OS thread id" : "") + ")");
        return m;
    }

    String processlistSource() {
        if (features.psProcesslist()) {
            return "performance_schema.processlist";
        }
        return "information_schema.PROCESSLIST" + (features.psThreads() ? " + performance_schema.threads" : "");
    }

    String mdlSource() {
        if (features.psMdl()) {
            return "performance_schema.metadata_locks";
        }
        if (features.mdlInfoPlugin()) {
            return "information_schema.METADATA_LOCK_INFO (granted locks) + waiting statements";
        }
        return "inferred from INNODB_TRX and waiting statements";
    }

    // ------------------------------------------------------------------ discovery

    private Features discover() {
        boolean ps = queryFlag("SELECT @@performance_schema");
        Set<String> tables = new LinkedHashSet<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT LOWER(TABLE_SCHEMA), LOWER(TABLE_NAME) FROM information_schema.TABLES"
                        + " WHERE (TABLE_SCHEMA = 'performance_schema' AND TABLE_NAME IN ('processlist', 'threads',"
                        + " 'metadata_locks', 'data_lock_waits', 'session_connect_attrs', 'events_statements_current',"
                        + " 'setup_instruments'))"
                        + " OR (TABLE_SCHEMA = 'information_schema' AND TABLE_NAME IN ('INNODB_LOCK_WAITS',"
                        + " 'METADATA_LOCK_INFO', 'INNODB_TRX'))")) {
            while (rs.next()) {
                tables.add(rs.getString(1) + "." + rs.getString(2));
            }
        } catch (SQLException e) {
            // an account that cannot list tables gets the basic sources only
        }
        boolean psThreads = ps && tables.contains("performance_schema.threads");
        boolean psMdlTable = ps && tables.contains("performance_schema.metadata_locks");
        boolean mdlInstrument = psMdlTable && tables.contains("performance_schema.setup_instruments")
                && "YES".equalsIgnoreCase(queryString("SELECT ENABLED FROM performance_schema.setup_instruments"
                        + " WHERE NAME = 'wait/lock/metadata/sql/mdl'"));
        String handling = queryString("SELECT @@thread_handling");
        String account = queryString("SELECT CURRENT_USER()");
        return new Features(ps,
                // MariaDB has no performance_schema.processlist; MySQL 8.0.22+ has, and it does not take the global mutex
                ps && !probe.isMariaDb() && tables.contains("performance_schema.processlist") && psThreads,
                psThreads,
                psThreads && tables.contains("performance_schema.events_statements_current"),
                ps && tables.contains("performance_schema.session_connect_attrs"),
                mdlInstrument && psThreads,
                psMdlTable,
                ps && psThreads && tables.contains("performance_schema.data_lock_waits"),
                tables.contains("information_schema.innodb_lock_waits"),
                // OceanBase lists no InnoDB transactions: its idle sessions are shown UNKNOWN, not falsely IDLE
                tables.contains("information_schema.innodb_trx") && !probe.isOceanBase(),
                tables.contains("information_schema.metadata_lock_info"),
                handling == null || handling.equalsIgnoreCase("one-thread-per-connection"),
                account);
    }

    private boolean queryFlag(String sql) {
        String v = queryString(sql);
        return v != null && (v.equals("1") || v.equalsIgnoreCase("ON") || v.equalsIgnoreCase("true"));
    }

    private String queryString(String sql) {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ connection

    /** Reconnects when the connection died; the own-session id is read again with every snapshot. */
    private void ensureConnected() {
        try {
            if (conn != null && !conn.isClosed() && conn.isValid(5)) {
                return;
            }
        } catch (SQLException e) {
            // fall through to reconnect
        }
        closeQuietly();
        Properties props = new Properties();
        if (spec.user() != null) {
            props.setProperty("user", spec.user());
        }
        if (spec.password() != null) {
            props.setProperty("password", spec.password());
        }
        String url = spec.url();
        try {
            DriverManager.getDriver(url);
        } catch (SQLException noDriver) {
            url = new OceanBaseMySqlDialect().driverUrl(url); // as the registry did for jdbc:oceanbase:
        }
        try {
            conn = DriverManager.getConnection(url, props);
            probe = ServerProbe.of(conn, spec);
            init();
            seen.clear();
        } catch (SQLException e) {
            throw new TargetException(TargetException.Kind.CONNECTION_LOST, "reconnecting to " + spec.name() + " ("
                    + spec.redactedUrl() + ") failed: " + dev.sessionctl.dialect.SqlErrors.firstLine(e.getMessage()),
                    null, MySqlErrors.code(e), e);
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        if (conn == null) {
            return;
        }
        try {
            conn.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }

    // ------------------------------------------------------------------ snapshot

    @Override
    public Snapshot snapshot() {
        ensureConnected();
        try {
            return read();
        } catch (SQLException e) {
            throw MySqlErrors.translate(e, "reading sessions of " + spec.name(), grantFor("PROCESS"));
        }
    }

    /**
     * Reads only the given sessions: the re-check of the kill path (a watch deadline, the verifier).
     * See docs/mysql.md "Narrowed reads" for why each part is correct:
     * <ul>
     * <li>the process-list rows of those ids only (an {@code IN} list of bound longs);</li>
     * <li>their INNODB_TRX rows, from a cache fill this very read proves it caused: the read runs
     * inside a transaction of our own, and the cache must list our own transaction with this read's
     * unique mark as its current statement ({@code trx_query}); otherwise the cache was filled before
     * (someone read it less than 100 ms ago) and the read is repeated once after InnoDB's 100 ms;</li>
     * <li>the row-lock waits, read right after from the same cache fill, so they are as fresh as the
     * transactions and cost no further wait.</li>
     * </ul>
     * Whatever it cannot prove (a metadata-lock wait without performance_schema, whose blockers are
     * inferred from every open transaction; a cache kept stale by another client) falls back to a full
     * read, filtered to the given sessions.
     */
    @Override
    public Snapshot snapshot(java.util.Collection<SessionRef> only) {
        if (only == null) {
            return snapshot();
        }
        ensureConnected();
        try {
            Snapshot narrowed = readNarrowed(only);
            if (narrowed != null) {
                return narrowed;
            }
            narrowedFallbacks++;
            Snapshot full = read();
            Set<SessionRef> wanted = new java.util.HashSet<>(only);
            return new Snapshot(full.target(), full.engine(), full.serverVersion(), full.serverTime(),
                    full.sessions().stream().filter(x -> wanted.contains(x.ref())).toList(), full.ownSessions());
        } catch (SQLException e) {
            throw MySqlErrors.translate(e, "reading sessions of " + spec.name(), grantFor("PROCESS"));
        }
    }

    /** How many narrowed reads fell back to a full read (tests and diagnostics). */
    int narrowedFallbacks;
    private long fillMark;

    private Snapshot readNarrowed(java.util.Collection<SessionRef> only) throws SQLException {
        Instant now;
        long own;
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT UTC_TIMESTAMP(6), CONNECTION_ID()")) {
            rs.next();
            now = LocalDateTime.parse(rs.getString(1), SERVER_TIME).toInstant(ZoneOffset.UTC);
            own = rs.getLong(2);
        }
        // only the id can name a session here (the instance number is always 0 on this family); a
        // SessionRef's id is a long, so the IN list binds validated longs
        List<Long> ids = only.stream().map(SessionRef::sessionId).filter(id -> id > 0).distinct().toList();
        List<Row> rows = readRows(ids);
        if (rows.stream().anyMatch(r -> isMdlWaitState(r.state())) && !features.psMdl()) {
            return null; // inferred / plugin MDL blockers need every open transaction: a full read
        }
        Snapshot quick = innodbReadable ? fromProven(now, own, rows, new java.util.HashSet<>(ids)) : null;
        if (quick != null) {
            return quick;
        }
        innodbReadable = true;
        Map<Long, Trx> trx = Map.of();
        Map<Long, List<RowWait>> rowWaits = Map.of();
        if (rows.stream().anyMatch(r -> r.id() != own)) {
            try {
                trx = readTransactionsProvenFresh(rows, own);
                if (trx == null) {
                    return null;
                }
                Set<Long> scope = new java.util.HashSet<>(ids);
                rowWaits = narrowedRowWaits(readRowWaits(), rows, scope);
            } catch (SQLException e) {
                if (!lacksPrivilege(e)) {
                    throw e;
                }
                innodbReadable = false;
                trx = Map.of();
                rowWaits = Map.of();
            }
        }
        Map<Long, MdlWaitGraph.Wait> mdlWaits = readMdlWaitsIfPermitted(rows, trx);
        return build(now, own, rows, trx, rowWaits, mdlWaits, ids);
    }

    /**
     * INNODB_TRX rows of these sessions, or null when this read cannot prove the cache was filled by
     * it (after one retry past InnoDB's 100 ms). The proof: our own transaction (opened just before,
     * committed just after) is listed with this statement, recognised by a mark made of a counter,
     * as its {@code trx_query}. A cache filled before our transaction began cannot list it; one
     * filled by an earlier read of ours lists an earlier mark.
     */
    private Map<Long, Trx> readTransactionsProvenFresh(List<Row> rows, long own) throws SQLException {
        if (!features.innodbTrx()) {
            return Map.of();
        }
        List<Long> ids = new ArrayList<>();
        rows.forEach(r -> ids.add(r.id()));
        for (int attempt = 0; attempt < 2; attempt++) {
            // a read of ours less than 100 ms ago would keep the cache as it is: no use reading before
            // (InnoDB's clock starts when its read ends, before ours: 102 ms after ours is past it)
            letInnodbCacheRefresh(INNODB_REFRESH_MS + 2);
            TrxRead read = readTransactionsMarked(ids, own);
            if (read.fresh()) {
                return read.trx();
            }
        }
        return null;
    }

    /** INNODB_TRX rows and whether this read proved it filled the cache itself. */
    private record TrxRead(Map<Long, Trx> trx, boolean fresh) {
    }

    /**
     * INNODB_TRX rows (of these sessions, or all), read inside a transaction of our own with a unique
     * mark in the statement text: fresh when our own transaction is listed with this statement as its
     * {@code trx_query}. Does not wait: callers respect InnoDB's 100 ms first.
     */
    private TrxRead readTransactionsMarked(List<Long> onlyIds, long own) throws SQLException {
        if (!features.innodbTrx()) {
            return new TrxRead(new HashMap<>(), false);
        }
        List<Long> ids = onlyIds == null ? null : new ArrayList<>(onlyIds);
        if (ids != null) {
            ids.add(own);
        }
        String mark = "sessionctl-fill-" + (++fillMark); // digits from a counter: safe in the text
        Map<Long, Trx> out = new HashMap<>();
        boolean fresh = false;
        try (Statement st = conn.createStatement()) {
            st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
            try (PreparedStatement ps = conn.prepareStatement("SELECT '" + mark + "', trx_mysql_thread_id, trx_id,"
                    + " trx_state, TIMESTAMPDIFF(MICROSECOND, trx_started, NOW(6)), trx_rows_modified,"
                    + " trx_isolation_level, TIMESTAMPDIFF(MICROSECOND, trx_wait_started, NOW(6)), trx_query,"
                    // what the transaction holds, in the same read (INNODB_TRX: rows locked is approximate)
                    + " trx_rows_locked, trx_lock_structs, trx_tables_locked"
                    + " FROM information_schema.INNODB_TRX"
                    + (ids == null ? "" : " WHERE trx_mysql_thread_id IN (" + placeholders(ids.size()) + ")"))) {
                for (int i = 0; ids != null && i < ids.size(); i++) {
                    ps.setLong(i + 1, ids.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long thread = rs.getLong(2);
                        if (thread == own) {
                            String q = rs.getString(9);
                            fresh |= q != null && q.contains("'" + mark + "'");
                            continue;
                        }
                        out.put(thread, new Trx(rs.getString(3), rs.getString(4), longOrNull(rs, 5), longOrNull(rs, 6),
                                rs.getString(7), longOrNull(rs, 8), longOrNull(rs, 10), longOrNull(rs, 11),
                                longOrNull(rs, 12)));
                    }
                }
            } finally {
                lastInnodbRead = System.nanoTime();
                st.execute("COMMIT");
            }
        }
        return new TrxRead(out, fresh);
    }

    /**
     * Row-lock waits for a narrowed read: kept when the waiter is listed and running a statement,
     * and the blocker is listed, is 0 (an XA transaction without a session), or lies outside the
     * given sessions (not read, so not known gone; the cache is fresh).
     */
    static Map<Long, List<RowWait>> narrowedRowWaits(Map<Long, List<RowWait>> waits, List<Row> rows, Set<Long> scope) {
        Map<Long, Row> byId = new HashMap<>();
        rows.forEach(r -> byId.put(r.id(), r));
        Map<Long, List<RowWait>> out = new HashMap<>();
        waits.forEach((waiter, list) -> {
            Row w = byId.get(waiter);
            if (w == null || "Sleep".equalsIgnoreCase(w.command())) {
                return;
            }
            List<RowWait> kept = list.stream().filter(x -> x.blocking() == 0 || byId.containsKey(x.blocking())
                    || !scope.contains(x.blocking())).toList();
            if (!kept.isEmpty()) {
                out.put(waiter, kept);
            }
        });
        return out;
    }

    private Snapshot read() throws SQLException {
        Instant now;
        long own;
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT UTC_TIMESTAMP(6), CONNECTION_ID()")) {
            rs.next();
            now = LocalDateTime.parse(rs.getString(1), SERVER_TIME).toInstant(ZoneOffset.UTC);
            own = rs.getLong(2);
        }
        List<Row> rows = readRows((List<Long>) null);
        // without PROCESS the process list still shows this account's own sessions (what a developer
        // needs to end a runaway query of their own); only transactions and lock waits are out of reach
        innodbReadable = true;
        Map<Long, Trx> trx;
        Map<Long, List<RowWait>> rowWaits;
        boolean fresh = false;
        try {
            letInnodbCacheRefresh();
            TrxRead read = readTransactionsMarked(null, own);
            trx = read.trx();
            fresh = read.fresh();
            rowWaits = consistentRowWaits(readRowWaits(), rows);
        } catch (SQLException e) {
            if (!lacksPrivilege(e)) {
                throw e;
            }
            innodbReadable = false;
            trx = Map.of();
            rowWaits = Map.of();
        }
        lastInnodbRead = System.nanoTime();
        Map<Long, MdlWaitGraph.Wait> mdlWaits = readMdlWaitsIfPermitted(rows, trx);
        Map<Long, String> programs = readPrograms();
        List<Session> sessions = new ArrayList<>(rows.size());
        Set<SessionRef> present = new LinkedHashSet<>();
        for (Row r : rows) {
            Session s = toSession(r, now, trx, rowWaits.getOrDefault(r.id(), List.of()), mdlWaits.get(r.id()),
                    programs.get(r.id()));
            sessions.add(s);
            present.add(s.ref());
        }
        seen.keySet().retainAll(present);
        lastProven = null;
        if (fresh && innodbReadable) {
            Map<Long, Proven> facts = new HashMap<>();
            for (Row r : rows) {
                facts.put(r.id(), new Proven(r, incarnation(r), trx.get(r.id()), rowWaits.getOrDefault(r.id(), List.of()),
                        mdlWaits.containsKey(r.id())));
            }
            lastProven = facts;
        }
        return new Snapshot(spec.name(), engine, probe.version(), now, sessions, Set.of(SessionRef.of(own)));
    }

    /** A session as the last full read saw it, when that read proved InnoDB's cache was filled by it. */
    private record Proven(Row row, String incarnation, Trx trx, List<RowWait> rowWaits, boolean mdlWait) {
    }

    private Map<Long, Proven> lastProven;
    /** Narrowed reads answered without reading InnoDB's tables (tests and diagnostics). */
    int narrowedWithoutInnodb;

    /**
     * True when this idle session ran no command since the last proven full read: it slept then
     * (for more than 10 ms), sleeps now, has the same QUERY_ID (every statement takes a new one) and
     * the same sleep start (TIME_MS; any command, a ping or a reset included, starts a new one, at
     * least 10 ms later). Its transaction, and the locks it holds, are then what that read saw.
     */
    static boolean unchangedIdle(Row now, String incarnation, Proven then) {
        if (then == null || !then.incarnation().equals(incarnation) || !"Sleep".equalsIgnoreCase(now.command())
                || !"Sleep".equalsIgnoreCase(then.row().command()) || now.queryId() == null
                || !now.queryId().equals(then.row().queryId()) || then.row().timeMs() == null || then.row().timeMs() <= 10) {
            return false;
        }
        Instant a = now.commandStart();
        Instant b = then.row().commandStart();
        return a != null && b != null && Duration.between(a, b).abs().toNanos() <= 2_000_000;
    }

    /**
     * The narrowed re-check without InnoDB's tables, or null. Possible when every listed session
     * (but our own) is either an unchanged idle session ({@link #unchangedIdle}), whose transaction
     * is the proven one, or a waiter still running the same statement (same QUERY_ID) whose every
     * row-lock blocker at that read is such an unchanged idle session among the given ones: the
     * blocker still holds the same locks (an idle session takes and releases none) and the waiter's
     * statement has not ended, so it still waits on it (it cannot get past a lock still held).
     */
    private Snapshot fromProven(Instant now, long own, List<Row> rows, Set<Long> scope) {
        Map<Long, Proven> proven = lastProven;
        if (proven == null) {
            return null;
        }
        Map<Long, Row> byId = new HashMap<>();
        rows.forEach(r -> byId.put(r.id(), r));
        Map<Long, Trx> trx = new HashMap<>();
        Map<Long, List<RowWait>> waits = new HashMap<>();
        for (Row r : rows) {
            if (r.id() == own) {
                continue;
            }
            Proven then = proven.get(r.id());
            String inc = incarnation(r);
            if (unchangedIdle(r, inc, then)) {
                if (then.trx() != null) {
                    trx.put(r.id(), then.trx());
                }
                continue;
            }
            if (then == null || !then.incarnation().equals(inc) || then.mdlWait() || then.rowWaits().isEmpty()
                    || "Sleep".equalsIgnoreCase(r.command()) || r.queryId() == null
                    || !r.queryId().equals(then.row().queryId())) {
                return null;
            }
            for (RowWait w : then.rowWaits()) {
                Row blocker = byId.get(w.blocking());
                if (blocker == null || !scope.contains(w.blocking())
                        || !unchangedIdle(blocker, incarnation(blocker), proven.get(w.blocking()))) {
                    return null;
                }
            }
            waits.put(r.id(), then.rowWaits());
            if (then.trx() != null) {
                trx.put(r.id(), then.trx());
            }
        }
        narrowedWithoutInnodb++;
        return build(now, own, rows, trx, waits, Map.of(), scope);
    }

    private Snapshot build(Instant now, long own, List<Row> rows, Map<Long, Trx> trx, Map<Long, List<RowWait>> rowWaits,
                           Map<Long, MdlWaitGraph.Wait> mdlWaits, java.util.Collection<Long> ids) {
        Map<Long, String> programs = readPrograms();
        List<Session> sessions = new ArrayList<>(rows.size());
        Set<SessionRef> present = new java.util.HashSet<>();
        for (Row r : rows) {
            Session x = toSession(r, now, trx, rowWaits.getOrDefault(r.id(), List.of()), mdlWaits.get(r.id()),
                    programs.get(r.id()));
            sessions.add(x);
            present.add(x.ref());
        }
        for (long id : ids) {
            if (!present.contains(SessionRef.of(id))) {
                seen.remove(SessionRef.of(id));
            }
        }
        return new Snapshot(spec.name(), engine, probe.version(), now, sessions, Set.of(SessionRef.of(own)));
    }

    String processlistSql(boolean one) {
        return processlistSql(one ? 1 : 0);
    }

    /** The process-list query; with {@code ids > 0}, restricted to that many bound ids ({@code p.ID IN (?, ...)}). */
    String processlistSql(int ids) {
        boolean maria = probe.isMariaDb();
        String statementEvent = features.psStatements()
                ? "(SELECT MIN(s.EVENT_ID) FROM performance_schema.events_statements_current s"
                  + " WHERE s.THREAD_ID = t.THREAD_ID AND s.END_EVENT_ID IS NULL)" : "NULL";
        String threadCols = features.psThreads() ? "t.THREAD_ID, t.TYPE, t.NAME" : "NULL, NULL, NULL";
        String from = features.psProcesslist() ? "performance_schema.processlist p" : "information_schema.PROCESSLIST p";
        // MariaDB's main thread keeps the processlist id it had while running the init file: never join it
        String join = features.psThreads() ? " LEFT JOIN performance_schema.threads t ON t.PROCESSLIST_ID = p.ID"
                + " AND t.NAME <> 'thread/sql/main'" : "";
        String osThread = maria ? "p.TID" : features.psThreads() ? "t.THREAD_OS_ID" : "NULL";
        return "SELECT p.ID, p.USER, p.HOST, p.DB, p.COMMAND, p.TIME, p.STATE, p.INFO, "
                + (maria ? "p.TIME_MS, p.QUERY_ID, " : "NULL, NULL, ") + osThread + ", " + threadCols + ", "
                + statementEvent + ", " + digestColumn(probe.isMySql(), features.psStatements()) + ", UTC_TIMESTAMP(6)"
                + " FROM " + from + join
                + (ids == 1 ? " WHERE p.ID = ?" : ids > 1 ? " WHERE p.ID IN (" + placeholders(ids) + ")" : "");
    }

    /**
     * The running statement's digest (MySQL 8 performance_schema, when events_statements_current is
     * there): the SQL id, like PostgreSQL's query_id, so one statement shape can be matched across
     * sessions. The outermost open statement, as for the statement identity. MariaDB's and
     * OceanBase's processlists have no such id: NULL there.
     */
    static String digestColumn(boolean mysql, boolean psStatements) {
        return mysql && psStatements ? "(SELECT s.DIGEST FROM performance_schema.events_statements_current s"
                + " WHERE s.THREAD_ID = t.THREAD_ID AND s.END_EVENT_ID IS NULL ORDER BY s.EVENT_ID LIMIT 1)" : "NULL";
    }

    static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    /** All sessions, or the one with this id. */
    List<Row> readRows(Long onlyId) throws SQLException {
        return readRows(onlyId == null ? null : List.of(onlyId));
    }

    /** All sessions (null), or those with these ids (bound parameters). */
    List<Row> readRows(List<Long> onlyIds) throws SQLException {
        List<Row> out = new ArrayList<>();
        if (onlyIds != null && onlyIds.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = conn.prepareStatement(processlistSql(onlyIds == null ? 0 : onlyIds.size()))) {
            for (int i = 0; onlyIds != null && i < onlyIds.size(); i++) {
                ps.setLong(i + 1, onlyIds.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                Set<Long> ids = new java.util.HashSet<>();
                while (rs.next()) {
                    if (!ids.add(rs.getLong(1))) {
                        continue; // one row per session even if a join ever matched twice
                    }
                    out.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            longOrNull(rs, 6), rs.getString(7), rs.getString(8), doubleOrNull(rs, 9), longOrNull(rs, 10),
                            longOrNull(rs, 11), longOrNull(rs, 12), rs.getString(13), rs.getString(14),
                            longOrNull(rs, 15), rs.getString(16),
                            LocalDateTime.parse(rs.getString(17), SERVER_TIME).toInstant(ZoneOffset.UTC)));
                }
            }
        }
        return out;
    }

    /**
     * InnoDB fills INNODB_TRX, INNODB_LOCKS and INNODB_LOCK_WAITS from one cache that it refreshes
     * only when it was last read more than 100 ms ago, and every read resets that clock: a caller
     * polling faster would see the same stale picture forever. So a snapshot starts reading them
     * no sooner than {@value #INNODB_CACHE_MS} ms after the previous snapshot did; the reads within
     * one snapshot then share one refresh, which keeps them consistent with each other.
     */
    private static final long INNODB_CACHE_MS = 120;
    private long lastInnodbRead;

    /** InnoDB's own rule (CACHE_MIN_IDLE_TIME): refresh only when not read for this long. */
    private static final long INNODB_REFRESH_MS = 100;

    private void letInnodbCacheRefresh() {
        letInnodbCacheRefresh(INNODB_CACHE_MS);
    }

    private void letInnodbCacheRefresh(long afterMs) {
        long waitMs = afterMs - (System.nanoTime() - lastInnodbRead) / 1_000_000;
        if (lastInnodbRead != 0 && waitMs > 0) {
            try {
                Thread.sleep(waitMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** False while the last snapshot could not read INNODB_TRX for lack of PROCESS: idle is then unknown. */
    private boolean innodbReadable = true;

    /** ER_SPECIFIC_ACCESS_DENIED_ERROR (PROCESS needed) or ER_TABLEACCESS_DENIED_ERROR (a performance_schema table). */
    private static boolean lacksPrivilege(SQLException e) {
        return e.getErrorCode() == 1227 || e.getErrorCode() == 1142;
    }

    private Map<Long, List<RowWait>> readRowWaits() throws SQLException {
        String sql;
        if (features.dataLockWaits()) {
            sql = "SELECT rt.PROCESSLIST_ID, bt.PROCESSLIST_ID, CONCAT(l.OBJECT_SCHEMA, '.', l.OBJECT_NAME),"
                    + " l.INDEX_NAME, l.LOCK_MODE FROM performance_schema.data_lock_waits w"
                    + " JOIN performance_schema.threads rt ON rt.THREAD_ID = w.REQUESTING_THREAD_ID"
                    + " JOIN performance_schema.threads bt ON bt.THREAD_ID = w.BLOCKING_THREAD_ID"
                    + " LEFT JOIN performance_schema.data_locks l ON l.ENGINE = w.ENGINE"
                    + " AND l.ENGINE_LOCK_ID = w.REQUESTING_ENGINE_LOCK_ID";
        } else if (features.innodbLockWaits()) {
            sql = "SELECT r.trx_mysql_thread_id, b.trx_mysql_thread_id, l.lock_table, l.lock_index, l.lock_mode"
                    + " FROM information_schema.INNODB_LOCK_WAITS w"
                    + " JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id"
                    + " JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id"
                    + " LEFT JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id";
        } else {
            return Map.of();
        }
        Map<Long, List<RowWait>> out = new HashMap<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                long w = rs.getLong(1);
                long b = rs.getLong(2);
                if (w != b) {
                    out.computeIfAbsent(w, k -> new ArrayList<>()).add(new RowWait(w, b, rs.getString(3),
                            rs.getString(4), rs.getString(5)));
                }
            }
        }
        return out;
    }

    /**
     * InnoDB serves INNODB_TRX / INNODB_LOCKS / INNODB_LOCK_WAITS from a cache refreshed at most every
     * 100 ms, so right after a kill they can still show the dead session's locks while the process
     * list no longer does. A row-lock wait is kept only when the waiter is running a statement
     * (a sleeping session waits for nothing) and the blocker is still listed (or is 0: an XA
     * transaction prepared without a session, which must stay visible).
     */
    static Map<Long, List<RowWait>> consistentRowWaits(Map<Long, List<RowWait>> waits, List<Row> rows) {
        Map<Long, Row> byId = new HashMap<>();
        rows.forEach(r -> byId.put(r.id(), r));
        Map<Long, List<RowWait>> out = new HashMap<>();
        waits.forEach((waiter, list) -> {
            Row w = byId.get(waiter);
            if (w == null || "Sleep".equalsIgnoreCase(w.command())) {
                return;
            }
            List<RowWait> kept = list.stream().filter(x -> x.blocking() == 0 || byId.containsKey(x.blocking())).toList();
            if (!kept.isEmpty()) {
                out.put(waiter, kept);
            }
        });
        return out;
    }

    /**
     * States of a session waiting in the metadata-lock subsystem: table / schema / stored routine /
     * trigger / event metadata locks, the global read lock, the commit lock and the backup lock.
     * ("Waiting for table level lock" is MyISAM's table lock, not MDL.)
     */
    static boolean isMdlWaitState(String state) {
        return state != null && state.startsWith(MDL_WAIT_STATE_PREFIX) && (state.endsWith("metadata lock")
                || state.endsWith("global read lock") || state.endsWith("commit lock") || state.endsWith("backup lock"));
    }

    /** Only object metadata-lock waits are inferred; a global read / commit / backup lock names no table. */
    static boolean isObjectMdlWaitState(String state) {
        return isMdlWaitState(state) && state.endsWith("metadata lock");
    }

    /** Metadata-lock waits, read only when some session is in a metadata-lock wait state. */
    /** Metadata-lock waits, or none when this account may not read their source. */
    private Map<Long, MdlWaitGraph.Wait> readMdlWaitsIfPermitted(List<Row> rows, Map<Long, Trx> trx) throws SQLException {
        try {
            return readMdlWaits(rows, trx);
        } catch (SQLException e) {
            if (!lacksPrivilege(e)) {
                throw e;
            }
            return Map.of();
        }
    }

    private Map<Long, MdlWaitGraph.Wait> readMdlWaits(List<Row> rows, Map<Long, Trx> trx) throws SQLException {
        List<MdlWaitGraph.Waiter> waiters = new ArrayList<>();
        for (Row r : rows) {
            if (isMdlWaitState(r.state())) {
                waiters.add(new MdlWaitGraph.Waiter(r.id(), r.info(), r.db()));
            }
        }
        if (waiters.isEmpty()) {
            return Map.of();
        }
        if (features.psMdl()) {
            List<MdlWaitGraph.Lock> locks = new ArrayList<>();
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT t.PROCESSLIST_ID, m.OBJECT_TYPE, m.OBJECT_SCHEMA, m.OBJECT_NAME, m.LOCK_TYPE, m.LOCK_STATUS"
                            + " FROM performance_schema.metadata_locks m"
                            + " JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID"
                            + " WHERE t.PROCESSLIST_ID IS NOT NULL AND m.LOCK_STATUS IN ('GRANTED', 'PENDING')")) {
                while (rs.next()) {
                    locks.add(new MdlWaitGraph.Lock(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            MdlWaitGraph.Mode.parse(rs.getString(5)), "GRANTED".equalsIgnoreCase(rs.getString(6))));
                }
            }
            return MdlWaitGraph.fromLocks(locks);
        }
        Set<Long> open = new LinkedHashSet<>(trx.keySet());
        waiters.removeIf(w -> rows.stream().anyMatch(r -> r.id() == w.sessionId() && !isObjectMdlWaitState(r.state())));
        if (features.mdlInfoPlugin()) {
            List<MdlWaitGraph.Lock> granted = new ArrayList<>();
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT THREAD_ID, LOCK_MODE, TABLE_SCHEMA, TABLE_NAME FROM information_schema.METADATA_LOCK_INFO"
                            + " WHERE TABLE_NAME IS NOT NULL AND TABLE_NAME <> ''")) {
                while (rs.next()) {
                    granted.add(new MdlWaitGraph.Lock(rs.getLong(1), "TABLE", rs.getString(3), rs.getString(4),
                            MdlWaitGraph.Mode.parse(rs.getString(2)), true));
                }
            }
            return MdlWaitGraph.withGrantedOnly(granted, waiters, open);
        }
        return MdlWaitGraph.inferred(waiters, open);
    }

    /** Program name from the connection attributes (program_name, else the driver's _client_name). */
    private Map<Long, String> readPrograms() {
        Map<Long, String> out = new HashMap<>();
        if (!features.psConnectAttrs()) {
            return out;
        }
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT PROCESSLIST_ID, ATTR_NAME, ATTR_VALUE FROM performance_schema.session_connect_attrs"
                        + " WHERE ATTR_NAME IN ('program_name', '_client_name')")) {
            while (rs.next()) {
                long id = rs.getLong(1);
                if ("program_name".equals(rs.getString(2)) || !out.containsKey(id)) {
                    out.put(id, rs.getString(3));
                }
            }
        } catch (SQLException e) {
            // program names are a nicety; the snapshot stands without them
        }
        return out;
    }

    private Session toSession(Row r, Instant now, Map<Long, Trx> trxBySession, List<RowWait> rowWaits,
                              MdlWaitGraph.Wait mdl, String program) {
        String incarnation = incarnation(r);
        SessionKey key = new SessionKey(spec.name(), 0, r.id(), incarnation);
        Trx trx = trxBySession.get(r.id());
        SessionKind kind = kindOf(r);
        SessionState state = stateOf(r, trx, features.innodbTrx() && innodbReadable);
        String[] hostPort = splitHostPort(r.host());
        Session.Builder b = Session.builder(key).user(r.user()).database(r.db()).clientHost(hostPort[0]).state(state)
                .kind(kind).backendType(backendTypeOf(r, kind)).program(program).sqlText(r.info())
                .sqlId(statementToken(r) == null ? null : r.digest());
        if (hostPort[1] != null) {
            b.attribute("clientPort", hostPort[1]);
        }
        long inStateMs = r.timeMs() != null ? Math.round(r.timeMs()) : r.time() == null ? -1 : r.time() * 1000;
        if (inStateMs >= 0) {
            b.stateSince(now.minusMillis(inStateMs));
        }
        String token = statementToken(r);
        if (token != null) {
            SeenStatement prev = seen.get(SessionRef.of(r.id()));
            Instant start = inStateMs >= 0 ? now.minusMillis(inStateMs) : now;
            if (prev != null && prev.incarnation().equals(incarnation) && prev.token().equals(token)
                    && (!token.startsWith("text:") || Duration.between(prev.start(), start).abs().toMillis() <= 2000)) {
                start = prev.start();
            }
            seen.put(SessionRef.of(r.id()), new SeenStatement(incarnation, token, start));
            b.queryStart(start).attribute("statement", token);
        } else {
            seen.remove(SessionRef.of(r.id()));
        }
        b.attribute("command", r.command()).attribute("thread_state", r.state());
        if (r.queryId() != null) {
            b.attribute("query_id", r.queryId().toString());
        }
        if (r.threadId() != null) {
            b.attribute("thread_id", r.threadId().toString());
        }
        if (r.osThreadId() != null) {
            b.attribute("os_thread_id", r.osThreadId().toString());
        }
        if (trx != null) {
            if (trx.ageMicros() != null) {
                b.transactionStart(now.minusNanos(trx.ageMicros() * 1000));
            }
            b.transactionSize(trx.rowsModified()).attribute("trx_id", trx.trxId()).attribute("trx_state", trx.state())
                    .attribute("trx_isolation", trx.isolation()).attribute("locksHeld", trx.locksHeld());
            if (trx.locksHeld() != null && trx.rowsLocked() != null) {
                b.attribute("rowsLocked", trx.rowsLocked().toString());
            }
        }
        Set<SessionRef> blockers = new LinkedHashSet<>();
        if (!rowWaits.isEmpty()) {
            RowWait first = rowWaits.get(0);
            rowWaits.forEach(w -> blockers.add(SessionRef.of(w.blocking())));
            String table = first.table() == null ? "?" : first.table().replace("`", "");
            String detail = java.util.stream.Stream.of(first.index(), first.mode()).filter(x -> x != null)
                    .collect(java.util.stream.Collectors.joining(", "));
            b.waitEventType("row lock").waitEvent(table + (detail.isEmpty() ? "" : " (" + detail + ")"));
            if (trx != null && trx.waitMicros() != null) {
                b.stateSince(now.minusNanos(trx.waitMicros() * 1000));
            }
        } else if (mdl != null) {
            b.waitEventType("metadata lock").waitEvent(mdl.object()
                    + (mdl.inferred() ? ", blockers inferred from open transactions" : ""));
        } else if (r.state() != null && !r.state().isEmpty() && state == SessionState.ACTIVE) {
            b.waitEvent(r.state());
        }
        if (mdl != null) {
            mdl.blockers().forEach(id -> blockers.add(SessionRef.of(id)));
            b.attribute("mdl_blockers", mdl.inferred() ? "inferred" : mdlSource());
        }
        blockers.remove(SessionRef.of(r.id()));
        b.blockedBy(new ArrayList<>(blockers));
        return b.build();
    }

    /** A statement's own identity, so a cancel is only sent to the statement the user saw. */
    String statementToken(Row r) {
        if (r.info() == null || "Sleep".equalsIgnoreCase(r.command()) || "Daemon".equalsIgnoreCase(r.command())) {
            return null;
        }
        if (r.queryId() != null && r.queryId() > 0) {
            return "query:" + r.queryId();
        }
        if (r.eventId() != null) {
            return "event:" + r.threadId() + "." + r.eventId();
        }
        return "text:" + digest(r.info());
    }

    static SessionKind kindOf(Row r) {
        String cmd = r.command() == null ? "" : r.command();
        String user = r.user() == null ? "" : r.user();
        if (user.equals("event_scheduler") || "thread/sql/event_scheduler".equals(r.threadName())) {
            return SessionKind.SYSTEM;
        }
        if (cmd.equals("Binlog Dump") || cmd.equals("Binlog Dump GTID") || cmd.startsWith("Slave_")
                || cmd.equals("Register Slave") || (user.equals("system user") && cmd.equals("Connect"))) {
            return SessionKind.REPLICATION;
        }
        if (user.equals("system user")) {
            return SessionKind.SYSTEM;
        }
        if (cmd.equals("Daemon") || "BACKGROUND".equalsIgnoreCase(r.threadType())) {
            return SessionKind.BACKGROUND;
        }
        return SessionKind.CLIENT;
    }

    private static String backendTypeOf(Row r, SessionKind kind) {
        if (kind == SessionKind.CLIENT) {
            return "client";
        }
        if ("event_scheduler".equals(r.user())) {
            return "event_scheduler";
        }
        return kind == SessionKind.REPLICATION || r.user() == null ? r.command() : r.user() + " (" + r.command() + ")";
    }

    static SessionState stateOf(Row r, Trx trx, boolean trxKnown) {
        String cmd = r.command() == null ? "" : r.command();
        if (cmd.equals("Killed")) {
            return SessionState.TERMINATING;
        }
        if (cmd.equals("Sleep")) {
            if (trx != null) {
                return SessionState.IDLE_IN_TRANSACTION;
            }
            return trxKnown ? SessionState.IDLE : SessionState.UNKNOWN;
        }
        return SessionState.ACTIVE;
    }

    /**
     * The process list's HOST is {@code host:port} for TCP clients ({@code localhost} for a socket);
     * clientHost is the host alone, as on the other engines, so {@code --host appserver1} matches.
     * The port stays in attribute clientPort (and in the incarnation, which reads HOST whole).
     */
    static String[] splitHostPort(String host) {
        if (host == null) {
            return new String[] {null, null};
        }
        java.util.regex.Matcher m = HOST_PORT.matcher(host);
        if (!m.matches()) {
            return new String[] {host, null};
        }
        String h = m.group(1);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return new String[] {h, m.group(2)};
    }

    private static final Pattern HOST_PORT = Pattern.compile("(.+):(\\d{1,5})");

    String incarnation(Row r) {
        StringBuilder b = new StringBuilder();
        b.append(r.user() == null ? "" : r.user()).append('\0').append(r.host() == null ? "" : r.host()).append('\0');
        if (r.threadId() != null) {
            b.append("thread=").append(r.threadId());
        }
        b.append('\0');
        if (features.threadPerConnection() && probe.isMariaDb() && r.osThreadId() != null) {
            b.append("tid=").append(r.osThreadId());
        }
        return digest(b.toString());
    }

    static String digest(String text) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    // ------------------------------------------------------------------ kill

    @Override
    public List<KillAction> supportedActions() {
        return List.of(KillAction.CANCEL, KillAction.TERMINATE);
    }

    @Override
    public String statementFor(KillAction action, Session victim) {
        String id = Long.toString(victim.sessionId()); // a long from SessionKey: digits only
        switch (action) {
            case CANCEL:
                if (killsViaRds()) {
                    return "CALL mysql.rds_kill_query(" + id + ")";
                }
                // MariaDB: the running statement's own id, so the cancel cannot reach the session's next statement
                String token = victim.attributes().getOrDefault("statement", "");
                String qid = token.startsWith("query:") ? token.substring("query:".length()) : "";
                if (isMariaDb() && DIGITS.matcher(qid).matches() && Long.parseLong(qid) > 0) {
                    return "KILL QUERY ID " + Long.parseLong(qid);
                }
                return "KILL QUERY " + id;
            case TERMINATE:
                return killsViaRds() ? "CALL mysql.rds_kill(" + id + ")" : "KILL CONNECTION " + id;
            default:
                throw new IllegalArgumentException("action " + action + " is not available on " + engine
                        + "; available: " + supportedActions());
        }
    }

    @Override
    public KillResult execute(KillAction action, Session victim, Duration timeout) {
        SessionKey key = victim.key();
        if (!supportedActions().contains(action)) {
            return KillResult.of(key, action, KillOutcome.FAILED, null, "action " + action + " is not available on "
                    + engine + "; available: " + supportedActions());
        }
        ensureConnected();
        String statement = statementFor(action, victim);
        Row now;
        try {
            List<Row> rows = readRows(victim.sessionId());
            now = rows.isEmpty() ? null : rows.get(0);
        } catch (SQLException e) {
            return failed(key, action, null, e, victim);
        }
        if (now == null) {
            return KillResult.of(key, action, KillOutcome.ALREADY_GONE, null, "session " + key.sessionId()
                    + " is no longer listed; nothing was done");
        }
        String inc = incarnation(now);
        if (!inc.equals(key.incarnation())) {
            return KillResult.of(key, action, KillOutcome.IDENTITY_CHANGED, null, "session id " + key.sessionId()
                    + " now belongs to another connection (" + now.user() + "@" + now.host() + ", key "
                    + key.sessionId() + "," + inc + "); nothing was done");
        }
        if (action == KillAction.CANCEL) {
            String wanted = victim.attributes().get("statement");
            String current = statementToken(now);
            if (wanted == null) {
                return KillResult.of(key, action, KillOutcome.NOTHING_TO_CANCEL, null, "session " + key.printable()
                        + " was not running a statement; nothing to cancel, nothing was done; the session is still"
                        + " connected and may still hold its transaction's locks");
            }
            if (wanted.equals(current) && wanted.startsWith("text:") && !sameStart(now, victim)) {
                current = "text: a new execution of the same text";
            }
            if (!wanted.equals(current)) {
                return KillResult.of(key, action, KillOutcome.NOTHING_TO_CANCEL, null, "the statement of session "
                        + key.printable() + " has already ended" + (current == null ? "" : " (it now runs another)")
                        + "; nothing was done; the session is still connected and may still hold locks");
            }
        }
        try (Statement st = conn.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            return failed(key, action, statement, e, victim);
        }
        if (action == KillAction.CANCEL) {
            return KillResult.of(key, action, KillOutcome.CANCELLED, statement, "statement of session "
                    + key.printable() + " cancelled; the session stays connected");
        }
        return awaitGone(key, action, statement, timeout);
    }

    /**
     * Without a statement id (MySQL with performance_schema off, OceanBase) the same text may be a new
     * execution: it is the same statement only if it started when the one the user saw did (within 2 s,
     * the process list counts whole seconds).
     */
    private boolean sameStart(Row now, Session victim) {
        if (victim.queryStart() == null || now.time() == null) {
            return false;
        }
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT UTC_TIMESTAMP(6)")) {
            rs.next();
            Instant serverNow = LocalDateTime.parse(rs.getString(1), SERVER_TIME).toInstant(ZoneOffset.UTC);
            long ms = now.timeMs() != null ? Math.round(now.timeMs()) : now.time() * 1000;
            return Duration.between(serverNow.minusMillis(ms), victim.queryStart()).abs().toMillis() <= 2000;
        } catch (SQLException e) {
            return false;
        }
    }

    /** KILL only flags the thread; it leaves when it next checks the flag (a rollback can take long). */
    private KillResult awaitGone(SessionKey key, KillAction action, String statement, Duration timeout) {
        long deadline = System.nanoTime() + (timeout == null ? Duration.ofSeconds(5) : timeout).toNanos();
        long sleep = 10;
        String lastCommand = null;
        while (true) {
            try {
                List<Row> rows = readRows(key.sessionId());
                if (rows.isEmpty() || !incarnation(rows.get(0)).equals(key.incarnation())) {
                    return KillResult.of(key, action, KillOutcome.TERMINATED, statement, "session " + key.printable()
                            + " terminated");
                }
                lastCommand = rows.get(0).command();
            } catch (SQLException e) {
                return KillResult.of(key, action, KillOutcome.MARKED_FOR_KILL, statement, "kill sent to session "
                        + key.printable() + "; could not check it left: " + dev.sessionctl.dialect.SqlErrors.firstLine(e.getMessage()));
            }
            if (System.nanoTime() > deadline) {
                return KillResult.of(key, action, KillOutcome.MARKED_FOR_KILL, statement, "session " + key.printable()
                        + " is marked killed (" + lastCommand + ") but still listed, probably rolling back; check again");
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return KillResult.of(key, action, KillOutcome.MARKED_FOR_KILL, statement, "kill sent; interrupted while waiting");
            }
            sleep = Math.min(sleep * 2, 200);
        }
    }

    private KillResult failed(SessionKey key, KillAction action, String statement, SQLException e, Session victim) {
        KillOutcome outcome = MySqlErrors.killOutcome(e);
        String msg = dev.sessionctl.dialect.SqlErrors.firstLine(e.getMessage()) + " [" + e.getErrorCode() + "]";
        String fix = null;
        if (outcome == KillOutcome.ALREADY_GONE && e.getErrorCode() == MySqlErrors.NO_SUCH_THREAD && isOceanBase()
                && stillListed(key)) {
            outcome = KillOutcome.FAILED;
            fix = oceanBaseFix(key.sessionId());
            msg = "the server that received the KILL does not own session " + key.sessionId()
                    + " (error 1094 through obproxy), yet the session is still listed; nothing was ended: " + msg;
        } else if (outcome == KillOutcome.NOTHING_TO_CANCEL) {
            msg = "the statement already ended; the session is still connected and may still hold locks: " + msg;
        } else if (outcome == KillOutcome.ALREADY_GONE) {
            msg = "the session is already gone: " + msg;
        } else if (outcome == KillOutcome.REFUSED_PRIVILEGE) {
            fix = killPrivilegeFix(victim);
            msg = "the server refused: " + msg;
        } else if (outcome == KillOutcome.CONNECTION_LOST) {
            msg = "lost sessionctl's own connection while acting; check the session again: " + msg;
        }
        return KillResult.of(key, action, outcome, statement, msg).withErrorCode(MySqlErrors.code(e)).withFix(fix);
    }

    private boolean stillListed(SessionKey key) {
        try {
            List<Row> rows = readRows(key.sessionId());
            return !rows.isEmpty() && incarnation(rows.get(0)).equals(key.incarnation());
        } catch (SQLException e) {
            return false;
        }
    }

    private String oceanBaseFix(long id) {
        String where = null;
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT SVR_IP, SQL_PORT FROM oceanbase.GV$OB_PROCESSLIST WHERE ID = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    where = rs.getString(1) + ":" + rs.getString(2);
                }
            }
        } catch (SQLException e) {
            // older OceanBase or no access: give the generic advice
        }
        return "connect directly to the OBServer that owns session " + id + ", not through obproxy"
                + (where == null ? " (find it with SELECT SVR_IP, SQL_PORT FROM oceanbase.GV$OB_PROCESSLIST WHERE ID = " + id + ")"
                        : ": it is " + where) + ", e.g. --url jdbc:oceanbase://" + (where == null ? "SVR_IP:SQL_PORT" : where)
                + "/db, and run the kill there";
    }

    /** The GRANT that lets this account end other accounts' sessions, per engine. */
    String killPrivilegeFix(Session victim) {
        String who = grantee();
        if (isMariaDb()) {
            return "GRANT CONNECTION ADMIN ON *.* TO " + who + ";  (MariaDB before 10.5.2: GRANT SUPER ON *.* TO " + who + ";)";
        }
        if (isOceanBase()) {
            return "GRANT SUPER ON *.* TO " + who + ";";
        }
        String fix = "GRANT CONNECTION_ADMIN ON *.* TO " + who + ";  (MySQL 8: ending a session of an account that has"
                + " SYSTEM_USER also needs GRANT SYSTEM_USER ON *.* TO " + who + ";  SUPER works too but is deprecated)";
        return killsViaRds() ? fix + "; on RDS/Aurora run it as the master user, which may call mysql.rds_kill" : fix;
    }

    private String grantFor(String privilege) {
        return "GRANT " + privilege + " ON *.* TO " + grantee() + ";";
    }

    /** CURRENT_USER() ("user@host") as a quoted account name ('user'@'host'). */
    String grantee() {
        String account = features.account();
        if (account == null || account.isEmpty()) {
            return "'" + (spec.user() == null ? "user" : spec.user().replace("'", "''")) + "'@'%'";
        }
        int at = account.lastIndexOf('@');
        String user = at < 0 ? account : account.substring(0, at);
        String host = at < 0 ? "%" : account.substring(at + 1);
        return "'" + user.replace("'", "''") + "'@'" + host.replace("'", "''") + "'";
    }

    // ------------------------------------------------------------------ lock holders

    @Override
    public Set<SessionRef> lockHolders(String table) {
        ensureConnected();
        String[] parts = table == null ? new String[0] : table.trim().split("\\.", -1);
        if (parts.length < 1 || parts.length > 2 || parts[parts.length - 1].isEmpty()) {
            throw new IllegalArgumentException("invalid table '" + table + "'; expected schema.table or table");
        }
        String sql;
        if (features.psMdlTable()) {
            sql = "SELECT DISTINCT t.PROCESSLIST_ID FROM performance_schema.metadata_locks m"
                    + " JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID"
                    + " WHERE m.OBJECT_TYPE = 'TABLE' AND m.LOCK_STATUS = 'GRANTED' AND t.PROCESSLIST_ID IS NOT NULL"
                    + " AND m.OBJECT_SCHEMA = COALESCE(?, DATABASE()) AND m.OBJECT_NAME = ?";
        } else if (features.mdlInfoPlugin()) {
            sql = "SELECT DISTINCT THREAD_ID FROM information_schema.METADATA_LOCK_INFO"
                    + " WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?";
        } else {
            throw new TargetException(TargetException.Kind.UNSUPPORTED, "finding lock holders on a table needs"
                    + " performance_schema.metadata_locks or the METADATA_LOCK_INFO plugin on " + engine,
                    isMariaDb() ? "INSTALL SONAME 'metadata_lock_info';" : "performance_schema=ON in the server configuration",
                    null, null);
        }
        Set<SessionRef> out = new LinkedHashSet<>();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setString(1, parts.length == 2 ? parts[0] : null);
            ps.setString(2, parts[parts.length - 1]);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(SessionRef.of(rs.getLong(1)));
                }
            }
        } catch (SQLException e) {
            throw MySqlErrors.translate(e, "reading the lock holders of " + table, grantFor("PROCESS"));
        }
        return out;
    }

    // ------------------------------------------------------------------ orphans

    /**
     * InnoDB transactions that belong to no session ({@code trx_mysql_thread_id = 0}): XA transactions
     * left PREPARED by a client that disconnected (they keep their locks until someone runs XA COMMIT
     * or XA ROLLBACK; see XA RECOVER) and transactions recovered after a crash that InnoDB is still
     * rolling back. Size is InnoDB's rows modified.
     */
    @Override
    public List<dev.sessionctl.model.OrphanTransaction> orphanTransactions() {
        ensureConnected();
        if (!features.innodbTrx()) {
            throw new TargetException(TargetException.Kind.UNSUPPORTED, "listing transactions without a session needs"
                    + " information_schema.INNODB_TRX (PROCESS privilege) on " + engine, grantFor("PROCESS"), null, null);
        }
        List<dev.sessionctl.model.OrphanTransaction> out = new ArrayList<>();
        letInnodbCacheRefresh();
        lastInnodbRead = System.nanoTime();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT trx_id, trx_state, TIMESTAMPDIFF(MICROSECOND, trx_started, NOW(6)), trx_rows_modified,"
                        + " UTC_TIMESTAMP(6) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = 0")) {
            while (rs.next()) {
                Instant now = LocalDateTime.parse(rs.getString(5), SERVER_TIME).toInstant(ZoneOffset.UTC);
                Long age = longOrNull(rs, 3);
                String state = rs.getString(2);
                out.add(new dev.sessionctl.model.OrphanTransaction(0, rs.getString(1),
                        "ROLLING BACK".equalsIgnoreCase(state) ? "ROLLING BACK" : "XA PREPARED",
                        age == null ? null : now.minusNanos(age * 1000), longOrNull(rs, 4), null));
            }
        } catch (SQLException e) {
            throw MySqlErrors.translate(e, "reading transactions without a session on " + spec.name(), grantFor("PROCESS"));
        }
        return out;
    }

    /** Not needed on this family: every account may KILL its own sessions (same user name) without any privilege. */
    @Override
    public String selfServiceSetup(String procedureName) {
        throw new TargetException(TargetException.Kind.UNSUPPORTED, "no self-service procedure is needed on " + engine
                + ": every account may end its own sessions (same user name) with KILL, without any privilege;"
                + " ending other accounts' sessions needs " + (isMariaDb() ? "CONNECTION ADMIN" : "CONNECTION_ADMIN")
                + " or SUPER");
    }

    // ------------------------------------------------------------------ doctor

    @Override
    public DoctorReport doctor() {
        ensureConnected();
        List<DoctorReport.Item> items = new ArrayList<>();
        String who = grantee();
        items.add(DoctorReport.Item.ok("server", engine + " " + probe.version() + " (" + probe.versionComment()
                + "), connected as " + who));
        Set<String> privs = privileges();
        boolean all = privs.contains("ALL PRIVILEGES");
        boolean process = all || privs.contains("PROCESS");
        items.add(process
                ? DoctorReport.Item.ok("see all sessions", "PROCESS: every session, INNODB_TRX and lock waits are visible")
                : DoctorReport.Item.missing("see all sessions", "no PROCESS privilege: only this account's own sessions"
                        + " are listed, and INNODB_TRX / lock waits cannot be read", grantFor("PROCESS")));
        boolean connAdmin = all || privs.contains("SUPER") || privs.contains("CONNECTION_ADMIN")
                || privs.contains("CONNECTION ADMIN");
        String adminName = isMariaDb() ? "CONNECTION ADMIN" : isOceanBase() ? "SUPER" : "CONNECTION_ADMIN";
        if (connAdmin) {
            items.add(DoctorReport.Item.ok("end other accounts' sessions", privs.contains("SUPER") && !privs.contains(adminName)
                    ? "SUPER" : adminName));
        } else if (killsViaRds()) {
            items.add(DoctorReport.Item.warn("end other accounts' sessions", "no " + adminName + "; on RDS/Aurora"
                    + " mysql.rds_kill works for the master user", grantFor(adminName)));
        } else {
            items.add(DoctorReport.Item.missing("end other accounts' sessions", "neither " + adminName + " nor SUPER:"
                    + " only this account's own sessions can be ended (error 1095)", grantFor(adminName)));
        }
        if (isMySql() && probe.majorMinor() >= 800) {
            boolean systemUser = all || privs.contains("SYSTEM_USER");
            items.add(systemUser
                    ? DoctorReport.Item.ok("end SYSTEM_USER sessions", "SYSTEM_USER")
                    : DoctorReport.Item.warn("end SYSTEM_USER sessions", "no SYSTEM_USER: sessions of accounts that"
                            + " have SYSTEM_USER cannot be ended by this account", grantFor("SYSTEM_USER")));
        }
        if (killsViaRds()) {
            items.add(DoctorReport.Item.ok("RDS kill procedures", "kills go through mysql.rds_kill / mysql.rds_kill_query"));
        }
        if (features.perfSchema()) {
            items.add(DoctorReport.Item.ok("performance_schema", "ON; process list from " + processlistSource()));
        } else {
            items.add(DoctorReport.Item.warn("performance_schema", "OFF: process list from information_schema.PROCESSLIST"
                    + (isMySql() ? " (takes a global mutex on busy servers)" : "")
                    + ", metadata lock waits " + (features.mdlInfoPlugin() ? "from METADATA_LOCK_INFO" : "inferred"),
                    "set performance_schema=ON in the server configuration (my.cnf [mysqld]) and restart"));
        }
        if (features.psMdl()) {
            items.add(DoctorReport.Item.ok("metadata lock waits", "performance_schema.metadata_locks"));
        } else if (features.psMdlTable()) {
            items.add(DoctorReport.Item.warn("metadata lock waits", "the MDL instrument is disabled; using "
                    + mdlSource(), "UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'YES'"
                    + " WHERE NAME = 'wait/lock/metadata/sql/mdl';"));
        } else if (features.mdlInfoPlugin()) {
            items.add(DoctorReport.Item.ok("metadata lock waits", mdlSource()));
        } else {
            items.add(DoctorReport.Item.warn("metadata lock waits", mdlSource() + ": an ALTER waiting on a metadata"
                    + " lock is shown waiting for every open transaction",
                    isMariaDb() ? "INSTALL SONAME 'metadata_lock_info';" : "set performance_schema=ON and restart"));
        }
        if (features.perfSchema() && !features.psThreads()) {
            items.add(DoctorReport.Item.missing("read performance_schema", "performance_schema is ON but its tables are"
                    + " not readable by this account", "GRANT SELECT ON performance_schema.* TO " + who + ";"));
        }
        return new DoctorReport(info(), items);
    }

    /** Global privileges of the current account (USER_PRIVILEGES; privileges through roles are not expanded). */
    private Set<String> privileges() {
        Set<String> out = new LinkedHashSet<>();
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?")) {
            ps.setString(1, grantee());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1).toUpperCase(Locale.ROOT));
                }
            }
        } catch (SQLException e) {
            throw MySqlErrors.translate(e, "reading the privileges of " + grantee(), null);
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private static Long longOrNull(ResultSet rs, int col) throws SQLException {
        Object o = rs.getObject(col);
        if (o == null) {
            return null;
        }
        if (o instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(o.toString().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Double doubleOrNull(ResultSet rs, int col) throws SQLException {
        Object o = rs.getObject(col);
        if (o == null) {
            return null;
        }
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(o.toString().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
