package dev.sessionctl.model;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * All sessions of one target read at one moment.
 *
 * @param serverTime  the server's clock when the snapshot was read; every duration uses it
 * @param ownSessions the tool's own connection(s), never to be ended
 */
public record Snapshot(String target, Engine engine, String serverVersion, Instant serverTime,
                       List<Session> sessions, Set<SessionRef> ownSessions) {

    public Snapshot {
        sessions = List.copyOf(sessions);
        ownSessions = ownSessions == null ? Set.of() : Set.copyOf(ownSessions);
    }

    public Map<SessionRef, Session> byRef() {
        Map<SessionRef, Session> m = new LinkedHashMap<>(sessions.size() * 2);
        for (Session s : sessions) {
            m.put(s.ref(), s);
        }
        return m;
    }

    public Optional<Session> find(SessionRef ref) {
        for (Session s : sessions) {
            if (s.ref().equals(ref)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    public boolean isOwn(SessionRef ref) {
        return ownSessions.contains(ref);
    }

    public Snapshot withSessions(Collection<Session> replaced) {
        return new Snapshot(target, engine, serverVersion, serverTime, List.copyOf(replaced), ownSessions);
    }

    public Snapshot filter(Predicate<Session> keep) {
        return withSessions(sessions.stream().filter(keep).toList());
    }
}
