package dev.sessionctl.watch;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.target.TargetConnection;
import java.util.List;

/**
 * What {@code action: escalate} runs. The termination engine's ladder plugs in here; the built-in
 * fallback goes through {@link SessionKiller} only: terminate (verified), then each harder
 * session-level action the engine supports while the session survives.
 */
@FunctionalInterface
public interface Escalation {

    KillResult escalate(TargetConnection connection, SessionKiller killer, SessionKey key, KillRequest request);

    Escalation BUILT_IN = (connection, killer, key, request) -> {
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
