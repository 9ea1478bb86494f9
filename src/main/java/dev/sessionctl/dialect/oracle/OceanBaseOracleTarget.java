package dev.sessionctl.dialect.oracle;

import dev.sessionctl.dialect.SqlErrors;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetInfo;
import dev.sessionctl.target.TargetSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * OceanBase Oracle mode. Sessions come from GV$OB_PROCESSLIST (all OBServer nodes of the tenant).
 * OceanBase's {@code ALTER SYSTEM KILL SESSION 'id'} accepts a SERIAL# and IMMEDIATE only for syntax
 * compatibility and ignores both (OceanBase docs, ALTER SYSTEM KILL SESSION), so the statement
 * itself cannot re-check identity. The view has no logon time either: the incarnation is a digest of
 * the user, the client address with its port, and the serving OBServer, re-read and compared
 * immediately before the statement is sent; a mismatch means the id now belongs to someone else and
 * nothing is done. Cancel uses {@code KILL QUERY id}.
 */
public class OceanBaseOracleTarget implements TargetConnection {

    private final Connection connection;
    private final TargetSpec spec;
    private final long ownId;
    private final String version;
    private final TargetInfo info;

    public OceanBaseOracleTarget(Connection connection, TargetSpec spec) {
        this.connection = connection;
        this.spec = spec;
        long own = -1;
        String user = spec.user();
        try {
            connection.setAutoCommit(true);
            try (Statement st = connection.createStatement();
                 ResultSet rs = st.executeQuery("SELECT SYS_CONTEXT('USERENV', 'SID'), SYS_CONTEXT('USERENV', 'SESSION_USER') FROM DUAL")) {
                if (rs.next()) {
                    own = Long.parseLong(rs.getString(1).trim());
                    user = rs.getString(2);
                }
            }
            this.version = connection.getMetaData().getDatabaseProductVersion();
        } catch (SQLException e) {
            throw OracleErrors.translate(e, "opening OceanBase (Oracle mode) target " + spec.name());
        }
        this.ownId = own;
        this.info = new TargetInfo(spec.name(), Engine.OCEANBASE_ORACLE, version, spec.redactedUrl(), user, 1);
    }

    @Override
    public TargetInfo info() {
        return info;
    }

    @Override
    public Map<String, String> capabilities() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("version", version);
        m.put("serialNumberChecked", "false");
        m.put("identityRecheck", "user, client host:port, server re-read immediately before the statement");
        m.put("cancelSql", "true (KILL QUERY)");
        m.put("blockingInfo", "false");
        return m;
    }

    /** The incarnation: who is connected from where to which server; changes when the id is reused. */
    static String incarnation(String user, String host, String svrIp, long svrPort) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] d = md.digest((user + "|" + host + "|" + svrIp + ":" + svrPort).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    static final String SNAPSHOT_SQL = "SELECT p.ID, p.\"USER\", p.HOST, p.DB, p.COMMAND, p.\"TIME\", p.STATE, p.INFO,"
            + " p.SQL_ID, p.TRANS_ID, p.SVR_IP, p.SVR_PORT FROM GV$OB_PROCESSLIST p";

    @Override
    public Snapshot snapshot() {
        try {
            Instant now;
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT SYSTIMESTAMP FROM DUAL")) {
                rs.next();
                now = rs.getObject(1, OffsetDateTime.class).toInstant();
            }
            List<Session> out = new ArrayList<>();
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(SNAPSHOT_SQL)) {
                while (rs.next()) {
                    out.add(read(rs, now));
                }
            }
            return new Snapshot(spec.name(), Engine.OCEANBASE_ORACLE, version, now, out,
                    ownId < 0 ? Set.of() : Set.of(SessionRef.of(ownId)));
        } catch (SQLException e) {
            throw OracleErrors.translate(e, "reading GV$OB_PROCESSLIST on " + spec.name());
        }
    }

    private Session read(ResultSet rs, Instant now) throws SQLException {
        long id = rs.getLong("ID");
        String user = rs.getString("USER");
        String host = rs.getString("HOST");
        String svrIp = rs.getString("SVR_IP");
        long svrPort = rs.getLong("SVR_PORT");
        SessionKey key = new SessionKey(spec.name(), 0, id, incarnation(user, host, svrIp, svrPort));
        String command = rs.getString("COMMAND");
        long trans = rs.getLong("TRANS_ID");
        boolean inTx = !rs.wasNull() && trans != 0;
        double seconds = rs.getDouble("TIME");
        SessionState state = "Sleep".equalsIgnoreCase(command)
                ? (inTx ? SessionState.IDLE_IN_TRANSACTION : SessionState.IDLE)
                : "Killed".equalsIgnoreCase(command) ? SessionState.TERMINATING : SessionState.ACTIVE;
        Instant since = now.minusMillis(Math.round(Math.max(0, seconds) * 1000));
        String[] hostPort = splitHostPort(host);
        Session.Builder b = Session.builder(key).user(user).database(rs.getString("DB")).state(state)
                .clientHost(hostPort[0]).stateSince(since).sqlId(rs.getString("SQL_ID")).sqlText(rs.getString("INFO"))
                .backendType(command).serverProcess(svrIp + ":" + svrPort)
                .attribute("state", rs.getString("STATE")).attribute("server", svrIp + ":" + svrPort);
        if (state == SessionState.ACTIVE) {
            b.queryStart(since);
        }
        if (hostPort[1] != null) {
            b.attribute("clientPort", hostPort[1]);
        }
        if (inTx) {
            b.attribute("transId", Long.toString(trans));
        }
        if ("SYS".equals(user)) {
            b.protectedReason("SYS sessions are never ended by sessionctl (the tenant's administrator)");
        }
        return b.build();
    }

    private static final java.util.regex.Pattern HOST_PORT = java.util.regex.Pattern.compile("(.+):(\\d{1,5})");

    /**
     * GV$OB_PROCESSLIST's HOST is {@code ip:port}; clientHost is the host alone, as on the other
     * engines (so {@code --host 10.1.1.7} matches), and the port is attribute clientPort. The
     * incarnation still reads HOST whole. An IPv6 host keeps its colons; brackets are removed.
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

    @Override
    public List<KillAction> supportedActions() {
        return List.of(KillAction.CANCEL, KillAction.TERMINATE);
    }

    @Override
    public String statementFor(KillAction action, Session victim) {
        long id = victim.key().sessionId();
        return switch (action) {
            case CANCEL -> "KILL QUERY " + id;
            case TERMINATE -> "ALTER SYSTEM KILL SESSION '" + id + "'";
            default -> throw new IllegalArgumentException("action " + action + " is not available on OceanBase Oracle mode"
                    + " (IMMEDIATE and SERIAL# are ignored there); available: " + supportedActions());
        };
    }

    private Optional<String> currentIncarnation(long id) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT p.\"USER\", p.HOST, p.SVR_IP, p.SVR_PORT FROM GV$OB_PROCESSLIST p WHERE p.ID = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(incarnation(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)))
                        : Optional.empty();
            }
        }
    }

    @Override
    public KillResult execute(KillAction action, Session victim, Duration timeout) {
        SessionKey key = victim.key();
        String statement;
        try {
            statement = statementFor(action, victim);
        } catch (IllegalArgumentException e) {
            return KillResult.of(key, action, KillOutcome.FAILED, null, e.getMessage());
        }
        try {
            // SERIAL# is ignored by OceanBase: re-check the identity right before acting
            Optional<String> inc = currentIncarnation(key.sessionId());
            if (inc.isEmpty()) {
                return KillResult.of(key, action, KillOutcome.ALREADY_GONE, statement,
                        "session " + key.sessionId() + " no longer exists; nothing to do");
            }
            if (!inc.get().equals(key.incarnation())) {
                return KillResult.of(key, action, KillOutcome.IDENTITY_CHANGED, statement, "session id " + key.sessionId()
                        + " now belongs to another connection (user/host/server differ); nothing was done");
            }
            try (Statement st = connection.createStatement()) {
                st.setQueryTimeout((int) Math.max(1, timeout == null ? 60 : timeout.toSeconds()));
                st.execute(statement);
            }
        } catch (SQLException e) {
            KillOutcome o = OracleErrors.outcomeOf(e);
            if (o == KillOutcome.FAILED) {
                try {
                    if (currentIncarnation(key.sessionId()).isEmpty()) {
                        o = KillOutcome.ALREADY_GONE;
                    }
                } catch (SQLException ignored) {
                    // keep FAILED
                }
            }
            return KillResult.of(key, action, o, statement, "acting on session " + key.sessionId() + " failed: "
                    + SqlErrors.firstLine(e.getMessage()))
                    .withErrorCode(OracleErrors.label(e.getErrorCode()))
                    .withFix(o == KillOutcome.REFUSED_PRIVILEGE ? "GRANT ALTER SYSTEM TO <user>;  -- OceanBase Oracle mode" : null);
        }
        if (action == KillAction.CANCEL) {
            return KillResult.of(key, action, KillOutcome.CANCELLED, statement, "statement of session " + key.sessionId() + " cancelled");
        }
        try {
            boolean gone = currentIncarnation(key.sessionId()).filter(key.incarnation()::equals).isEmpty();
            return KillResult.of(key, action, gone ? KillOutcome.TERMINATED : KillOutcome.MARKED_FOR_KILL, statement,
                    gone ? "session " + key.sessionId() + " ended" : "session " + key.sessionId() + " accepted the kill and is still listed");
        } catch (SQLException e) {
            return KillResult.of(key, action, KillOutcome.TERMINATED, statement, "kill accepted; could not re-read the session");
        }
    }

    @Override
    public DoctorReport doctor() {
        List<DoctorReport.Item> items = new ArrayList<>();
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM GV$OB_PROCESSLIST")) {
            rs.next();
            items.add(DoctorReport.Item.ok("read session list", rs.getInt(1) + " sessions visible in GV$OB_PROCESSLIST"));
        } catch (SQLException e) {
            items.add(DoctorReport.Item.missing("read session list", "GV$OB_PROCESSLIST not readable: "
                    + SqlErrors.firstLine(e.getMessage()), "connect as the tenant administrator"));
        }
        boolean alter = false;
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM SESSION_PRIVS WHERE PRIVILEGE = 'ALTER SYSTEM'")) {
            alter = rs.next() && rs.getInt(1) > 0;
        } catch (SQLException e) {
            // unknown: reported as missing below
        }
        items.add(alter ? DoctorReport.Item.ok("end sessions (ALTER SYSTEM)", "ALTER SYSTEM granted")
                : DoctorReport.Item.missing("end sessions (ALTER SYSTEM)", "ALTER SYSTEM not found in SESSION_PRIVS",
                "GRANT ALTER SYSTEM TO " + info.user() + ";"));
        items.add(DoctorReport.Item.warn("identity", "OceanBase ignores SERIAL# in KILL SESSION; sessionctl re-checks user,"
                + " client host:port and server just before acting", null));
        items.add(DoctorReport.Item.ok("OceanBase", "OceanBase Oracle mode " + version));
        return new DoctorReport(info, items);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing
        }
    }
}
