package dev.sessionctl.watch;

import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.target.TargetConnection;
import java.util.List;

/**
 * What {@code action: escalate} runs. The termination engine's ladder (dev.sessionctl.escalation,
 * wired by {@code watch}) plugs in here; the built-in fallback goes through {@link SessionKiller}
 * only: terminate (verified), then each harder session-level action the engine supports while the
 * session survives.
 */
@FunctionalInterface
public interface Escalation {

    /**
     * @param guards the guards to run at every step (they include the rule's own re-check)
     * @param audit  the audit hook for every step
     */
    KillResult escalate(TargetConnection connection, GuardChain guards, KillListener audit, SessionKey key,
                        KillRequest request);

    Escalation BUILT_IN = (connection, guards, audit, key, request) -> {
        SessionKiller killer = new SessionKiller(connection, guards, audit);
        List<KillAction> ladder = List.of(KillAction.TERMINATE, KillAction.TERMINATE_IMMEDIATE,
                KillAction.DISCONNECT_IMMEDIATE);
        List<KillAction> supported = connection.supportedActions();
        KillResult last = null;
        for (KillAction a : ladder) {
            if (!supported.contains(a)) {
                continue;
            }
            last = killer.killOne(key, new KillRequest(a, false, request.timeout(), true, request.verifyTimeout(),
                    request.reason()));
            if (last.outcome() != KillOutcome.NOT_VERIFIED && last.outcome() != KillOutcome.TIMED_OUT
                    && last.outcome() != KillOutcome.MARKED_FOR_KILL) {
                return last;
            }
        }
        return last != null ? last : KillResult.of(key, KillAction.TERMINATE, KillOutcome.FAILED, null,
                "no session-level action is supported on this target");
    };
}
