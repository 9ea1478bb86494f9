package dev.sessionctl.bulk;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.model.Session;
import java.time.Instant;
import java.util.List;

/**
 * What a bulk kill will end and why, in the order it will act, decided before anything is done.
 * The plan is shown to the user (and is what {@code --dry-run} prints); execution re-checks every
 * session through the kill path, so a plan that went stale can never hit a replaced session.
 *
 * @param entries   the sessions to act on, in order (at most {@code max})
 * @param overMax   selected sessions left out by {@code --max}, in the order they would have come
 * @param selection the human description of the selection ("--user batch", "lock holders of orders")
 */
public record KillPlan(String target, Instant serverTime, KillAction action, Order order, String selection,
                       List<Entry> entries, List<Entry> overMax, Integer max) {

    public enum Order {
        /** Root blockers first (most sessions blocked first), then other blockers, then the rest oldest first. */
        ROOTS_FIRST,
        /** Longest in its current state first. */
        OLDEST_FIRST;

        public static Order parse(String text) {
            return switch (text.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
                case "roots-first", "roots" -> ROOTS_FIRST;
                case "oldest-first", "oldest" -> OLDEST_FIRST;
                default -> throw new IllegalArgumentException("invalid order '" + text
                        + "'; expected roots-first or oldest-first");
            };
        }
    }

    /**
     * One session in the plan.
     *
     * @param why       why it was chosen and why at this place ("root blocker: 12 sessions wait on it")
     * @param refusal   the guard that will refuse it, or null (it stays in the plan so the refusal is reported)
     * @param statement the exact statement that would be sent, or null when it cannot be built (refused)
     */
    public record Entry(int position, Session session, String why, String refusal, String statement) {
    }

    public KillPlan {
        entries = List.copyOf(entries);
        overMax = List.copyOf(overMax);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }
}
