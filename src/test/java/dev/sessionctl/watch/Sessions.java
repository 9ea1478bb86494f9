package dev.sessionctl.watch;

import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import java.time.Instant;
import java.util.List;

/** Test sessions. */
final class Sessions {

    private Sessions() {
    }

    static Session.Builder session(String target, long id, SessionState state, Instant since) {
        return Session.builder(new SessionKey(target, 0, id, "inc" + id)).user("app").database("app")
                .program("psql").clientHost("10.0.0." + (id % 250)).state(state).stateSince(since)
                .queryStart(since).logonTime(since.minusSeconds(60))
                .transactionStart(state == SessionState.IDLE ? null : since);
    }

    static Session idleInTx(String target, long id, Instant since) {
        return session(target, id, SessionState.IDLE_IN_TRANSACTION, since).sqlText("update t set v = 1 where id = 1").build();
    }

    static Session waiter(String target, long id, Instant since, long... blockers) {
        Session.Builder b = session(target, id, SessionState.ACTIVE, since).sqlText("update t set v = 2 where id = 1")
                .waitEventType("Lock").waitEvent("transactionid");
        for (long x : blockers) {
            b.addBlocker(SessionRef.of(x));
        }
        return b.build();
    }

    static List<SessionRef> refs(long... ids) {
        return java.util.Arrays.stream(ids).mapToObj(SessionRef::of).toList();
    }
}
