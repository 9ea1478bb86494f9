package dev.sessionctl.model;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One database session as a DBA looks at it. Engine-neutral: each dialect fills what its engine
 * reports and leaves the rest null. Times are the server's own timestamps; durations are computed
 * against {@link Snapshot#serverTime()} so the tool's clock never matters.
 *
 * @param key              safe identity (id plus incarnation)
 * @param blockedBy        sessions this one waits for (lock waits); empty when not waiting on a session
 * @param protectedReason  why sessionctl will never end this session, or null when it may
 * @param serverProcess    OS process of the server side (PostgreSQL pid, Oracle V$PROCESS.SPID), when known
 * @param parent           for a parallel worker, the coordinator it serves
 * @param transactionSize  undo blocks (Oracle USED_UBLK), rows modified (InnoDB trx_rows_modified) or null
 * @param attributes       engine-specific extras shown by {@code explain} and JSON output
 */
public record Session(
        SessionKey key,
        String user,
        String database,
        SessionState state,
        String clientHost,
        String program,
        Instant logonTime,
        Instant stateSince,
        Instant transactionStart,
        Instant queryStart,
        String sqlId,
        String sqlText,
        String waitEventType,
        String waitEvent,
        List<SessionRef> blockedBy,
        SessionKind kind,
        String backendType,
        String serverProcess,
        SessionRef parent,
        Long transactionSize,
        String protectedReason,
        Map<String, String> attributes) {

    public Session {
        blockedBy = blockedBy == null ? List.of() : List.copyOf(blockedBy);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        state = state == null ? SessionState.UNKNOWN : state;
        kind = kind == null ? SessionKind.CLIENT : kind;
    }

    public SessionRef ref() {
        return key.ref();
    }

    public long sessionId() {
        return key.sessionId();
    }

    public boolean isProtected() {
        return protectedReason != null;
    }

    public boolean isWaitingOnSession() {
        return !blockedBy.isEmpty();
    }

    public Session withProtection(String reason) {
        return toBuilder().protectedReason(reason).build();
    }

    public Session withBlockedBy(List<SessionRef> refs) {
        return toBuilder().blockedBy(refs).build();
    }

    /** Time in the current state, measured on the server's clock. */
    public Duration timeInState(Instant serverTime) {
        return since(stateSince, serverTime);
    }

    public Duration transactionAge(Instant serverTime) {
        return since(transactionStart, serverTime);
    }

    public Duration queryAge(Instant serverTime) {
        return since(queryStart, serverTime);
    }

    private static Duration since(Instant from, Instant now) {
        if (from == null || now == null) {
            return null;
        }
        Duration d = Duration.between(from, now);
        return d.isNegative() ? Duration.ZERO : d;
    }

    public static Builder builder(SessionKey key) {
        return new Builder(key);
    }

    public Builder toBuilder() {
        Builder b = new Builder(key);
        b.user = user; b.database = database; b.state = state; b.clientHost = clientHost; b.program = program;
        b.logonTime = logonTime; b.stateSince = stateSince; b.transactionStart = transactionStart;
        b.queryStart = queryStart; b.sqlId = sqlId; b.sqlText = sqlText; b.waitEventType = waitEventType;
        b.waitEvent = waitEvent; b.blockedBy = new ArrayList<>(blockedBy); b.kind = kind; b.backendType = backendType;
        b.serverProcess = serverProcess; b.parent = parent; b.transactionSize = transactionSize;
        b.protectedReason = protectedReason; b.attributes = new LinkedHashMap<>(attributes);
        return b;
    }

    /** Sessions have many optional fields; dialects build them by name. */
    public static final class Builder {
        private final SessionKey key;
        private String user, database, clientHost, program, sqlId, sqlText, waitEventType, waitEvent, backendType,
                serverProcess, protectedReason;
        private SessionState state = SessionState.UNKNOWN;
        private Instant logonTime, stateSince, transactionStart, queryStart;
        private List<SessionRef> blockedBy = new ArrayList<>();
        private SessionKind kind = SessionKind.CLIENT;
        private SessionRef parent;
        private Long transactionSize;
        private Map<String, String> attributes = new LinkedHashMap<>();

        private Builder(SessionKey key) {
            this.key = key;
        }

        public Builder user(String v) { user = v; return this; }
        public Builder database(String v) { database = v; return this; }
        public Builder state(SessionState v) { state = v; return this; }
        public Builder clientHost(String v) { clientHost = v; return this; }
        public Builder program(String v) { program = v; return this; }
        public Builder logonTime(Instant v) { logonTime = v; return this; }
        public Builder stateSince(Instant v) { stateSince = v; return this; }
        public Builder transactionStart(Instant v) { transactionStart = v; return this; }
        public Builder queryStart(Instant v) { queryStart = v; return this; }
        public Builder sqlId(String v) { sqlId = v; return this; }
        public Builder sqlText(String v) { sqlText = v; return this; }
        public Builder waitEventType(String v) { waitEventType = v; return this; }
        public Builder waitEvent(String v) { waitEvent = v; return this; }
        public Builder blockedBy(List<SessionRef> v) { blockedBy = new ArrayList<>(v); return this; }
        public Builder addBlocker(SessionRef v) { blockedBy.add(v); return this; }
        public Builder kind(SessionKind v) { kind = v; return this; }
        public Builder backendType(String v) { backendType = v; return this; }
        public Builder serverProcess(String v) { serverProcess = v; return this; }
        public Builder parent(SessionRef v) { parent = v; return this; }
        public Builder transactionSize(Long v) { transactionSize = v; return this; }
        public Builder protectedReason(String v) { protectedReason = v; return this; }
        public Builder attribute(String name, String value) {
            if (value != null) {
                attributes.put(name, value);
            }
            return this;
        }
        public Builder attributes(Map<String, String> v) { attributes = new LinkedHashMap<>(v); return this; }

        public Session build() {
            return new Session(key, user, database, state, clientHost, program, logonTime, stateSince,
                    transactionStart, queryStart, sqlId, sqlText, waitEventType, waitEvent, blockedBy, kind,
                    backendType, serverProcess, parent, transactionSize, protectedReason, attributes);
        }
    }
}
