package dev.sessionctl.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.sessionctl.kill.Check;
import dev.sessionctl.model.Session;
import java.time.Instant;
import java.util.List;

/**
 * One line of the audit trail. An action writes an {@code intent} record before it runs and an
 * {@code outcome} record (same {@link #id}) once it is known; the escalator adds
 * {@code verification} and {@code escalation} records. A record is self-contained: who, from
 * where, which target, which session and what it was doing, why, and the exact statement.
 *
 * @param phase intent | outcome | verification | escalation
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditRecord(String id, String phase, Instant time, Actor actor, String origin, String target,
                          SessionInfo session, String action, String statement, String reason, String outcome,
                          String message, String guard, String errorCode, Long durationMs, List<CheckInfo> checks) {

    public static final String INTENT = "intent";
    public static final String OUTCOME = "outcome";
    public static final String VERIFICATION = "verification";
    public static final String ESCALATION = "escalation";

    /**
     * Who acted.
     *
     * @param osUser the operating-system user running sessionctl
     * @param host   the host sessionctl runs on
     * @param pid    sessionctl's process id
     * @param via    where that user came from, when known (the SSH client address)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Actor(String osUser, String host, long pid, String via) {

        /** The current process's user, host and SSH origin. */
        public static Actor current() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = System.getenv().getOrDefault("HOSTNAME", "unknown");
            }
            String ssh = System.getenv("SSH_CLIENT");
            String via = ssh == null || ssh.isBlank() ? null : "ssh from " + ssh.split("\\s+")[0];
            return new Actor(System.getProperty("user.name"), host, ProcessHandle.current().pid(), via);
        }
    }

    /** The session acted on, as it was just before the action. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SessionInfo(String key, int instance, long sessionId, String user, String database, String state,
                              String program, String clientHost, String sqlId, String sqlText, String waitEvent,
                              Long transactionSize, String serverProcess) {

        static final int MAX_SQL = 2000;

        /** A session known only by its key (an escalation that never saw it, e.g. gone before the first read). */
        public static SessionInfo keyOnly(dev.sessionctl.model.SessionKey key) {
            return new SessionInfo(key.printable(), key.instance(), key.sessionId(), null, null, null, null, null, null,
                    null, null, null, null);
        }

        public static SessionInfo of(Session s) {
            String sql = s.sqlText();
            if (sql != null && sql.length() > MAX_SQL) {
                sql = sql.substring(0, MAX_SQL) + "...";
            }
            return new SessionInfo(s.key().printable(), s.key().instance(), s.sessionId(), s.user(), s.database(),
                    s.state().cliName(), s.program(), s.clientHost(), s.sqlId(), sql, s.waitEvent(),
                    s.transactionSize(), s.serverProcess());
        }
    }

    public record CheckInfo(String name, boolean passed, String detail) {
        public static List<CheckInfo> of(List<Check> checks) {
            return checks.stream().map(c -> new CheckInfo(c.name(), c.passed(), c.detail())).toList();
        }
    }
}
