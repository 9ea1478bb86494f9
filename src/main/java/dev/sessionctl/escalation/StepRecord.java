package dev.sessionctl.escalation;

import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillResult;
import java.time.Duration;
import java.util.List;

/**
 * What happened at one rung.
 *
 * @param performed false when the step was skipped (not available, not needed for the goal)
 * @param result    the kill path's result (null when skipped)
 * @param done      the step's "done" condition held within its bound and verification passed
 * @param checks    verification checks run after the step (empty when not reached)
 * @param note      why skipped, or what was seen (e.g. "still listed after 60s, state terminating")
 * @param elapsed   time spent on the step, including polling
 */
public record StepRecord(EscalationStep step, boolean performed, KillResult result, boolean done, List<Check> checks,
                         String note, Duration elapsed) {

    public StepRecord {
        checks = checks == null ? List.of() : List.copyOf(checks);
        elapsed = elapsed == null ? Duration.ZERO : elapsed;
    }

    static StepRecord skipped(EscalationStep step, String why) {
        return new StepRecord(step, false, null, false, List.of(), why, Duration.ZERO);
    }
}
