package dev.sessionctl.kill;

import dev.sessionctl.model.SessionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The result of one action on one session.
 *
 * @param statement the exact statement sent (or that would be sent with --dry-run), null for guard refusals
 * @param guard     the guard that refused, when {@code outcome == REFUSED_BY_GUARD}
 * @param fix       what the user can do about a refusal (a GRANT, a wrapper), or null
 * @param errorCode SQLSTATE or vendor code (e.g. 42501, ORA-00031) behind the outcome, or null
 */
public record KillResult(SessionKey key, KillAction action, KillOutcome outcome, String statement, String message,
                         String guard, String fix, String errorCode, Duration elapsed, List<Check> checks) {

    public KillResult {
        checks = checks == null ? List.of() : List.copyOf(checks);
        elapsed = elapsed == null ? Duration.ZERO : elapsed;
    }

    public static KillResult of(SessionKey key, KillAction action, KillOutcome outcome, String statement, String message) {
        return new KillResult(key, action, outcome, statement, message, null, null, null, Duration.ZERO, List.of());
    }

    public static KillResult refusedByGuard(SessionKey key, KillAction action, String guard, String message) {
        return new KillResult(key, action, KillOutcome.REFUSED_BY_GUARD, null, message, guard, null, null,
                Duration.ZERO, List.of());
    }

    public KillResult withOutcome(KillOutcome o, String newMessage) {
        return new KillResult(key, action, o, statement, newMessage, guard, fix, errorCode, elapsed, checks);
    }

    public KillResult withFix(String f) {
        return new KillResult(key, action, outcome, statement, message, guard, f, errorCode, elapsed, checks);
    }

    public KillResult withStatement(String st) {
        return new KillResult(key, action, outcome, st, message, guard, fix, errorCode, elapsed, checks);
    }

    public KillResult withErrorCode(String code) {
        return new KillResult(key, action, outcome, statement, message, guard, fix, code, elapsed, checks);
    }

    public KillResult withElapsed(Duration d) {
        return new KillResult(key, action, outcome, statement, message, guard, fix, errorCode, d, checks);
    }

    public KillResult withChecks(List<Check> more) {
        List<Check> all = new ArrayList<>(checks);
        all.addAll(more);
        return new KillResult(key, action, outcome, statement, message, guard, fix, errorCode, elapsed, all);
    }

    public boolean succeeded() {
        return outcome.acceptable();
    }
}
