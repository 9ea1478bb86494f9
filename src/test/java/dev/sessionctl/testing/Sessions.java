package dev.sessionctl.testing;

import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import java.time.Instant;

/** Builders for hand-made sessions in core tests. */
public final class Sessions {

    private Sessions() {
    }

    public static Session.Builder client(long id, String user, SessionState state, SessionRef... blockedBy) {
        Session.Builder b = Session.builder(new SessionKey("mem", 0, id, "inc" + id)).user(user).database("app")
                .state(state).kind(SessionKind.CLIENT).backendType("client backend")
                .stateSince(Instant.parse("2026-11-22T11:59:00Z"));
        for (SessionRef r : blockedBy) {
            b.addBlocker(r);
        }
        return b;
    }

    public static SessionRef ref(long id) {
        return SessionRef.of(id);
    }
}
