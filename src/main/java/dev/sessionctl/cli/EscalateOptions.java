package dev.sessionctl.cli;

import dev.sessionctl.escalation.EscalationLadder;
import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Engine;
import dev.sessionctl.target.TargetSpec;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code kill --escalate} and the ladder's settings (docs/termination.md). */
public final class EscalateOptions {

    @Option(names = "--escalate",
            description = "Run the engine's escalation ladder: each step bounded, checked and verified before the next;"
                    + " a session rolling back is watched (progress, ETA), never hit again.")
    boolean escalate;

    @Option(names = "--ladder", paramLabel = "ACTION:BOUND,...",
            description = "Steps for --escalate, e.g. terminate:30s,terminate-immediate:1m,os-kill:30s (default: the engine's).")
    String ladderText;

    @Option(names = "--rollback-stall", paramLabel = "DURATION",
            description = "--escalate: a session being terminated that makes no progress this long may get the next step.")
    String stallText;

    @Option(names = "--rollback-max-wait", paramLabel = "DURATION",
            description = "--escalate: stop watching a rollback that still progresses after this long (it is left alone).")
    String maxWaitText;

    public boolean enabled() {
        return escalate;
    }

    /** Checks syntax before connecting. */
    public void validate() {
        if (!escalate && (ladderText != null || stallText != null || maxWaitText != null)) {
            throw new UserError("--ladder, --rollback-stall and --rollback-max-wait need --escalate");
        }
        if (ladderText != null) {
            parseLadder(ladderText);
        }
        duration("--rollback-stall", stallText);
        duration("--rollback-max-wait", maxWaitText);
    }

    /** The ladder in effect: --ladder, else the target's {@code ladder} option, else the engine default. */
    public EscalationLadder ladder(Engine.Family family, TargetSpec spec) {
        String text = ladderText != null ? ladderText : spec.option("ladder", null);
        EscalationLadder l = text != null ? parseLadder(text) : EscalationLadder.defaultFor(family);
        Duration stall = duration("--rollback-stall", stallText);
        Duration max = duration("--rollback-max-wait", maxWaitText);
        if (stall != null) {
            l = l.withRollbackStall(stall);
        }
        if (max != null) {
            l = l.withRollbackMaxWait(max);
        }
        return l;
    }

    private static EscalationLadder parseLadder(String text) {
        try {
            return EscalationLadder.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError("--ladder: " + e.getMessage());
        }
    }

    private static Duration duration(String option, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError(option + ": " + e.getMessage());
        }
    }
}
