package dev.sessionctl.kill;

import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one kill path every front end uses: resolve the key against a fresh snapshot, run the
 * guards, record the intent, execute (the dialect re-checks the identity in the statement
 * itself), record the outcome, verify. Every key gets its own result; one failure never stops the rest.
 */
public final class SessionKiller {

    private final TargetConnection target;
    private final GuardChain guards;
    private final KillListener listener;
    private final Verifier verifier;

    public SessionKiller(TargetConnection target, GuardChain guards, KillListener listener) {
        this.target = target;
        this.guards = guards;
        this.listener = listener == null ? KillListener.NONE : listener;
        this.verifier = new Verifier(target);
    }

    /** With a verifier carrying extra checks (locks on a table, server process gone). */
    public SessionKiller(TargetConnection target, GuardChain guards, KillListener listener, Verifier verifier) {
        this.target = target;
        this.guards = guards;
        this.listener = listener == null ? KillListener.NONE : listener;
        this.verifier = verifier == null ? new Verifier(target) : verifier;
    }

    /** Acts on each key in order, each against the freshest snapshot. */
    public List<KillResult> kill(List<SessionKey> keys, KillRequest request) {
        List<KillResult> results = new ArrayList<>(keys.size());
        for (SessionKey key : keys) {
            results.add(killOne(key, request));
        }
        return results;
    }

    public KillResult killOne(SessionKey key, KillRequest request) {
        long started = System.nanoTime();
        KillResult result;
        try {
            result = resolveAndAct(key, request, target.snapshot());
        } catch (TargetException e) {
            result = fromException(key, request.action(), e);
        }
        if (result.elapsed().isZero()) {
            result = result.withElapsed(Duration.ofNanos(System.nanoTime() - started));
        }
        return result;
    }

    private KillResult resolveAndAct(SessionKey key, KillRequest request, Snapshot snapshot) {
        KillAction action = request.action();
        Optional<Session> found = snapshot.find(key.ref());
        if (found.isEmpty()) {
            return KillResult.of(key, action, KillOutcome.ALREADY_GONE, null,
                    "no session " + key.ref() + " on " + snapshot.target() + " any more; nothing to do");
        }
        Session victim = found.get();
        Optional<GuardChain.Refusal> refusal = guards.check(victim, snapshot);
        boolean sameIncarnation = victim.key().incarnation().equals(key.incarnation());
        // a session the engine hides from this account has no comparable incarnation: say why, with its fix
        if (refusal.isPresent() && (sameIncarnation || "engine-protected".equals(refusal.get().guard()))) {
            return KillResult.refusedByGuard(key, action, refusal.get().guard(), "refused by guard "
                    + refusal.get().guard() + ": " + refusal.get().reason());
        }
        if (!sameIncarnation) {
            return KillResult.of(key, action, KillOutcome.IDENTITY_CHANGED, null,
                    "session id " + key.ref() + " now belongs to another session (key " + victim.key().printable()
                            + "); the session you named is gone; nothing was done");
        }
        if (!target.supportedActions().contains(action)) {
            return KillResult.of(key, action, KillOutcome.FAILED, null, "action " + action + " is not available on "
                    + target.info().engine() + "; available: " + target.supportedActions());
        }
        String statement = target.statementFor(action, victim, request.timeout());
        if (request.dryRun()) {
            return KillResult.of(key, action, KillOutcome.DRY_RUN, statement, "would run: " + statement);
        }
        List<SessionRef> waitersBefore = waitersOf(victim.ref(), snapshot);
        try {
            listener.beforeAction(snapshot.target(), victim, action, statement, request.reason());
        } catch (RuntimeException e) {
            // nothing unrecorded is ever done
            return KillResult.of(key, action, KillOutcome.FAILED, statement,
                    "not done: the intent could not be recorded (" + e.getMessage() + ")");
        }
        KillResult result;
        try {
            result = target.execute(action, victim, request.timeout());
        } catch (TargetException e) {
            result = fromException(key, action, e).withStatement(statement);
        } catch (RuntimeException e) {
            result = KillResult.of(key, action, KillOutcome.FAILED, statement, "failed: " + e);
        }
        if (request.verify() && (result.outcome() == KillOutcome.TERMINATED
                || result.outcome() == KillOutcome.MARKED_FOR_KILL || result.outcome() == KillOutcome.CANCELLED)) {
            try {
                result = verifier.verify(victim, result, waitersBefore, request.verifyTimeout());
            } catch (TargetException e) {
                result = result.withChecks(List.of(Check.fail("verification", "could not read the target: " + e.getMessage())))
                        .withOutcome(KillOutcome.NOT_VERIFIED, result.message() + "; not verified");
            }
        }
        listener.afterAction(snapshot.target(), victim, result);
        return result;
    }

    private static KillResult fromException(SessionKey key, KillAction action, TargetException e) {
        KillOutcome o = switch (e.kind()) {
            case CONNECTION_LOST, UNREACHABLE -> KillOutcome.CONNECTION_LOST;
            case PRIVILEGE -> KillOutcome.REFUSED_PRIVILEGE;
            default -> KillOutcome.FAILED;
        };
        return KillResult.of(key, action, o, null, e.getMessage()).withFix(e.fix()).withErrorCode(e.errorCode());
    }

    static List<SessionRef> waitersOf(SessionRef blocker, Snapshot snapshot) {
        List<SessionRef> out = new ArrayList<>();
        for (Session s : snapshot.sessions()) {
            if (s.blockedBy().contains(blocker)) {
                out.add(s.ref());
            }
        }
        return out;
    }
}
