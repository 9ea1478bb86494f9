package dev.sessionctl.watch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * What the watchdog remembers between evaluations: the actions taken per rule, for the rules'
 * limits. Shared by all targets (a limit is per rule, across the fleet); thread-safe.
 */
public final class WatchState {

    private final Map<String, Deque<Instant>> actions = new HashMap<>();

    /** Actions of this rule within {@code per} before {@code now}. */
    public synchronized int actionsInWindow(String rule, Duration per, Instant now) {
        Deque<Instant> q = actions.get(rule);
        if (q == null) {
            return 0;
        }
        prune(q, per, now);
        return q.size();
    }

    /** Takes one action slot of the rule's limit; false when the limit is reached (the action must not run). */
    public synchronized boolean tryAcquire(Rule rule, Instant now) {
        Deque<Instant> q = actions.computeIfAbsent(rule.name(), k -> new ArrayDeque<>());
        if (rule.limit() != null) {
            prune(q, rule.limit().per(), now);
            if (q.size() >= rule.limit().actions()) {
                return false;
            }
        }
        q.addLast(now);
        if (rule.limit() == null && q.size() > 1000) {
            q.removeFirst();
        }
        return true;
    }

    /** Returns a slot taken by {@link #tryAcquire} for an action that was not taken after all. */
    public synchronized void giveBack(Rule rule, Instant taken) {
        Deque<Instant> q = actions.get(rule.name());
        if (q != null) {
            q.removeLastOccurrence(taken);
        }
    }

    private static void prune(Deque<Instant> q, Duration per, Instant now) {
        Instant from = now.minus(per);
        while (!q.isEmpty() && !q.peekFirst().isAfter(from)) {
            q.removeFirst();
        }
    }
}
