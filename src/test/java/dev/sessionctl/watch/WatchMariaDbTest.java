package dev.sessionctl.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedMariaDbServer;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watchdog end to end on a real embedded MariaDB (InnoDB row-lock waits, processlist TIME_MS clock). */
class WatchMariaDbTest {

    static EmbeddedMariaDbServer db;
    BlockingWorkload workload;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        db = EmbeddedMariaDbServer.start();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @AfterEach
    void cleanUp() {
        if (workload != null) {
            workload.close();
        }
    }

    @Test
    void anIdleBlockerIsKilledAtItsDeadlineAndItsWaitersGoOn() throws Exception {
        workload = BlockingWorkload.start(db.jdbcUrl(), db.user(), db.password(), "watch_e2e", 3, false,
                Duration.ofSeconds(60));
        List<KillResult> results = new CopyOnWriteArrayList<>();
        AtomicInteger polls = new AtomicInteger();
        WatchListener l = new WatchListener() {
            @Override
            public void acted(Decision d, KillResult r, Duration delay) {
                results.add(r);
            }

            @Override
            public void polled(String target, Snapshot s, Evaluation e, Duration t) {
                polls.incrementAndGet();
            }
        };
        Policy policy = WatchPostgresTest.policy("1h", "2s");
        TargetSpec spec = new TargetSpec("maria", db.jdbcUrl(), db.user(), db.password(), Map.of(), ProtectionPolicy.none());
        WatchPostgresTest.awaitWaiting(spec, 3);
        try (Watchdog dog = new Watchdog(policy, List.of(spec), DialectRegistry.load()::connect, null, l, null,
                Watchdog.Options.defaults(), null)) {
            dog.start();
            assertThat(workload.awaitWaitersFinished(Duration.ofSeconds(30))).as(workload.failures().toString()).isTrue();
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (results.isEmpty() && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertThat(polls.get()).as("killed at its deadline, before any second poll").isEqualTo(1);
        }
        assertThat(results).hasSize(1);
        assertThat(results.get(0).key().sessionId()).isEqualTo(workload.blockerSessionId());
        assertThat(results.get(0).outcome()).isEqualTo(KillOutcome.TERMINATED);
    }

    @Test
    void onceDryRunShowsTheRootAndSparesTheWaiters() throws Exception {
        workload = BlockingWorkload.start(db.jdbcUrl(), db.user(), db.password(), "watch_once", 2, false,
                Duration.ofSeconds(60));
        Path policy = dir.resolve("p.yaml");
        Files.writeString(policy, """
                rules:
                  - name: idle-blockers
                    match: {states: [idle-in-transaction]}
                    when: {idleInTransaction: 1ms, waiters: 1}
                    action: kill
                  - name: runaway
                    when: {busy: 1ms}
                    victims: all
                    action: cancel
                """);
        String prefix = "  dry-run      kill     rule=idle-blockers key=" + workload.blockerSessionId() + ",";
        String out = "";
        for (int i = 0; i < 50 && !out.contains(prefix); i++) {
            Thread.sleep(100);
            out = WatchPostgresTest.cli("watch", "--policy", policy.toString(), "--once", "--dry-run", "--url",
                    db.jdbcUrl(), "-U", db.user());
        }
        assertThat(out).contains(prefix).contains("root blocker of 2 session(s)");
        for (long waiter : workload.waiterSessionIds()) {
            assertThat(out).contains("spared       cancel   rule=runaway key=" + waiter + ",");
        }
        assertThat(workload.finishedCount()).isZero();
    }
}
