package dev.sessionctl.guard;

import dev.sessionctl.model.Session;
import dev.sessionctl.model.Snapshot;
import java.util.Optional;

/** One rule that may refuse to end a session. Guards are pure: they look at the snapshot only. */
public interface Guard {

    /** Short stable name shown when it refuses ("own-connection", "not-a-client"). */
    String name();

    /** Why this session must not be ended, or empty when this guard lets it through. */
    Optional<String> refuse(Session session, Snapshot snapshot);
}
