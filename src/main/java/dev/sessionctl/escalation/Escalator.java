package dev.sessionctl.escalation;

import dev.sessionctl.guard.Guard;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.kill.Verifier;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Runs an {@link EscalationLadder} on one session: each step goes through {@link SessionKiller}
 * (guards and the identity re-check, every time), is bounded in time, and is checked against a
 * fresh read of the session before the next step is allowed.
 *
 * <p>A session already being terminated is watched, not hit again: while its transaction size
 * shrinks, the escalator reports progress and an ETA and waits; only when it makes no progress for
 * {@link EscalationLadder#rollbackStall()} does the next step go through. This is the one place the
 * built-in "already-terminating" guard is replaced, by a guard that still refuses a session whose
 * rollback progresses.
 */
public final class Escalator {

    /** What the caller wants ended. */
    public enum Goal {
        /** Only the running statement: CANCEL steps first; if the statement cannot be stopped, the session. */
        STOP_STATEMENT,
        /** The session: CANCEL steps are skipped. */
        END_SESSION
    }

    public static final String ROLLING_BACK_GUARD = "already-terminating";

    private final TargetConnection target;
    private final EscalationLadder ladder;
    private final EscalationListener listener;
    private final Ticker ticker;
    private final SessionKiller killer;
    private final Verifier verifier;
    private final Set<SessionRef> stalled = new HashSet<>();

    private Escalator(Builder b) {
        this.target = Objects.requireNonNull(b.target, "target");
        this.ladder = b.ladder != null ? b.ladder : EscalationLadder.defaultFor(target.info().engine().family());
        this.listener = b.listener == null ? EscalationListener.NONE : b.listener;
        this.ticker = b.ticker == null ? Ticker.SYSTEM : b.ticker;
        this.verifier = b.verifier == null ? new Verifier(target) : b.verifier;
        GuardChain guards = Objects.requireNonNull(b.guards, "guards").replacing(ROLLING_BACK_GUARD, rollingBackGuard());
        this.killer = new SessionKiller(target, guards, b.killListener, verifier);
    }

    public static Builder on(TargetConnection target) {
        return new Builder(target);
    }

    public EscalationLadder ladder() {
        return ladder;
    }

    /** Escalates on one session until it is gone (or its statement stopped), a guard refuses, or the ladder runs out. */
    public EscalationResult escalate(SessionKey key, Goal goal, String reason) {
        long started = ticker.nanoTime();
        List<StepRecord> records = new ArrayList<>();
        RollbackMonitor monitor = new RollbackMonitor(unitFor(target.info().engine()));
        Observation first = observe(key, target.snapshot()); // full read: the waiters are needed for verification
        if (!first.present()) {
            return finish(key, EscalationResult.Status.ALREADY_GONE, records, null, List.of(), first.why(), started);
        }
        Session victim = first.session();
        List<SessionRef> waitersBefore = first.waiters();
        try {
            for (EscalationStep step : ladder.steps()) {
                if (step.action() == KillAction.CANCEL && goal != Goal.STOP_STATEMENT) {
                    record(key, records, StepRecord.skipped(step, "the goal is to end the session, not only its statement"));
                    continue;
                }
                Observation now = observe(key);
                if (!now.present()) {
                    return endGone(key, victim, waitersBefore, records, monitor, started, now.why());
                }
                victim = now.session();
                if (victim.state() == SessionState.TERMINATING) {
                    stalled.remove(victim.ref());
                    Watch w = watchTermination(key, monitor);
                    if (w == Watch.GONE) {
                        return endGone(key, victim, waitersBefore, records, monitor, started,
                                "the session ended while being watched");
                    }
                    if (w == Watch.STILL_PROGRESSING) {
                        return finish(key, EscalationResult.Status.ROLLING_BACK, records, monitor.progress(), List.of(),
                                "still rolling back and making progress; left alone on purpose: "
                                        + monitor.progress().describe(), started);
                    }
                    stalled.add(victim.ref());
                    Observation again = observe(key);
                    if (!again.present()) {
                        return endGone(key, victim, waitersBefore, records, monitor, started, again.why());
                    }
                    victim = again.session();
                }
                if (!target.supportedActions().contains(step.action())) {
                    record(key, records, StepRecord.skipped(step, step.action() + " is not available on this target"
                            + " (available: " + target.supportedActions() + ")"));
                    continue;
                }
                StepRecord rec = runStep(key, step, victim, waitersBefore, monitor, reason);
                record(key, records, rec);
                KillResult r = rec.result();
                if (r.outcome() == KillOutcome.REFUSED_BY_GUARD) {
                    return finish(key, EscalationResult.Status.REFUSED, records, null, List.of(), r.message(), started);
                }
                if (r.outcome() == KillOutcome.IDENTITY_CHANGED) {
                    return finish(key, EscalationResult.Status.ALREADY_GONE, records, null, List.of(), r.message(), started);
                }
                if (r.outcome() == KillOutcome.CONNECTION_LOST) {
                    return finish(key, EscalationResult.Status.NOT_DONE, records, null, List.of(),
                            "lost the connection to the target: " + r.message(), started);
                }
                if (rec.done()) {
                    EscalationResult.Status s = step.done() == EscalationStep.Done.STATEMENT_STOPPED
                            ? EscalationResult.Status.STATEMENT_STOPPED : EscalationResult.Status.DONE;
                    return finish(key, s, records, monitor.started() ? monitor.progress() : null, rec.checks(),
                            step.action() + ": " + (s == EscalationResult.Status.DONE ? "session ended and verified"
                                    : "statement stopped"), started);
                }
            }
            // Out of steps: a session still rolling back is watched (never hit again), anything else is not done.
            Observation last = observe(key);
            if (!last.present()) {
                return endGone(key, victim, waitersBefore, records, monitor, started, last.why());
            }
            if (last.session().state() == SessionState.TERMINATING) {
                Watch w = watchTermination(key, monitor);
                if (w == Watch.GONE) {
                    return endGone(key, victim, waitersBefore, records, monitor, started,
                            "the session ended while being watched");
                }
                if (w == Watch.STILL_PROGRESSING) {
                    return finish(key, EscalationResult.Status.ROLLING_BACK, records, monitor.progress(), List.of(),
                            "still rolling back and making progress; left alone on purpose: "
                                    + monitor.progress().describe(), started);
                }
            }
            StepRecord lastStep = records.isEmpty() ? null : records.get(records.size() - 1);
            List<Check> checks = lastStep == null ? List.of() : lastStep.checks();
            return finish(key, EscalationResult.Status.NOT_DONE, records, monitor.started() ? monitor.progress() : null,
                    checks, "every step of the ladder (" + ladder + ") was tried; the session is still "
                            + last.session().state() + "; run explain for why", started);
        } finally {
            stalled.remove(first.session().ref());
        }
    }

    private StepRecord runStep(SessionKey key, EscalationStep step, Session victim, List<SessionRef> waitersBefore,
                               RollbackMonitor monitor, String reason) {
        listener.stepStarted(key, step, victim);
        long t0 = ticker.nanoTime();
        KillResult r = killer.killOne(key, KillRequest.of(step.action()).timeout(step.bound()).reason(reason));
        switch (r.outcome()) {
            case REFUSED_BY_GUARD, IDENTITY_CHANGED, CONNECTION_LOST, REFUSED_PRIVILEGE, FAILED, DRY_RUN, SKIPPED -> {
                return new StepRecord(step, true, r, false, List.of(), r.message(), elapsedSince(t0));
            }
            default -> { }
        }
        boolean satisfied = awaitDone(key, step, victim, monitor, t0);
        if (!satisfied) {
            Observation o = observe(key);
            String seen = o.present() ? "still listed after " + RollbackProgress.fmt(step.bound()) + ", state "
                    + o.session().state() : o.why();
            return new StepRecord(step, true, r, false, List.of(), seen, elapsedSince(t0));
        }
        KillResult base = step.done() == EscalationStep.Done.STATEMENT_STOPPED ? r
                : r.withOutcome(KillOutcome.TERMINATED, r.message());
        KillResult verified = verifier.verify(victim, base, waitersBefore, ladder.verifyTimeout());
        boolean allPassed = verified.checks().stream().allMatch(Check::passed);
        return new StepRecord(step, true, verified, allPassed, verified.checks(),
                allPassed ? "verified" : "verification failed: " + verified.message(), elapsedSince(t0));
    }

    /** Polls until the step's done condition holds or its bound passes; feeds the rollback monitor meanwhile. */
    private boolean awaitDone(SessionKey key, EscalationStep step, Session victim, RollbackMonitor monitor, long t0) {
        long deadline = t0 + step.bound().toNanos();
        while (true) {
            Observation o = observe(key);
            if (!o.present()) {
                return true;
            }
            Session s = o.session();
            if (step.done() == EscalationStep.Done.STATEMENT_STOPPED && statementStopped(victim, s)) {
                return true;
            }
            if (s.state() == SessionState.TERMINATING) {
                listener.rollbackProgress(key, monitor.record(s.transactionSize(), ticker.nanoTime()));
            }
            if (ticker.nanoTime() >= deadline) {
                return false;
            }
            ticker.sleep(min(ladder.pollInterval(), Duration.ofNanos(deadline - ticker.nanoTime())));
        }
    }

    private enum Watch { GONE, STALLED, STILL_PROGRESSING }

    /** Watches a terminating session: gone, stalled (may be escalated), or still progressing at the maximum wait. */
    private Watch watchTermination(SessionKey key, RollbackMonitor monitor) {
        long until = ticker.nanoTime() + ladder.rollbackMaxWait().toNanos();
        while (true) {
            Observation o = observe(key);
            if (!o.present()) {
                return Watch.GONE;
            }
            if (o.session().state() != SessionState.TERMINATING) {
                return Watch.STALLED; // no longer terminating but still there: the next step decides
            }
            RollbackProgress p = monitor.record(o.session().transactionSize(), ticker.nanoTime());
            listener.rollbackProgress(key, p);
            if (monitor.stalledFor(ladder.rollbackStall())) {
                return Watch.STALLED;
            }
            if (ticker.nanoTime() >= until) {
                return Watch.STILL_PROGRESSING;
            }
            ticker.sleep(ladder.pollInterval());
        }
    }

    private EscalationResult endGone(SessionKey key, Session victim, List<SessionRef> waitersBefore,
                                     List<StepRecord> records, RollbackMonitor monitor, long started, String why) {
        boolean anyPerformed = records.stream().anyMatch(StepRecord::performed);
        RollbackProgress p = monitor.started() ? monitor.progress() : null;
        if (!anyPerformed) {
            return finish(key, EscalationResult.Status.ALREADY_GONE, records, p, List.of(), why, started);
        }
        KillResult base = KillResult.of(key, KillAction.TERMINATE, KillOutcome.TERMINATED, null, why);
        KillResult verified = verifier.verify(victim, base, waitersBefore, ladder.verifyTimeout());
        boolean ok = verified.checks().stream().allMatch(Check::passed);
        return finish(key, ok ? EscalationResult.Status.DONE : EscalationResult.Status.NOT_DONE, records, p,
                verified.checks(), ok ? "session ended and verified" : verified.message(), started);
    }

    private EscalationResult finish(SessionKey key, EscalationResult.Status status, List<StepRecord> records,
                                    RollbackProgress p, List<Check> checks, String message, long started) {
        EscalationResult r = new EscalationResult(key, status, records, p, checks, message, elapsedSince(started));
        listener.finished(r);
        return r;
    }

    private void record(SessionKey key, List<StepRecord> records, StepRecord rec) {
        records.add(rec);
        listener.stepFinished(key, rec);
    }

    private record Observation(Session session, List<SessionRef> waiters, String why) {
        boolean present() {
            return session != null;
        }
    }

    private Observation observe(SessionKey key) {
        return observe(key, target.snapshot(List.of(key.ref())));
    }

    private static Observation observe(SessionKey key, Snapshot snap) {
        Optional<Session> s = snap.find(key.ref());
        if (s.isEmpty()) {
            return new Observation(null, List.of(), "session " + key.printable() + " is no longer listed");
        }
        if (!s.get().key().incarnation().equals(key.incarnation())) {
            return new Observation(null, List.of(), "session id " + key.ref() + " now belongs to another session ("
                    + s.get().key().printable() + "); the session named is gone");
        }
        List<SessionRef> waiters = new ArrayList<>();
        for (Session w : snap.sessions()) {
            if (w.blockedBy().contains(key.ref())) {
                waiters.add(w.ref());
            }
        }
        return new Observation(s.get(), waiters, null);
    }

    static boolean statementStopped(Session before, Session now) {
        if (now.state() != SessionState.ACTIVE) {
            return true;
        }
        if (before.queryStart() != null && now.queryStart() != null) {
            return !before.queryStart().equals(now.queryStart());
        }
        return false;
    }

    /** Refuses a terminating session unless this escalator saw its rollback stall. */
    private Guard rollingBackGuard() {
        return new Guard() {
            @Override
            public String name() {
                return ROLLING_BACK_GUARD;
            }

            @Override
            public Optional<String> refuse(Session session, Snapshot snapshot) {
                if (session.state() != SessionState.TERMINATING || stalled.contains(session.ref())) {
                    return Optional.empty();
                }
                return Optional.of("already being terminated and not seen stalled; it is cleaning up or rolling back,"
                        + " ending it again would not help (use explain)");
            }
        };
    }

    static String unitFor(Engine engine) {
        return switch (engine.family()) {
            case ORACLE -> "undo blocks";
            case MYSQL -> "rows";
            case POSTGRESQL -> "units";
        };
    }

    private Duration elapsedSince(long t0) {
        return Duration.ofNanos(ticker.nanoTime() - t0);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Configures an escalator; only the target and the guards are required. */
    public static final class Builder {
        private final TargetConnection target;
        private GuardChain guards;
        private KillListener killListener;
        private Verifier verifier;
        private EscalationLadder ladder;
        private EscalationListener listener;
        private Ticker ticker;

        private Builder(TargetConnection target) {
            this.target = target;
        }

        public Builder guards(GuardChain v) { guards = v; return this; }
        public Builder killListener(KillListener v) { killListener = v; return this; }
        public Builder verifier(Verifier v) { verifier = v; return this; }
        public Builder ladder(EscalationLadder v) { ladder = v; return this; }
        public Builder listener(EscalationListener v) { listener = v; return this; }
        public Builder ticker(Ticker v) { ticker = v; return this; }

        public Escalator build() {
            return new Escalator(this);
        }
    }
}
