package dev.sessionctl.watch;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory target for the watchdog's scheduling and fleet tests: there is no database engine
 * whose clock and failures a test can drive (the real-server tests are in WatchPostgresIT).
 * Terminating a session removes it and releases its waiters; the clock is the system clock.
 */
final class FakeTarget implements TargetConnection {

    record Kill(Session victim, KillAction action, Instant at) {
    }

    final String name;
    final List<Session> sessions = new CopyOnWriteArrayList<>();
    final List<Kill> kills = new CopyOnWriteArrayList<>();
    volatile Duration snapshotDelay = Duration.ZERO;
    volatile int snapshots;
    volatile int partialSnapshots;
    volatile boolean closed;
    /** While set, reads fail as if the server went away. */
    volatile boolean down;
    volatile int completedSnapshots;

    FakeTarget(String name, List<Session> initial) {
        this.name = name;
        this.sessions.addAll(initial);
    }

    @Override
    public TargetInfo info() {
        return new TargetInfo(name, Engine.POSTGRESQL, "16", "fake://" + name, "watch", 1);
    }

    /** Shared by the targets of one fleet test: reads running at the same moment, and the most seen. */
    java.util.concurrent.atomic.AtomicInteger concurrent = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger maxConcurrent = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Snapshot snapshot() {
        snapshots++;
        failIfDown();
        int now = concurrent.incrementAndGet();
        maxConcurrent.accumulateAndGet(now, Math::max);
        try {
            pause();
        } finally {
            concurrent.decrementAndGet();
        }
        completedSnapshots++;
        return new Snapshot(name, Engine.POSTGRESQL, "16", Instant.now(), List.copyOf(sessions), Set.of(SessionRef.of(1)));
    }

    @Override
    public Snapshot snapshot(Collection<SessionRef> only) {
        partialSnapshots++;
        failIfDown();
        pause();
        return new Snapshot(name, Engine.POSTGRESQL, "16", Instant.now(),
                sessions.stream().filter(s -> only.contains(s.ref())).toList(), Set.of(SessionRef.of(1)));
    }

    private void failIfDown() {
        if (down) {
            throw new dev.sessionctl.target.TargetException(dev.sessionctl.target.TargetException.Kind.CONNECTION_LOST,
                    "reading sessions on " + name + " failed: connection reset [SQLSTATE 08006]");
        }
    }

    private void pause() {
        if (!snapshotDelay.isZero()) {
            try {
                Thread.sleep(snapshotDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public List<KillAction> supportedActions() {
        return List.of(KillAction.CANCEL, KillAction.TERMINATE);
    }

    @Override
    public String statementFor(KillAction action, Session victim) {
        return action.label() + "(" + victim.sessionId() + ")";
    }

    @Override
    public synchronized KillResult execute(KillAction action, Session victim, Duration timeout) {
        Session current = sessions.stream().filter(s -> s.ref().equals(victim.ref())).findFirst().orElse(null);
        if (current == null) {
            return KillResult.of(victim.key(), action, KillOutcome.ALREADY_GONE, statementFor(action, victim), "gone");
        }
        if (!current.key().equals(victim.key())) {
            return KillResult.of(victim.key(), action, KillOutcome.IDENTITY_CHANGED, statementFor(action, victim), "changed");
        }
        kills.add(new Kill(current, action, Instant.now()));
        if (action == KillAction.CANCEL) {
            return KillResult.of(victim.key(), action, KillOutcome.CANCELLED, statementFor(action, victim), "cancelled");
        }
        sessions.remove(current);
        List<Session> released = new ArrayList<>();
        for (Session s : sessions) {
            if (s.blockedBy().contains(victim.ref())) {
                released.add(s);
            }
        }
        for (Session s : released) {
            sessions.set(sessions.indexOf(s), s.withBlockedBy(s.blockedBy().stream()
                    .filter(r -> !r.equals(victim.ref())).toList()));
        }
        return KillResult.of(victim.key(), action, KillOutcome.TERMINATED, statementFor(action, victim), "terminated");
    }

    @Override
    public DoctorReport doctor() {
        throw new UnsupportedOperationException("not needed by the watchdog");
    }

    @Override
    public void close() {
        closed = true;
    }
}
