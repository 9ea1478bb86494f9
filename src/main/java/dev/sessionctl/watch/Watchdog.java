package dev.sessionctl.watch;

import dev.sessionctl.guard.Guard;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch daemon: polls many targets with bounded concurrency, evaluates the policy, and acts
 * through {@link SessionKiller} (identity and guards) with the rule re-checked on the kill path's
 * own fresh snapshot.
 *
 * <p>Threads: one scheduler thread (poll ticks and deadlines, never blocks), a fixed pool of poll
 * workers and a small fixed pool for deadline actions. Each target has one connection used by one
 * thread at a time (its lock); a tick for a target whose previous poll is still running is
 * skipped, so a slow target never piles up work and never holds more than one worker. A target
 * that is down is retried with exponential backoff (with jitter), without holding a worker between
 * attempts.
 *
 * <p>Deadline scheduling: a {@link Decision.Verdict#PENDING} decision carries the server-clock
 * moment its session crosses the threshold. Each poll measures the offset between the server's
 * clock and this process's monotonic clock (the snapshot's serverTime against the midpoint of the
 * round trip), so the crossing is scheduled on {@link System#nanoTime()}; at that moment a cheap
 * re-read of the session (and its waiters) re-evaluates the rule, and the kill follows at once.
 * The delay after a threshold therefore does not depend on the poll interval.
 */
public final class Watchdog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
    /** No poll starts this close before a deadline of the same target. */
    private static final long DEADLINE_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(150);
    /** A poll is deferred (for an action or a deadline) at most this long. */
    private static final long MAX_POLL_DEFERRAL_NANOS = TimeUnit.MILLISECONDS.toNanos(300);

    /** Tuning that is not policy: pool sizes and reconnect backoff. */
    public record Options(int pollWorkers, int actionWorkers, Duration backoffMin, Duration backoffMax,
                          Duration shutdownGrace) {
        public static Options defaults() {
            return new Options(8, 4, Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofSeconds(30));
        }

        public Options withPollWorkers(int n) {
            return new Options(n, actionWorkers, backoffMin, backoffMax, shutdownGrace);
        }

        public Options withBackoff(Duration min, Duration max) {
            return new Options(pollWorkers, actionWorkers, min, max, shutdownGrace);
        }
    }

    private final Function<TargetSpec, TargetConnection> connector;
    private final KillListener audit;
    private final WatchListener listener;
    private final Escalation escalation;
    private final Options options;
    private final Clock clock;
    private final WatchState state = new WatchState();
    private final AtomicReference<Policy> policy;
    private final Map<String, Worker> workers = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService pollPool;
    private final ExecutorService actionPool;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean started;

    public Watchdog(Policy policy, List<TargetSpec> targets, Function<TargetSpec, TargetConnection> connector,
                    KillListener audit, WatchListener listener, Escalation escalation, Options options, Clock clock) {
        this.policy = new AtomicReference<>(policy);
        this.connector = connector;
        this.audit = audit == null ? KillListener.NONE : audit;
        this.listener = listener == null ? new WatchListener() { } : listener;
        this.escalation = escalation == null ? Escalation.BUILT_IN : escalation;
        this.options = options == null ? Options.defaults() : options;
        this.clock = clock == null ? Clock.systemUTC() : clock;
        this.scheduler = new ScheduledThreadPoolExecutor(1, named("watch-scheduler"));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.pollPool = Executors.newFixedThreadPool(Math.max(1, this.options.pollWorkers()), named("watch-poll"));
        this.actionPool = Executors.newFixedThreadPool(Math.max(1, this.options.actionWorkers()), named("watch-action"));
        for (TargetSpec t : targets) {
            workers.put(t.name(), new Worker(t));
        }
    }

    public Policy policy() {
        return policy.get();
    }

    public WatchState state() {
        return state;
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts polling every target at the policy's interval, each at a random phase. */
    public void start() {
        started = true;
        workers.values().forEach(this::scheduleTicks);
    }

    /**
     * Polls every target once (concurrently, bounded by the pool), acts on what is due now unless
     * the policy is a dry run, and returns the evaluations. Targets that fail are in {@code errors}.
     */
    public OnceResult runOnce() {
        Map<String, Future<Evaluation>> futures = new LinkedHashMap<>();
        for (Worker w : workers.values()) {
            futures.put(w.spec.name(), pollPool.submit(() -> w.poll(false)));
        }
        List<Evaluation> evaluations = new ArrayList<>();
        List<Snapshot> snapshots = new ArrayList<>();
        Map<String, String> errors = new LinkedHashMap<>();
        for (Map.Entry<String, Future<Evaluation>> e : futures.entrySet()) {
            try {
                Evaluation ev = e.getValue().get();
                if (ev != null) {
                    evaluations.add(ev);
                    snapshots.add(workers.get(e.getKey()).lastSnapshot);
                } else {
                    errors.put(e.getKey(), workers.get(e.getKey()).lastError);
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                errors.put(e.getKey(), "interrupted");
            } catch (java.util.concurrent.ExecutionException ex) {
                errors.put(e.getKey(), String.valueOf(ex.getCause()));
            }
        }
        return new OnceResult(evaluations, snapshots, errors);
    }

    /** What {@link #runOnce()} saw: one evaluation and snapshot per target that answered, and the errors of the others. */
    public record OnceResult(List<Evaluation> evaluations, List<Snapshot> snapshots, Map<String, String> errors) {
    }

    /**
     * Swaps in a new, already validated policy (and target list). New targets start polling,
     * removed ones stop and close; pending deadlines are re-planned at the next poll.
     */
    public void reload(Policy newPolicy, List<TargetSpec> targets) {
        Policy old = policy.getAndSet(newPolicy);
        Set<String> names = new HashSet<>();
        for (TargetSpec t : targets) {
            names.add(t.name());
            Worker existing = workers.get(t.name());
            if (existing == null) {
                Worker w = new Worker(t);
                workers.put(t.name(), w);
                if (started) {
                    scheduleTicks(w);
                }
            } else {
                existing.spec = t;
                if (started && !old.interval().equals(newPolicy.interval())) {
                    scheduleTicks(existing);
                }
            }
        }
        for (String name : List.copyOf(workers.keySet())) {
            if (!names.contains(name)) {
                Worker w = workers.remove(name);
                w.stop();
            }
        }
        workers.values().forEach(Worker::cancelDeadlines);
        LOG.info("event=reload source={} rules={} targets={} interval={}", newPolicy.source(), newPolicy.rules().size(),
                workers.size(), newPolicy.interval());
    }

    /** Graceful: no new polls or deadlines, lets in-flight polls and actions finish, closes connections. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        scheduler.shutdownNow();
        pollPool.shutdown();
        actionPool.shutdown();
        try {
            long grace = options.shutdownGrace().toMillis();
            if (!actionPool.awaitTermination(grace, TimeUnit.MILLISECONDS)) {
                LOG.warn("event=shutdown msg=\"actions still running after {} ms\"", grace);
            }
            if (!pollPool.awaitTermination(grace, TimeUnit.MILLISECONDS)) {
                pollPool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.values().forEach(Worker::stop);
        LOG.info("event=shutdown targets={}", workers.size());
    }

    private void scheduleTicks(Worker w) {
        if (w.ticks != null) {
            w.ticks.cancel(false);
        }
        long intervalNanos = policy.get().interval().toNanos();
        long phase = ThreadLocalRandom.current().nextLong(Math.max(1, Math.min(intervalNanos, 1_000_000_000L)));
        w.ticks = scheduler.scheduleAtFixedRate(() -> tick(w), phase, intervalNanos, TimeUnit.NANOSECONDS);
    }

    private void tick(Worker w) {
        tick(w, 0);
    }

    private void tick(Worker w, long deferredSince) {
        if (closed.get()) {
            return;
        }
        long now = System.nanoTime();
        if ((w.actionsInFlight.get() > 0 || w.deadlineWithin(DEADLINE_QUIET_NANOS))
                && (deferredSince == 0 || now - deferredSince < MAX_POLL_DEFERRAL_NANOS)) {
            // an action is running or a deadline is about to fire: their own reads are fresher, and on
            // engines whose reads are throttled (InnoDB refreshes its transaction tables at most every
            // 100 ms) a poll now would make the action's reads wait. Deferred, not skipped: a skipped
            // poll could miss a session that starts and crosses its threshold before the next one.
            long since = deferredSince == 0 ? now : deferredSince;
            try {
                scheduler.schedule(() -> tick(w, since), 50, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
            return;
        }
        if (!w.pollInFlight.compareAndSet(false, true)) {
            return; // previous poll of this target still running: skip, never queue up
        }
        try {
            pollPool.execute(() -> {
                try {
                    w.poll(true);
                } finally {
                    w.pollInFlight.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            w.pollInFlight.set(false);
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ------------------------------------------------------------------ one target

    private final class Worker {
        volatile TargetSpec spec;
        final ReentrantLock lock = new ReentrantLock();
        final AtomicBoolean pollInFlight = new AtomicBoolean();
        final AtomicInteger actionsInFlight = new AtomicInteger();
        final AtomicInteger urgentWaiting = new AtomicInteger();
        volatile TargetConnection connection;
        long nextConnectNanos;
        Duration backoff = Duration.ZERO;
        volatile String lastError;
        volatile Snapshot lastSnapshot;
        ScheduledFuture<?> ticks;
        /** Server clock to local monotonic clock: server instant {@code serverRef} was local {@code localRefNanos}. */
        volatile Instant serverRef;
        volatile long localRefNanos;
        volatile long calibrationRttNanos;
        volatile long calibratedAtNanos;
        final Map<String, Deadline> deadlines = new ConcurrentHashMap<>();
        final Set<String> told = ConcurrentHashMap.newKeySet();
        final Map<SessionKey, Long> actedAt = new ConcurrentHashMap<>();


        Worker(TargetSpec spec) {
            this.spec = spec;
        }

        /** Runs one call on the live connection under the lock; a dropped connection is CONNECTION_LOST. */
        <T> T withConnection(java.util.function.Function<TargetConnection, T> call) {
            return withConnection(call, false);
        }

        /**
         * @param urgent a kill about to be sent (resolving its victim, sending the statement): it goes
         *               before reads that only verify an earlier action, which wait while an urgent call
         *               is waiting (on engines with throttled reads a verification read can take 100 ms)
         */
        <T> T withConnection(java.util.function.Function<TargetConnection, T> call, boolean urgent) {
            if (urgent) {
                urgentWaiting.incrementAndGet();
            } else {
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (urgentWaiting.get() > 0 && System.nanoTime() < giveUp) {
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
            }
            lock.lock();
            if (urgent) {
                urgentWaiting.decrementAndGet();
            }
            try {
                if (connection == null) {
                    throw new TargetException(TargetException.Kind.CONNECTION_LOST, "the connection to " + spec.name()
                            + " was lost; it is being re-established");
                }
                return call.apply(connection);
            } finally {
                lock.unlock();
            }
        }

        /** One poll: connect if needed (respecting backoff), read, evaluate, act, plan deadlines. Null on failure. */
        Evaluation poll(boolean scheduleDeadlines) {
            List<Decision> due;
            Policy p;
            GuardChain guards;
            Evaluation ev;
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (urgentWaiting.get() > 0 && System.nanoTime() < giveUp) {
                java.util.concurrent.locks.LockSupport.parkNanos(200_000); // a kill is about to be sent: it goes first
            }
            lock.lock();
            try {
                if (closed.get() && scheduleDeadlines) {
                    return null;
                }
                if (connection == null && !connect(scheduleDeadlines)) {
                    return null;
                }
                p = policy.get();
                guards = WatchGuards.forTarget(p, spec.protection());
                long t0 = System.nanoTime();
                Snapshot snap = connection.snapshot();
                long t1 = System.nanoTime();
                calibrate(snap, t0, t1);
                lastSnapshot = snap;
                ev = Evaluator.evaluate(p, snap, guards, state, clock.instant());
                listener.polled(spec.name(), snap, ev, Duration.ofNanos(t1 - t0));
                backoff = Duration.ZERO;
                due = handle(ev, scheduleDeadlines && p.deadlineScheduling());
            } catch (TargetException e) {
                failed(e);
                return null;
            } finally {
                lock.unlock();
            }
            for (Decision d : due) {
                act(p, d, guards);
            }
            return ev;
        }

        private boolean connect(boolean respectBackoff) {
            if (respectBackoff && System.nanoTime() < nextConnectNanos) {
                return false;
            }
            try {
                connection = connector.apply(spec);
                lastError = null;
                listener.connected(spec.name());
                LOG.info("event=connected target={}", spec.name());
                return true;
            } catch (TargetException e) {
                failed(e);
                return false;
            }
        }

        private void failed(TargetException e) {
            lastError = e.getMessage();
            boolean lost = connection == null || e.kind() == TargetException.Kind.CONNECTION_LOST
                    || e.kind() == TargetException.Kind.UNREACHABLE;
            if (lost && connection != null) {
                closeConnection();
            }
            Duration retryIn = Duration.ZERO;
            if (lost) {
                backoff = backoff.isZero() ? options.backoffMin() : backoff.multipliedBy(2);
                if (backoff.compareTo(options.backoffMax()) > 0) {
                    backoff = options.backoffMax();
                }
                // jitter: a fleet that lost one network path does not reconnect in lock step
                long jittered = (long) (backoff.toNanos() * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
                retryIn = Duration.ofNanos(jittered);
                nextConnectNanos = System.nanoTime() + jittered;
                cancelDeadlines();
            }
            listener.pollFailed(spec.name(), e, retryIn);
            LOG.warn("event=poll-failed target={} kind={} retryInMs={} error=\"{}\"", spec.name(), e.kind(),
                    retryIn.toMillis(), e.getMessage());
        }

        /**
         * Maps the server's clock onto ours: serverTime was read somewhere inside [t0, t1], so the
         * midpoint is off by at most half the round trip. A slow round trip (a loaded server or
         * network) would make a worse mapping than the one held, so it replaces it only when it is
         * not much slower or the held one is older than 30 s (clocks drift slowly).
         */
        void calibrate(Snapshot snap, long t0, long t1) {
            if (snap.serverTime() == null) {
                return;
            }
            long rtt = t1 - t0;
            boolean stale = t1 - calibratedAtNanos > TimeUnit.SECONDS.toNanos(30);
            if (serverRef == null || stale || rtt <= calibrationRttNanos + calibrationRttNanos / 2 + 500_000) {
                serverRef = snap.serverTime();
                localRefNanos = t0 + rtt / 2;
                calibrationRttNanos = rtt;
                calibratedAtNanos = t1;
            }
        }

        /** The local monotonic time of a server instant, by the last calibration. */
        long localNanos(Instant server) {
            Duration d = Duration.between(serverRef, server);
            return localRefNanos + d.toNanos();
        }

        Instant serverNow() {
            return serverRef == null ? clock.instant() : serverRef.plusNanos(System.nanoTime() - localRefNanos);
        }

        /** Plans deadlines and tells new non-actions; returns the decisions to act on now (after the lock is released). */
        private List<Decision> handle(Evaluation ev, boolean scheduleDeadlines) {
            List<Decision> due = new ArrayList<>();
            Set<String> pendingNow = new HashSet<>();
            Set<String> toldNow = new HashSet<>();
            for (Decision d : ev.decisions()) {
                String id = d.rule() + "|" + d.session().key().printable();
                switch (d.verdict()) {
                    case ACT -> due.add(d);
                    case PENDING -> {
                        // only rules that act keep deadlines; reports and dry runs are told at polls
                        if (scheduleDeadlines && acting(policy.get(), d.rule())) {
                            pendingNow.add(id);
                            schedule(id, d);
                        }
                    }
                    default -> {
                        toldNow.add(id + "|" + d.verdict());
                        if (told.add(id + "|" + d.verdict())) {
                            listener.decided(d);
                        }
                    }
                }
            }
            told.retainAll(toldNow);
            for (String id : List.copyOf(deadlines.keySet())) {
                if (!pendingNow.contains(id)) {
                    Deadline old = deadlines.remove(id);
                    if (old != null) {
                        old.future.cancel(false);
                    }
                }
            }
            return due;
        }

        private void schedule(String id, Decision d) {
            Deadline existing = deadlines.get(id);
            if (existing != null && existing.crossesAt.equals(d.crossesAt())) {
                return;
            }
            if (existing != null) {
                existing.future.cancel(false);
            }
            long delay = Math.max(0, localNanos(d.crossesAt()) - System.nanoTime());
            try {
                ScheduledFuture<?> f = scheduler.schedule(() -> fireLater(id, d), delay, TimeUnit.NANOSECONDS);
                deadlines.put(id, new Deadline(d.crossesAt(), f));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
        }

        private void fireLater(String id, Decision d) {
            try {
                actionPool.execute(() -> fire(id, d, 0));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
        }

        /**
         * At the crossing: the kill path itself is the cheap re-check. It reads only the victim and
         * its waiters ({@link TargetConnection#snapshot(java.util.Collection)}), re-checks identity and
         * every guard, and re-evaluates the rule on that same read ({@link RuleGuard}); only then
         * does it act. One read, not two: engines whose reads are throttled (InnoDB refreshes its
         * transaction tables at most every 100 ms) would otherwise pay twice.
         */
        private void fire(String id, Decision planned, int attempt) {
            deadlines.remove(id);
            if (closed.get() || connection == null) {
                return;
            }
            Policy p = policy.get();
            Optional<Rule> rule = p.rules().stream().filter(r -> r.name().equals(planned.rule())).findFirst();
            if (rule.isEmpty()) {
                return;
            }
            long t0 = System.nanoTime();
            Attempt a = act(p, planned, WatchGuards.forTarget(p, spec.protection()));
            if (a == null) {
                return;
            }
            if (a.notYetCrossedUntil() != null && attempt < 5) {
                // fired a little early (clock mapping): wait the remainder on the fresh clock
                long delay = Math.max(0, localNanos(a.notYetCrossedUntil()) - System.nanoTime()) + 200_000;
                try {
                    ScheduledFuture<?> f = scheduler.schedule(() -> actionPool.execute(() -> fire(id, planned, attempt + 1)),
                            delay, TimeUnit.NANOSECONDS);
                    deadlines.put(id, new Deadline(planned.crossesAt(), f));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // shutting down
                }
                return;
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("event=deadline-fired target={} rule={} key={} lateMs={} actMs={} outcome={}", spec.name(),
                        planned.rule(), planned.session().key().printable(),
                        String.format(java.util.Locale.ROOT, "%.2f", (t0 - localNanos(planned.crossesAt())) / 1e6),
                        String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - t0) / 1e6),
                        a.result() == null ? "not-acted" : a.result().outcome().label());
            }
        }

        /** What came of one attempt: the result, or (when the rule had not yet held) when it will. */
        private record Attempt(KillResult result, Instant notYetCrossedUntil) {
        }

        /**
         * Acts on one ACT (or due PENDING) decision through the kill path. Called without the
         * target's lock: the kill path uses the connection through a {@link GuardedConnection}, one
         * call at a time, so a poll or another action on this target can run between the kill and the
         * reads of its verification. Returns null when nothing was attempted (a duplicate, or the
         * rule's limit).
         */
        private Attempt act(Policy p, Decision d, GuardChain guards) {
            if (!acting(p, d.rule())) {
                return null; // a report-only or dry-run rule never reaches the kill path
            }
            SessionKey key = d.session().key();
            long now = System.nanoTime();
            boolean[] first = {false};
            actedAt.compute(key, (k, last) -> {
                if (last == null || now - last > TimeUnit.SECONDS.toNanos(5)) {
                    first[0] = true;
                    return now;
                }
                return last;
            });
            if (!first[0]) {
                return null; // acted on it a moment ago (poll and deadline raced); the kill path verified it
            }
            Optional<Rule> found = p.rules().stream().filter(r -> r.name().equals(d.rule())).findFirst();
            if (found.isEmpty()) {
                actedAt.remove(key);
                return null;
            }
            Rule rule = found.get();
            Instant slot = clock.instant();
            if (!state.tryAcquire(rule, slot)) {
                actedAt.remove(key);
                Decision limited = d.withVerdict(Decision.Verdict.RATE_LIMITED, d.reason() + "; limit of "
                        + rule.limit().actions() + " action(s) per " + dev.sessionctl.model.Durations.format(rule.limit().per())
                        + " reached");
                if (told.add(d.rule() + "|" + key.printable() + "|rate-limited")) {
                    listener.decided(limited);
                }
                return null;
            }
            actedAt.entrySet().removeIf(e -> now - e.getValue() > TimeUnit.MINUTES.toNanos(10));
            RuleGuard ruleGuard = new RuleGuard(rule);
            GuardChain chain = guards.with(ruleGuard);
            // the kill path reads only the victim and the sessions it holds (one cheap query on engines
            // that can), except for rules that must compare it with every other match
            Set<SessionRef> scope = new LinkedHashSet<>();
            scope.add(key.ref());
            scope.addAll(d.waiters());
            boolean needsAll = rule.victims() == Victims.OLDEST || rule.victims() == Victims.ALL_BUT_OLDEST;
            TargetConnection guarded = new GuardedConnection(this, needsAll ? null : scope);
            SessionKiller killer = new SessionKiller(guarded, chain, audit);
            String reason = "watch rule '" + rule.name() + "': " + d.reason();
            // the engine is not asked to wait for the session to go (PostgreSQL's terminate-with-wait
            // checks only every 100 ms, holding the connection): the verifier polls for it instead,
            // releasing the connection between its reads
            KillRequest request = new KillRequest(rule.action() == WatchAction.CANCEL ? KillAction.CANCEL
                    : KillAction.TERMINATE, false, Duration.ZERO, true, p.actionTimeout(), reason);
            KillResult result;
            actionsInFlight.incrementAndGet();
            try {
                result = rule.action() == WatchAction.ESCALATE ? escalation.escalate(guarded, chain, audit, key, request)
                        : killer.killOne(key, request);
            } catch (RuntimeException e) {
                result = KillResult.of(key, request.action(), KillOutcome.FAILED, null, e.getMessage());
            } finally {
                actionsInFlight.decrementAndGet();
            }
            if (result.outcome() == KillOutcome.REFUSED_BY_GUARD && ruleGuard.name().equals(result.guard())) {
                // the fresh read says the rule does not (yet) hold: not an action, nothing was sent
                state.giveBack(rule, slot);
                actedAt.remove(key);
                LOG.debug("event=not-acted target={} rule={} key={} msg=\"{}\"", spec.name(), rule.name(),
                        key.printable(), WatchLog.quote(result.message()));
                return new Attempt(null, ruleGuard.notYetCrossedUntil);
            }
            Duration delay = Duration.between(d.crossesAt(), serverNow());
            listener.acted(d, result, delay.isNegative() ? Duration.ZERO : delay);
            return new Attempt(result, null);
        }

        boolean deadlineWithin(long nanos) {
            if (deadlines.isEmpty() || serverRef == null) {
                return false;
            }
            long now = System.nanoTime();
            for (Deadline d : deadlines.values()) {
                long at = localNanos(d.crossesAt());
                if (at - now <= nanos && at - now > -nanos) {
                    return true;
                }
            }
            return false;
        }

        void cancelDeadlines() {
            for (Deadline dl : deadlines.values()) {
                dl.future.cancel(false);
            }
            deadlines.clear();
        }

        void stop() {
            if (ticks != null) {
                ticks.cancel(false);
            }
            cancelDeadlines();
            lock.lock();
            try {
                closeConnection();
            } finally {
                lock.unlock();
            }
        }

        private void closeConnection() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (RuntimeException ignored) {
                    // closing a broken connection: nothing to add
                }
                connection = null;
            }
        }
    }

    private record Deadline(Instant crossesAt, ScheduledFuture<?> future) {
    }

    /** A target's connection as the kill path sees it: every call under the target's lock, for that call only. */
    private static final class GuardedConnection implements TargetConnection {
        private final Worker worker;
        private final java.util.Collection<SessionRef> scope;
        /** Reads before the statement is sent are urgent; after it, they only verify. */
        private volatile boolean sent;

        /** @param scope when set, a full read is narrowed to these sessions (the victim and its waiters) */
        GuardedConnection(Worker worker, java.util.Collection<SessionRef> scope) {
            this.worker = worker;
            this.scope = scope == null ? null : List.copyOf(scope);
        }

        @Override
        public dev.sessionctl.target.TargetInfo info() {
            return worker.withConnection(TargetConnection::info);
        }

        @Override
        public Snapshot snapshot() {
            return worker.withConnection(c -> {
                long t0 = System.nanoTime();
                Snapshot s = scope == null ? c.snapshot() : c.snapshot(scope);
                worker.calibrate(s, t0, System.nanoTime());
                return s;
            }, !sent);
        }

        @Override
        public Snapshot snapshot(java.util.Collection<SessionRef> only) {
            return worker.withConnection(c -> c.snapshot(only));
        }

        @Override
        public Set<SessionRef> lockHolders(String table) {
            return worker.withConnection(c -> c.lockHolders(table));
        }

        @Override
        public List<dev.sessionctl.model.OrphanTransaction> orphanTransactions() {
            return worker.withConnection(TargetConnection::orphanTransactions);
        }

        @Override
        public String selfServiceSetup(String procedureName) {
            return worker.withConnection(c -> c.selfServiceSetup(procedureName));
        }

        @Override
        public List<KillAction> supportedActions() {
            return worker.withConnection(TargetConnection::supportedActions, !sent);
        }

        @Override
        public String statementFor(KillAction action, Session victim) {
            return worker.withConnection(c -> c.statementFor(action, victim), !sent);
        }

        @Override
        public String statementFor(KillAction action, Session victim, Duration timeout) {
            return worker.withConnection(c -> c.statementFor(action, victim, timeout));
        }

        @Override
        public KillResult execute(KillAction action, Session victim, Duration timeout) {
            KillResult r = worker.withConnection(c -> c.execute(action, victim, timeout), !sent);
            sent = true;
            return r;
        }

        @Override
        public dev.sessionctl.target.DoctorReport doctor() {
            return worker.withConnection(TargetConnection::doctor);
        }

        @Override
        public Map<String, String> capabilities() {
            return worker.withConnection(TargetConnection::capabilities);
        }

        @Override
        public void close() {
            // the worker owns the connection
        }
    }

    /**
     * The rule itself, re-evaluated on the kill path's own fresh read (the one it resolves the key
     * and runs every guard on): a session that stopped matching between the decision and the kill is
     * refused, and one that has not yet held the rule for its full threshold (a deadline fired a
     * little early) is refused with the moment it will.
     */
    static final class RuleGuard implements Guard {
        private final Rule rule;
        volatile Instant notYetCrossedUntil;

        RuleGuard(Rule rule) {
            this.rule = rule;
        }

        @Override
        public String name() {
            return "watch-rule-" + rule.name();
        }

        @Override
        public Optional<String> refuse(Session session, Snapshot snapshot) {
            Optional<Evaluator.Assessment> a = Evaluator.assess(rule, session, new Evaluator.Context(snapshot));
            if (a.isEmpty()) {
                return Optional.of("no longer matches rule '" + rule.name() + "' at the moment of the action");
            }
            if (a.get().crossesAt().isAfter(snapshot.serverTime())) {
                notYetCrossedUntil = a.get().crossesAt();
                return Optional.of("has not yet held rule '" + rule.name() + "' for its full threshold");
            }
            if (a.get().waitsOn() != null) {
                return Optional.of("now waits on " + a.get().waitsOn() + "; its root blocker is the cause");
            }
            if (rule.maxTransactionSize() != null && session.transactionSize() != null
                    && session.transactionSize() > rule.maxTransactionSize()) {
                return Optional.of("transaction size " + session.transactionSize() + " now exceeds maxTransactionSize "
                        + rule.maxTransactionSize());
            }
            return Optional.empty();
        }
    }

    /** Whether this rule of this policy may end sessions: it exists, acts, and neither it nor the policy is a dry run. */
    static boolean acting(Policy p, String ruleName) {
        if (p.dryRun()) {
            return false;
        }
        return p.rules().stream().anyMatch(r -> r.name().equals(ruleName) && r.action().acts() && !r.dryRun());
    }

    /** Names of the watched targets (for tests and metrics). */
    public List<String> targetNames() {
        return new ArrayList<>(workers.keySet());
    }

    Map<String, Integer> pendingDeadlines() {
        Map<String, Integer> m = new HashMap<>();
        workers.forEach((k, w) -> m.put(k, w.deadlines.size()));
        return m;
    }
}
