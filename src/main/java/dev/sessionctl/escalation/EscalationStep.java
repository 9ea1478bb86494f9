package dev.sessionctl.escalation;

import dev.sessionctl.kill.KillAction;
import java.time.Duration;
import java.util.Objects;

/**
 * One rung of the ladder: the action, how long it may take before the next rung is tried, and
 * what "done" means for it.
 *
 * @param bound the most this step may take: the action's own wait (PostgreSQL terminate wait)
 *              plus polling for {@code done}
 */
public record EscalationStep(KillAction action, Duration bound, Done done) {

    /** What proves a step worked. */
    public enum Done {
        /** The statement no longer runs (the session may live on): for CANCEL. */
        STATEMENT_STOPPED,
        /** The session (same id and incarnation) is no longer listed. */
        SESSION_GONE
    }

    public EscalationStep {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(bound, "bound");
        if (bound.isNegative() || bound.isZero()) {
            throw new IllegalArgumentException("step " + action + ": bound must be positive, got " + bound);
        }
        done = done == null ? defaultDone(action) : done;
    }

    public static EscalationStep of(KillAction action, Duration bound) {
        return new EscalationStep(action, bound, defaultDone(action));
    }

    static Done defaultDone(KillAction action) {
        return action == KillAction.CANCEL ? Done.STATEMENT_STOPPED : Done.SESSION_GONE;
    }

    /** {@code action:bound}, the form {@link EscalationLadder#parse} reads back. */
    @Override
    public String toString() {
        return action.label() + ":" + EscalationLadder.formatDuration(bound);
    }
}
