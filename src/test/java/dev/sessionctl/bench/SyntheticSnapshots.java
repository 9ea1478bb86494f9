package dev.sessionctl.bench;

import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Wait-for graphs of a given size and shape for the blocking-analysis benchmarks. Deterministic (fixed seeds). */
public final class SyntheticSnapshots {

    /**
     * Soft edges per convoy waiter. pg_blocking_pids lists every earlier queued waiter whose request
     * conflicts, so a real convoy of n waiters has O(n^2) edges; beyond a few dozen waiters the
     * queue head is what matters, and 20 keeps a 100k convoy at about 2M edges.
     */
    public static final int SOFT_EDGES_PER_WAITER = 20;

    static final Instant SERVER_TIME = Instant.parse("2031-03-04T03:00:00Z");

    private SyntheticSnapshots() {
    }

    /** One idle-in-transaction holder, n-1 waiters; waiter k waits on the holder and on up to {@code softEdges} waiters queued just before it. */
    public static Snapshot convoy(int n, int softEdges) {
        List<Session> sessions = new ArrayList<>(n);
        sessions.add(session(0, SessionState.IDLE_IN_TRANSACTION, 3600).build());
        for (int k = 1; k < n; k++) {
            Session.Builder b = session(k, SessionState.ACTIVE, n - k).addBlocker(SessionRef.of(0));
            for (int earlier = Math.max(1, k - softEdges); earlier < k; earlier++) {
                b.addBlocker(SessionRef.of(earlier));
            }
            sessions.add(b.build());
        }
        return snapshot(shuffled(sessions, 1));
    }

    /** Session k waits on session k-1: one root, depth n-1. */
    public static Snapshot chain(int n) {
        List<Session> sessions = new ArrayList<>(n);
        sessions.add(session(0, SessionState.IDLE_IN_TRANSACTION, 3600).build());
        for (int k = 1; k < n; k++) {
            sessions.add(session(k, SessionState.ACTIVE, n - k).addBlocker(SessionRef.of(k - 1)).build());
        }
        return snapshot(shuffled(sessions, 2));
    }

    /**
     * What a busy server looks like: about 85% of sessions idle or running without waiting, the rest
     * in small blocking trees (a root with 1 to 8 waiters, some with a second level, some small convoys
     * with soft edges), a few blockers missing from the snapshot (prepared transactions) and a few
     * 2-cycles the engine has not broken yet.
     */
    public static Snapshot mix(int n) {
        Random random = new Random(3);
        List<Session> sessions = new ArrayList<>(n);
        long id = 0;
        while (sessions.size() < n) {
            int dice = random.nextInt(100);
            if (dice < 85) {
                SessionState state = random.nextInt(4) == 0 ? SessionState.ACTIVE : SessionState.IDLE;
                sessions.add(session(id++, state, random.nextInt(600)).build());
            } else if (dice < 99) {
                long root = id++;
                sessions.add(session(root, random.nextBoolean() ? SessionState.IDLE_IN_TRANSACTION : SessionState.ACTIVE,
                        random.nextInt(3600)).build());
                int waiters = 1 + random.nextInt(8);
                boolean convoy = random.nextInt(3) == 0;
                List<Long> tree = new ArrayList<>();
                tree.add(root);
                for (int w = 0; w < waiters && sessions.size() < n; w++) {
                    Session.Builder b = session(id, SessionState.ACTIVE, random.nextInt(300));
                    if (convoy) {
                        for (long blocker : tree) {
                            b.addBlocker(SessionRef.of(blocker));
                        }
                    } else {
                        b.addBlocker(SessionRef.of(tree.get(random.nextInt(tree.size()))));
                    }
                    sessions.add(b.build());
                    tree.add(id++);
                }
            } else if (random.nextBoolean()) {
                // blocked by a prepared transaction: the blocker id is not a session in the snapshot
                long missing = 1_000_000_000L + id;
                sessions.add(session(id++, SessionState.ACTIVE, random.nextInt(300)).addBlocker(SessionRef.of(missing)).build());
            } else if (sessions.size() + 2 <= n) {
                long a = id++;
                long b = id++;
                sessions.add(session(a, SessionState.ACTIVE, 2).addBlocker(SessionRef.of(b)).build());
                sessions.add(session(b, SessionState.ACTIVE, 2).addBlocker(SessionRef.of(a)).build());
            }
        }
        return snapshot(sessions);
    }

    private static Session.Builder session(long id, SessionState state, int secondsInState) {
        return Session.builder(new SessionKey("bench", 0, id, Long.toString(1_700_000_000_000_000L + id)))
                .user("app")
                .database("shop")
                .program("bench")
                .state(state)
                .stateSince(SERVER_TIME.minusSeconds(secondsInState))
                .sqlText("update orders set status = 'x' where id = 1");
    }

    private static List<Session> shuffled(List<Session> sessions, long seed) {
        // engines list sessions in no particular order; an analyzer must not rely on it
        Collections.shuffle(sessions, new Random(seed));
        return sessions;
    }

    private static Snapshot snapshot(List<Session> sessions) {
        return new Snapshot("bench", Engine.POSTGRESQL, "16.4", SERVER_TIME, sessions, Set.of());
    }
}
