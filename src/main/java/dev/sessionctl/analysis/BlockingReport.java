package dev.sessionctl.analysis;

import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Who blocks whom on one target at one moment.
 *
 * @param roots           root blockers (block others, wait for no one), most sessions blocked first
 * @param deadlocks       wait-for cycles with the sessions stuck behind them
 * @param waitingSessions sessions waiting on another session
 */
public record BlockingReport(Instant serverTime, List<Root> roots, List<Deadlock> deadlocks, int waitingSessions) {

    public BlockingReport {
        roots = List.copyOf(roots);
        deadlocks = List.copyOf(deadlocks);
    }

    /**
     * A root blocker.
     *
     * @param session           the session, or null when the blocker is not in the snapshot
     *                          (a prepared transaction, a session on an instance not read)
     * @param ref               its place, always set
     * @param waiters           every session blocked by it, directly or transitively, depth-first
     *                          (each once, under the blocker that reaches it soonest)
     * @param directlyBlocked   sessions waiting on the root itself
     * @param depth             the longest chain below the root (1 = only direct waiters)
     * @param longestWait       the longest any of its waiters has waited
     * @param idleInTransaction the root holds its locks while doing nothing: the classic culprit
     */
    public record Root(Session session, SessionRef ref, List<Waiter> waiters, int directlyBlocked, int depth,
                       Duration longestWait, boolean idleInTransaction) {

        public Root {
            waiters = List.copyOf(waiters);
        }

        public int totalBlocked() {
            return waiters.size();
        }
    }

    /**
     * A blocked session in a root's tree.
     *
     * @param level  1 for a direct waiter of the root, 2 for a waiter of that waiter, ...
     * @param parent the blocker it hangs under in the tree
     * @param waited how long it has waited, by the server's clock (null when unknown)
     */
    public record Waiter(Session session, SessionRef parent, int level, Duration waited) {
    }

    /**
     * Sessions waiting for each other in a cycle: the engine's deadlock detector normally breaks
     * it; if it persists, ending any one member breaks it.
     *
     * @param blockedBehind sessions waiting on the cycle without being part of it
     */
    public record Deadlock(List<Session> members, List<Session> blockedBehind) {

        public Deadlock {
            members = List.copyOf(members);
            blockedBehind = List.copyOf(blockedBehind);
        }
    }
}
