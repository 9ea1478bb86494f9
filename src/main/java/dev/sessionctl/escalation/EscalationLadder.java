package dev.sessionctl.escalation;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.model.Engine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ordered steps the escalator may take on one session, gentlest first, plus how it watches a
 * session that is already going (rolling back).
 *
 * <p>Defaults per engine family (see docs/termination.md for why):
 * <ul>
 *   <li>Oracle: cancel (statement goal only), KILL, KILL IMMEDIATE, DISCONNECT IMMEDIATE, OS kill
 *       (SIGTERM, then SIGKILL after the configured wait) of V$PROCESS.SPID;</li>
 *   <li>PostgreSQL: cancel (statement goal only), terminate with wait, SIGTERM to the backend.
 *       Never SIGKILL by default: SIGKILL on one backend makes the postmaster restart every
 *       backend of the cluster. {@code os-kill} can be configured explicitly;</li>
 *   <li>MySQL/MariaDB: KILL QUERY (statement goal only), KILL CONNECTION. No OS step: one mysqld
 *       process serves every session.</li>
 * </ul>
 *
 * @param pollInterval    how often the session is re-read while waiting for a step
 * @param rollbackStall   how long a session being terminated may show no progress before the
 *                        next step is allowed against it
 * @param rollbackMaxWait how long the escalator keeps watching a rollback that does progress
 *                        before it returns (leaving the session alone, with the ETA)
 * @param verifyTimeout   how long verification may poll once a step reports the session gone
 */
public record EscalationLadder(List<EscalationStep> steps, Duration pollInterval, Duration rollbackStall,
                               Duration rollbackMaxWait, Duration verifyTimeout) {

    private static final Pattern STEP = Pattern.compile("\\s*([A-Za-z_-]+)\\s*(?::\\s*(\\d{1,6})\\s*(ms|s|m)?)?\\s*");

    public EscalationLadder {
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("an escalation ladder needs at least one step");
        }
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(rollbackStall, "rollbackStall");
        Objects.requireNonNull(rollbackMaxWait, "rollbackMaxWait");
        Objects.requireNonNull(verifyTimeout, "verifyTimeout");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive, got " + pollInterval);
        }
    }

    public static EscalationLadder of(List<EscalationStep> steps) {
        return new EscalationLadder(steps, Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofMinutes(10),
                Duration.ofSeconds(10));
    }

    /** The documented default for an engine family. */
    public static EscalationLadder defaultFor(Engine.Family family) {
        return switch (family) {
            case ORACLE -> of(List.of(
                    EscalationStep.of(KillAction.CANCEL, Duration.ofSeconds(10)),
                    EscalationStep.of(KillAction.TERMINATE, Duration.ofSeconds(60)),
                    EscalationStep.of(KillAction.TERMINATE_IMMEDIATE, Duration.ofSeconds(60)),
                    EscalationStep.of(KillAction.DISCONNECT_IMMEDIATE, Duration.ofSeconds(60)),
                    EscalationStep.of(KillAction.OS_KILL, Duration.ofSeconds(60))));
            // PostgreSQL reports no rollback size: a backend told to terminate that is still there after 10 s is stuck
            case POSTGRESQL -> of(List.of(
                    EscalationStep.of(KillAction.CANCEL, Duration.ofSeconds(5)),
                    EscalationStep.of(KillAction.TERMINATE, Duration.ofSeconds(10)),
                    EscalationStep.of(KillAction.OS_TERM, Duration.ofSeconds(10)))).withRollbackStall(Duration.ofSeconds(10));
            case MYSQL -> of(List.of(
                    EscalationStep.of(KillAction.CANCEL, Duration.ofSeconds(5)),
                    EscalationStep.of(KillAction.TERMINATE, Duration.ofSeconds(30))));
        };
    }

    /**
     * Reads {@code action[:bound],...}, e.g. {@code terminate:30s,terminate-immediate:1m,os-kill:30s}.
     * A step without a bound gets 30 s.
     *
     * @throws IllegalArgumentException naming the bad step and the expected form
     */
    public static EscalationLadder parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty escalation ladder; expected ACTION[:BOUND],... e.g. terminate:30s,os-term:10s");
        }
        List<EscalationStep> steps = new ArrayList<>();
        for (String part : text.split(",")) {
            Matcher m = STEP.matcher(part);
            if (!m.matches()) {
                throw new IllegalArgumentException("invalid escalation step '" + part.trim()
                        + "'; expected ACTION[:BOUND] such as terminate:30s, os-term:10s or cancel:500ms");
            }
            KillAction action = KillAction.parse(m.group(1));
            Duration bound = m.group(2) == null ? Duration.ofSeconds(30) : parseDuration(m.group(2), m.group(3));
            if (bound.isZero()) {
                throw new IllegalArgumentException("invalid escalation step '" + part.trim() + "': bound must be positive");
            }
            steps.add(EscalationStep.of(action, bound));
        }
        return of(steps);
    }

    private static Duration parseDuration(String number, String unit) {
        long n = Long.parseLong(number);
        String u = unit == null ? "s" : unit.toLowerCase(Locale.ROOT);
        return switch (u) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    static String formatDuration(Duration d) {
        if (d.toMillis() % 60_000 == 0 && !d.isZero()) {
            return d.toMinutes() + "m";
        }
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }

    /** Without the CANCEL steps: when the goal is to end the session, not just its statement. */
    public EscalationLadder withoutCancel() {
        return new EscalationLadder(steps.stream().filter(s -> s.action() != KillAction.CANCEL).toList(),
                pollInterval, rollbackStall, rollbackMaxWait, verifyTimeout);
    }

    public EscalationLadder withPollInterval(Duration d) {
        return new EscalationLadder(steps, d, rollbackStall, rollbackMaxWait, verifyTimeout);
    }

    public EscalationLadder withRollbackStall(Duration d) {
        return new EscalationLadder(steps, pollInterval, d, rollbackMaxWait, verifyTimeout);
    }

    public EscalationLadder withRollbackMaxWait(Duration d) {
        return new EscalationLadder(steps, pollInterval, rollbackStall, d, verifyTimeout);
    }

    public EscalationLadder withVerifyTimeout(Duration d) {
        return new EscalationLadder(steps, pollInterval, rollbackStall, rollbackMaxWait, d);
    }

    public boolean startsWithCancel() {
        return steps.get(0).action() == KillAction.CANCEL;
    }

    @Override
    public String toString() {
        return String.join(",", steps.stream().map(EscalationStep::toString).toList());
    }
}
