package dev.sessionctl.watch;

import static dev.sessionctl.watch.Sessions.idleInTx;
import static dev.sessionctl.watch.Sessions.waiter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The daemon's scheduling, fleet and failure behaviour on in-memory targets (FakeTarget): the
 * clock, slowness and outages of a real server cannot be driven from a test. Waits are bounded
 * and only guard against hangs; assertions are about order and counts, not durations.
 */
class WatchdogTest {

    private static Policy policy(String yaml) {
        return PolicyFile.parse(Path.of("p.yaml"), yaml, Map.<String, String>of()::get);
    }

    private static final String KILL_IDLE_BLOCKERS = """
            interval: %s
            rules:
              - name: idle-blockers
                when: {idleInTransaction: 1s, waiters: 1}
                victims: root-blocker
                action: kill
            """;

    private static TargetSpec spec(String name) {
        return new TargetSpec(name, "fake:" + name, "watch", null, null, ProtectionPolicy.none());
    }

    /** Counts what the watchdog tells its listeners. */
    static final class Recorder implements WatchListener {
        final List<String> polls = new CopyOnWriteArrayList<>();
        final List<KillResult> actions = new CopyOnWriteArrayList<>();
        final List<Duration> delays = new CopyOnWriteArrayList<>();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger connects = new AtomicInteger();
        final List<Decision> decided = new CopyOnWriteArrayList<>();

        @Override
        public void polled(String target, Snapshot snapshot, Evaluation evaluation, Duration pollTime) {
            polls.add(target);
        }

        @Override
        public void pollFailed(String target, TargetException error, Duration retryIn) {
            failures.incrementAndGet();
        }

        @Override
        public void connected(String target) {
            connects.incrementAndGet();
        }

        @Override
        public void decided(Decision decision) {
            decided.add(decision);
        }

        @Override
        public void acted(Decision decision, KillResult result, Duration reactionDelay) {
            actions.add(result);
            delays.add(reactionDelay);
        }

        long polls(String target) {
            return polls.stream().filter(target::equals).count();
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 20 s");
            }
            Thread.sleep(10);
        }
    }

    private static Watchdog dog(Policy p, List<TargetSpec> targets, Function<TargetSpec, TargetConnection> connector,
                                Recorder rec, Watchdog.Options options) {
        return new Watchdog(p, targets, connector, null, rec, null, options, null);
    }

    @Test
    void actsAtTheThresholdCrossingNotAtTheNextPollAndNeverBefore() throws Exception {
        // the first poll comes at a random phase within the first second: it sees the blocker before it crosses
        Instant since = Instant.now();
        FakeTarget t = new FakeTarget("db1", List.of(idleInTx("db1", 10, since), waiter("db1", 11, since, 10)));
        Recorder rec = new Recorder();
        try (Watchdog w = dog(policy(KILL_IDLE_BLOCKERS.formatted("1h").replace("idleInTransaction: 1s",
                "idleInTransaction: 2s")), List.of(spec("db1")), s -> t, rec, Watchdog.Options.defaults())) {
            w.start();
            await(() -> !t.kills.isEmpty());
            assertThat(rec.polls("db1")).as("only the first poll had happened: the deadline fired the kill").isEqualTo(1);
        }
        FakeTarget.Kill k = t.kills.get(0);
        assertThat(k.victim().sessionId()).isEqualTo(10);
        assertThat(k.at()).as("never before the full threshold (server clock)").isAfterOrEqualTo(since.plusSeconds(2));
        assertThat(t.partialSnapshots).as("cheap re-check of the victim and its waiters at the deadline").isGreaterThanOrEqualTo(1);
        assertThat(rec.actions).extracting(KillResult::outcome).containsExactly(KillOutcome.TERMINATED);
        assertThat(t.closed).as("closed on shutdown").isTrue();
    }

    @Test
    void withoutDeadlineSchedulingItActsOnlyAtAPoll() throws Exception {
        Instant since = Instant.now().minusMillis(600);
        FakeTarget t = new FakeTarget("db1", List.of(idleInTx("db1", 10, since), waiter("db1", 11, since, 10)));
        Recorder rec = new Recorder();
        Policy p = policy(KILL_IDLE_BLOCKERS.formatted("200ms")).withDeadlineScheduling(false);
        try (Watchdog w = dog(p, List.of(spec("db1")), s -> t, rec, Watchdog.Options.defaults())) {
            w.start();
            await(() -> !t.kills.isEmpty());
        }
        assertThat(rec.polls("db1")).as("acted at a later poll, not at a deadline").isGreaterThan(1);
        assertThat(t.kills.get(0).at()).isAfterOrEqualTo(since.plusSeconds(1));
    }

    @Test
    void reportAndDryRunRulesNeverReachTheKillPathAtADeadline() throws Exception {
        Instant since = Instant.now();
        FakeTarget t = new FakeTarget("db1", List.of(idleInTx("db1", 10, since), waiter("db1", 11, since, 10)));
        Recorder rec = new Recorder();
        String yaml = KILL_IDLE_BLOCKERS.formatted("300ms").replace("idleInTransaction: 1s", "idleInTransaction: 500ms");
        Policy report = policy(yaml.replace("action: kill", "action: report"));
        Policy ruleDry = policy(yaml.replace("action: kill", "action: kill\n    dryRun: true"));
        Policy globalDry = policy(yaml).withDryRun(true);
        for (Policy p : List.of(report, ruleDry, globalDry)) {
            try (Watchdog w = dog(p, List.of(spec("db1")), s -> t, rec, Watchdog.Options.defaults())) {
                w.start();
                Thread.sleep(1500); // past the crossing and several polls
            }
        }
        assertThat(t.kills).isEmpty();
        assertThat(rec.actions).isEmpty();
        assertThat(rec.decided).extracting(Decision::verdict).contains(Decision.Verdict.REPORT, Decision.Verdict.DRY_RUN);
    }

    @Test
    void aSessionThatStopsMatchingBeforeItsDeadlineIsLeftAlone() throws Exception {
        Instant since = Instant.now();
        FakeTarget t = new FakeTarget("db1", List.of(idleInTx("db1", 10, since), waiter("db1", 11, since, 10)));
        Recorder rec = new Recorder();
        try (Watchdog w = dog(policy(KILL_IDLE_BLOCKERS.formatted("1h").replace("idleInTransaction: 1s",
                "idleInTransaction: 2s")), List.of(spec("db1")), s -> t, rec, Watchdog.Options.defaults())) {
            w.start();
            await(() -> rec.polls("db1") == 1);
            // the application committed: the blocker is idle (no transaction) and the waiter moved on
            t.sessions.clear();
            t.sessions.add(Sessions.session("db1", 10, dev.sessionctl.model.SessionState.IDLE, Instant.now()).build());
            await(() -> t.partialSnapshots >= 1);
            Thread.sleep(200);
        }
        assertThat(t.kills).isEmpty();
    }

    @Test
    void aTargetThatGoesDownAndComesBackIsWatchedAgain() throws Exception {
        Instant since = Instant.now().minusSeconds(5);
        FakeTarget t = new FakeTarget("db1", List.of());
        AtomicInteger attempts = new AtomicInteger();
        Function<TargetSpec, TargetConnection> connector = s -> {
            attempts.incrementAndGet();
            if (t.down || attempts.get() <= 2) {
                throw new TargetException(TargetException.Kind.UNREACHABLE, "connecting to db1 failed: refused [SQLSTATE 08001]");
            }
            return t;
        };
        Recorder rec = new Recorder();
        Watchdog.Options opts = Watchdog.Options.defaults().withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
        try (Watchdog w = dog(policy(KILL_IDLE_BLOCKERS.formatted("50ms")), List.of(spec("db1")), connector, rec, opts)) {
            w.start();
            await(() -> rec.connects.get() == 1);
            assertThat(rec.failures.get()).isGreaterThanOrEqualTo(2);
            t.sessions.addAll(List.of(idleInTx("db1", 10, since), waiter("db1", 11, since, 10)));
            await(() -> t.kills.size() == 1);
            // the server goes away mid-run...
            t.down = true;
            int before = rec.failures.get();
            await(() -> rec.failures.get() >= before + 3);
            t.sessions.addAll(List.of(idleInTx("db1", 20, since), waiter("db1", 21, since, 20)));
            // ...and comes back
            t.down = false;
            await(() -> t.kills.size() == 2);
        }
        assertThat(rec.connects.get()).isEqualTo(2);
        assertThat(t.kills).extracting(k -> k.victim().sessionId()).containsExactly(10L, 20L);
    }

    @Test
    void aSlowTargetDoesNotDelayTheOthers() throws Exception {
        Instant since = Instant.now().minusSeconds(5);
        FakeTarget slow = new FakeTarget("slow", List.of(Sessions.session("slow", 10, dev.sessionctl.model.SessionState.IDLE,
                since).build()));
        slow.snapshotDelay = Duration.ofSeconds(3);
        FakeTarget fast = new FakeTarget("fast", List.of(idleInTx("fast", 10, since), waiter("fast", 11, since, 10)));
        Map<String, FakeTarget> byName = Map.of("slow", slow, "fast", fast);
        Recorder rec = new Recorder();
        try (Watchdog w = dog(policy(KILL_IDLE_BLOCKERS.formatted("100ms")), List.of(spec("slow"), spec("fast")),
                s -> byName.get(s.name()), rec, Watchdog.Options.defaults().withPollWorkers(2))) {
            w.start();
            await(() -> slow.snapshots == 1);
            long before = rec.polls("fast");
            await(() -> !fast.kills.isEmpty() && rec.polls("fast") >= before + 3);
            assertThat(slow.completedSnapshots).as("the slow target's first poll is still running").isZero();
            assertThat(slow.snapshots).as("ticks for a target with a poll in flight are skipped, not queued").isEqualTo(1);
        }
    }

    @Test
    void aFleetOfThreeHundredTargetsWithBoundedConcurrency() throws Exception {
        Instant since = Instant.now().minusSeconds(5);
        java.util.concurrent.atomic.AtomicInteger concurrent = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger max = new java.util.concurrent.atomic.AtomicInteger();
        Map<String, FakeTarget> byName = new java.util.concurrent.ConcurrentHashMap<>();
        List<TargetSpec> specs = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String name = "db" + i;
            FakeTarget f = new FakeTarget(name, List.of(idleInTx(name, 10, since), waiter(name, 11, since, 10)));
            f.snapshotDelay = Duration.ofMillis(5);
            f.concurrent = concurrent;
            f.maxConcurrent = max;
            byName.put(name, f);
            specs.add(spec(name));
        }
        Recorder rec = new Recorder();
        try (Watchdog w = dog(policy(KILL_IDLE_BLOCKERS.formatted("500ms")), specs, s -> byName.get(s.name()), rec,
                Watchdog.Options.defaults().withPollWorkers(8))) {
            w.start();
            await(() -> byName.values().stream().allMatch(f -> f.kills.size() == 1));
        }
        assertThat(max.get()).as("full reads at once never exceed the poll workers").isLessThanOrEqualTo(8);
        assertThat(byName.values()).allMatch(f -> f.kills.get(0).victim().sessionId() == 10 && f.closed);
    }

    @Test
    void reloadSwapsThePolicyAndTheTargets() throws Exception {
        Instant since = Instant.now().minusSeconds(5);
        FakeTarget a = new FakeTarget("a", List.of(idleInTx("a", 10, since), waiter("a", 11, since, 10)));
        FakeTarget b = new FakeTarget("b", List.of(idleInTx("b", 10, since), waiter("b", 11, since, 10)));
        Map<String, FakeTarget> byName = Map.of("a", a, "b", b);
        Recorder rec = new Recorder();
        Policy reportOnly = policy(KILL_IDLE_BLOCKERS.formatted("50ms").replace("action: kill", "action: report"));
        try (Watchdog w = dog(reportOnly, List.of(spec("a")), s -> byName.get(s.name()), rec, Watchdog.Options.defaults())) {
            w.start();
            await(() -> rec.decided.stream().anyMatch(d -> d.verdict() == Decision.Verdict.REPORT));
            assertThat(a.kills).isEmpty();
            w.reload(policy(KILL_IDLE_BLOCKERS.formatted("50ms")), List.of(spec("a"), spec("b")));
            await(() -> a.kills.size() == 1 && b.kills.size() == 1);
            assertThat(w.targetNames()).containsExactlyInAnyOrder("a", "b");
            w.reload(policy(KILL_IDLE_BLOCKERS.formatted("50ms")), List.of(spec("b")));
            assertThat(a.closed).as("a removed target is closed").isTrue();
        }
        assertThat(rec.decided.stream().filter(d -> d.verdict() == Decision.Verdict.REPORT).count())
                .as("a report is told once per session, not at every poll").isEqualTo(1);
    }

    @Test
    void theRuleLimitHoldsAcrossTheFleet() throws Exception {
        Instant since = Instant.now().minusSeconds(5);
        List<TargetSpec> specs = List.of(spec("a"), spec("b"), spec("c"));
        Map<String, FakeTarget> byName = new java.util.HashMap<>();
        for (TargetSpec s : specs) {
            byName.put(s.name(), new FakeTarget(s.name(), List.of(idleInTx(s.name(), 10, since), waiter(s.name(), 11, since, 10))));
        }
        Recorder rec = new Recorder();
        Policy p = policy(KILL_IDLE_BLOCKERS.formatted("50ms").replace("action: kill", "action: kill\n    limit: {actions: 2, per: 1h}"));
        try (Watchdog w = dog(p, specs, s -> byName.get(s.name()), rec, Watchdog.Options.defaults())) {
            w.start();
            await(() -> rec.decided.stream().anyMatch(d -> d.verdict() == Decision.Verdict.RATE_LIMITED));
            await(() -> byName.values().stream().mapToInt(f -> f.kills.size()).sum() == 2);
            Thread.sleep(300);
        }
        assertThat(byName.values().stream().mapToInt(f -> f.kills.size()).sum()).isEqualTo(2);
    }

    @Test
    void runOnceReportsUnreachableTargetsAndEvaluatesTheOthers() {
        Instant since = Instant.now().minusSeconds(5);
        FakeTarget up = new FakeTarget("up", List.of(idleInTx("up", 10, since), waiter("up", 11, since, 10)));
        Function<TargetSpec, TargetConnection> connector = s -> {
            if (s.name().equals("down")) {
                throw new TargetException(TargetException.Kind.UNREACHABLE, "connecting to down failed [SQLSTATE 08001]");
            }
            return up;
        };
        Watchdog.OnceResult r;
        try (Watchdog w = dog(policy(KILL_IDLE_BLOCKERS.formatted("1s")).withDryRun(true), List.of(spec("down"), spec("up")),
                connector, new Recorder(), Watchdog.Options.defaults())) {
            r = w.runOnce();
        }
        assertThat(r.errors()).containsOnlyKeys("down");
        assertThat(r.errors().get("down")).contains("SQLSTATE 08001");
        assertThat(r.evaluations()).hasSize(1);
        assertThat(r.evaluations().get(0).with(Decision.Verdict.DRY_RUN)).hasSize(1);
        assertThat(up.kills).as("dry run").isEmpty();
    }
}
