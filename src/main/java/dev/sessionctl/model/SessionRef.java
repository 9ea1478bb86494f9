package dev.sessionctl.model;

/**
 * A session's place on its server (instance number and engine session id) without its incarnation.
 * Wait-for edges use refs because engines report blockers by id only (pg_blocking_pids,
 * BLOCKING_SESSION, INNODB_LOCK_WAITS). Instance is 0 on engines without instances.
 */
public record SessionRef(int instance, long sessionId) implements Comparable<SessionRef> {

    public static SessionRef of(long sessionId) {
        return new SessionRef(0, sessionId);
    }

    @Override
    public int compareTo(SessionRef o) {
        int c = Integer.compare(instance, o.instance);
        return c != 0 ? c : Long.compare(sessionId, o.sessionId);
    }

    @Override
    public String toString() {
        return instance > 0 ? sessionId + "@" + instance : Long.toString(sessionId);
    }
}
