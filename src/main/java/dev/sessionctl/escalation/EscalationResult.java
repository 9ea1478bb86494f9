package dev.sessionctl.escalation;

import dev.sessionctl.kill.Check;
import dev.sessionctl.model.SessionKey;
import java.time.Duration;
import java.util.List;

/**
 * The whole escalation for one session: every step in order, the final status, the rollback
 * progress when the session was seen rolling back, and the verification checks of the end.
 */
public record EscalationResult(SessionKey key, Status status, List<StepRecord> steps, RollbackProgress rollback,
                               List<Check> checks, String message, Duration elapsed) {

    public enum Status {
        /** The session is gone and every verification check passed. */
        DONE(true),
        /** Goal was the statement: it no longer runs, the session lives on. */
        STATEMENT_STOPPED(true),
        /** The named session was already gone (or its id belongs to another incarnation): nothing done. */
        ALREADY_GONE(true),
        /** It is rolling back and still making progress: left alone on purpose (see {@link #rollback}). */
        ROLLING_BACK(false),
        /** A guard refused: nothing (more) was done. */
        REFUSED(false),
        /** Every step was tried and the session (or one of its checks) is still there. */
        NOT_DONE(false);

        private final boolean success;

        Status(boolean success) {
            this.success = success;
        }

        public boolean success() {
            return success;
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public EscalationResult {
        steps = List.copyOf(steps);
        checks = checks == null ? List.of() : List.copyOf(checks);
    }

    public boolean succeeded() {
        return status.success();
    }

    /** Steps actually performed (not skipped). */
    public List<StepRecord> performed() {
        return steps.stream().filter(StepRecord::performed).toList();
    }
}
