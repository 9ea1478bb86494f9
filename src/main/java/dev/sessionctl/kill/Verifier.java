package dev.sessionctl.kill;

import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Proves an action worked by reading the target again: the session is gone (or its statement
 * stopped, for a cancel) and the sessions it blocked no longer wait on it. Polls with a short,
 * growing interval until everything passes or the time allowed runs out.
 */
public final class Verifier {

    /**
     * A check added to the built-in ones after an action that ends a session (locks on a table
     * released, server process gone). Returns empty when it has nothing to say for this victim.
     */
    public interface ExtraCheck {
        Optional<Check> check(Session victim, Snapshot now);
    }

    private final TargetConnection target;
    private final List<ExtraCheck> extras;

    public Verifier(TargetConnection target) {
        this(target, List.of());
    }

    public Verifier(TargetConnection target, List<ExtraCheck> extras) {
        this.target = target;
        this.extras = List.copyOf(extras);
    }

    /** This verifier plus one more check. */
    public Verifier with(ExtraCheck extra) {
        List<ExtraCheck> all = new ArrayList<>(extras);
        all.add(extra);
        return new Verifier(target, all);
    }

    public KillResult verify(Session victim, KillResult result, List<SessionRef> waitersBefore, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long sleepMs = 20;
        List<Check> checks;
        while (true) {
            Snapshot now = target.snapshot();
            checks = result.action() == KillAction.CANCEL ? cancelChecks(victim, now) : terminateChecks(victim, waitersBefore, now);
            if (result.action() != KillAction.CANCEL && !extras.isEmpty()) {
                checks = new ArrayList<>(checks);
                for (ExtraCheck extra : extras) {
                    extra.check(victim, now).ifPresent(checks::add);
                }
            }
            boolean all = checks.stream().allMatch(Check::passed);
            if (all || System.nanoTime() > deadline) {
                KillResult r = result.withChecks(checks);
                if (all && result.outcome() == KillOutcome.MARKED_FOR_KILL) {
                    return r.withOutcome(KillOutcome.TERMINATED, result.message() + "; verified gone");
                }
                if (!all && result.outcome() != KillOutcome.MARKED_FOR_KILL) {
                    return r.withOutcome(KillOutcome.NOT_VERIFIED, result.message()
                            + "; verification failed after " + timeout.toMillis() + " ms: " + failed(checks));
                }
                return r;
            }
            sleep(sleepMs);
            sleepMs = Math.min(sleepMs * 2, 250);
        }
    }

    private static List<Check> terminateChecks(Session victim, List<SessionRef> waitersBefore, Snapshot now) {
        List<Check> checks = new ArrayList<>();
        Optional<Session> still = now.find(victim.ref())
                .filter(s -> s.key().incarnation().equals(victim.key().incarnation()));
        boolean waitedOn = now.sessions().stream().anyMatch(s -> s.blockedBy().contains(victim.ref()));
        if (still.isEmpty()) {
            checks.add(Check.pass("session-gone", "session " + victim.key().printable() + " is no longer listed"));
        } else if (still.get().state() == SessionState.TERMINATING && !waitedOn
                && (still.get().transactionSize() == null || still.get().transactionSize() == 0)) {
            // Oracle keeps a killed idle session's row (STATUS KILLED) until its client's next call,
            // after rolling back and releasing its locks: ended in every way that matters to others.
            checks.add(Check.pass("session-gone", "session " + victim.key().printable()
                    + " is marked ended, holds no transaction and blocks no one; the server drops it at the client's next call"));
        } else {
            checks.add(Check.fail("session-gone", "session " + victim.key().printable() + " is still listed, state "
                    + still.get().state() + (still.get().transactionSize() == null ? ""
                    : ", transaction size " + still.get().transactionSize())));
        }
        List<String> stillWaiting = new ArrayList<>();
        for (Session s : now.sessions()) {
            if (s.blockedBy().contains(victim.ref()) && still.isPresent()) {
                stillWaiting.add(s.key().printable());
            }
        }
        if (!waitersBefore.isEmpty()) {
            checks.add(stillWaiting.isEmpty()
                    ? Check.pass("waiters-released", waitersBefore.size() + " session(s) that waited on it no longer do")
                    : Check.fail("waiters-released", stillWaiting.size() + " session(s) still wait on it: "
                            + String.join(" ", stillWaiting)));
        }
        return checks;
    }

    private static List<Check> cancelChecks(Session victim, Snapshot now) {
        Optional<Session> s = now.find(victim.ref());
        if (s.isEmpty() || !s.get().key().incarnation().equals(victim.key().incarnation())) {
            return List.of(Check.pass("statement-stopped", "the session itself is gone"));
        }
        Session cur = s.get();
        boolean sameStatement = cur.state() == SessionState.ACTIVE && cur.queryStart() != null
                && cur.queryStart().equals(victim.queryStart());
        return List.of(sameStatement
                ? Check.fail("statement-stopped", "the same statement is still running since " + cur.queryStart())
                : Check.pass("statement-stopped", "the statement no longer runs (state " + cur.state() + ")"));
    }

    private static String failed(List<Check> checks) {
        return checks.stream().filter(c -> !c.passed()).map(c -> c.name() + " (" + c.detail() + ")")
                .reduce((a, b) -> a + "; " + b).orElse("");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while verifying", e);
        }
    }
}
