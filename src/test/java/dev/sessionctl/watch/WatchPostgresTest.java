package dev.sessionctl.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.cli.Main;
import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watchdog end to end on a real embedded PostgreSQL: real blockers, real waiters, real kills. */
class WatchPostgresTest {

    static EmbeddedPostgresServer pg;
    BlockingWorkload workload;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        pg = EmbeddedPostgresServer.start();
    }

    @AfterAll
    static void stop() {
        pg.close();
    }

    @AfterEach
    void cleanUp() {
        if (workload != null) {
            workload.close();
        }
    }

    private static final String POLICY = """
            interval: %s
            rules:
              - name: idle-blockers
                match: {states: [idle-in-transaction]}
                when: {idleInTransaction: %s, waiters: 1}
                victims: root-blocker
                action: kill
            """;

    static Policy policy(String interval, String threshold) {
        return PolicyFile.parse(Path.of("p.yaml"), POLICY.formatted(interval, threshold), Map.<String, String>of()::get);
    }

    static TargetSpec spec(String url) {
        return new TargetSpec("pg", url, pg.superuser(), pg.password(), Map.of(), ProtectionPolicy.none());
    }

    static final class Actions implements WatchListener {
        final List<KillResult> results = new CopyOnWriteArrayList<>();
        final List<Duration> delays = new CopyOnWriteArrayList<>();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger connects = new AtomicInteger();
        final AtomicInteger polls = new AtomicInteger();

        @Override
        public void acted(Decision d, KillResult r, Duration delay) {
            results.add(r);
            delays.add(delay);
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
        public void polled(String target, Snapshot snapshot, Evaluation evaluation, Duration pollTime) {
            polls.incrementAndGet();
        }
    }

    /**
     * The workload returns once its statements are sent; the server shows the lock waits a moment
     * later. A test whose single poll must see them waits for that first.
     */
    static void awaitWaiting(TargetSpec target, int waiting) throws InterruptedException {
        try (var probe = DialectRegistry.load().connect(target)) {
            long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (probe.snapshot().sessions().stream().filter(s -> s.isWaitingOnSession()).count() < waiting
                    && System.nanoTime() < until) {
                Thread.sleep(150); // InnoDB refreshes its lock tables only when unread for 100 ms
            }
        }
        Thread.sleep(150);
    }

    private static void await(BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not reached within 30 s");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void anIdleBlockerIsKilledAtItsDeadlineAndItsWaitersGoOn() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "watch_e2e", 3, false,
                Duration.ofSeconds(60));
        long blocker = workload.blockerSessionId();
        Actions actions = new Actions();
        awaitWaiting(spec(pg.jdbcUrl()), 3);
        // a one-hour poll interval: only the deadline scheduled at the first poll can end it this soon
        try (Watchdog dog = new Watchdog(policy("1h", "2s"), List.of(spec(pg.jdbcUrl())), DialectRegistry.load()::connect,
                null, actions, null, Watchdog.Options.defaults(), null)) {
            dog.start();
            assertThat(workload.awaitWaitersFinished(Duration.ofSeconds(30))).as(workload.failures().toString()).isTrue();
            await(() -> !actions.results.isEmpty());
            assertThat(actions.polls.get()).isEqualTo(1);
        }
        KillResult r = actions.results.get(0);
        assertThat(r.key().sessionId()).isEqualTo(blocker);
        assertThat(r.outcome()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(r.checks()).anyMatch(c -> c.name().equals("waiters-released") && c.passed());
        assertThat(actions.results).hasSize(1);
        assertThat(workload.failures()).isEmpty();
    }

    @Test
    void onceDryRunPrintsTheDecisionAndEndsNothingAndTheSavedSnapshotGivesTheSameDecision() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "watch_once", 2, false,
                Duration.ofSeconds(60));
        Path policy = dir.resolve("p.yaml");
        Files.writeString(policy, POLICY.formatted("1s", "1ms"));
        Path saved = dir.resolve("snap.json");
        String prefix = "  dry-run      kill     rule=idle-blockers key=" + workload.blockerSessionId() + ",";
        String out = "";
        for (int i = 0; i < 50 && !out.contains(prefix); i++) {
            Thread.sleep(100); // until the server shows the waits
            out = cli("watch", "--policy", policy.toString(), "--once", "--dry-run", "--url", pg.jdbcUrl(),
                    "-U", pg.superuser(), "--save-snapshot", saved.toString());
        }
        assertThat(out).contains(prefix).contains("root blocker of 2 session(s)").contains("dry run: would kill");
        assertThat(workload.finishedCount()).isZero();
        String offline = cli("watch", "--policy", policy.toString(), "--snapshot", saved.toString());
        assertThat(offline).contains(prefix);
    }

    @Test
    void escalateRunsTheTerminationEnginesLadderAndIsAudited() throws Exception {
        workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "watch_escalate", 2, false,
                Duration.ofSeconds(60));
        Path policy = dir.resolve("escalate.yaml");
        Files.writeString(policy, POLICY.formatted("1s", "1ms").replace("action: kill", "action: escalate"));
        Path audit = dir.resolve("audit.jsonl");
        String out = "";
        for (int i = 0; i < 50 && !out.contains("act          escalate"); i++) {
            Thread.sleep(100); // until the server shows the waits
            out = cli("watch", "--policy", policy.toString(), "--once", "--url", pg.jdbcUrl(), "-U", pg.superuser(),
                    "--audit-file", audit.toString());
        }
        assertThat(out).contains("act          escalate rule=idle-blockers key=" + workload.blockerSessionId() + ",")
                .contains("terminated").contains("escalation done");
        assertThat(workload.awaitWaitersFinished(Duration.ofSeconds(30))).isTrue();
        assertThat(Files.readString(audit)).contains("watch rule 'idle-blockers'").contains("\"phase\":\"intent\"");
    }

    @Test
    void aTargetThatGoesDownAndComesBackMidRunIsWatchedAgain() throws Exception {
        Actions actions = new Actions();
        try (TcpProxy proxy = new TcpProxy(pg.port())) {
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?connectTimeout=2&socketTimeout=10";
            Watchdog.Options opts = Watchdog.Options.defaults().withBackoff(Duration.ofMillis(50), Duration.ofMillis(400));
            try (Watchdog dog = new Watchdog(policy("100ms", "500ms"), List.of(spec(url)), DialectRegistry.load()::connect,
                    null, actions, null, opts, null)) {
                dog.start();
                await(() -> actions.polls.get() >= 2);
                proxy.down();
                int before = actions.failures.get();
                await(() -> actions.failures.get() >= before + 3);
                proxy.up();
                workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "watch_down", 2, false,
                        Duration.ofSeconds(60));
                assertThat(workload.awaitWaitersFinished(Duration.ofSeconds(30))).as(workload.failures().toString()).isTrue();
                await(() -> !actions.results.isEmpty());
            }
        }
        assertThat(actions.connects.get()).isGreaterThanOrEqualTo(2);
        assertThat(actions.results.get(0).key().sessionId()).isEqualTo(workload.blockerSessionId());
        assertThat(actions.results.get(0).outcome()).isEqualTo(KillOutcome.TERMINATED);
    }

    @Test
    void theWatchdogsOwnQueriesCarryStatementAndLockTimeouts() throws Exception {
        try (TargetConnection c = DialectRegistry.load().connect(spec(pg.jdbcUrl()))) {
            Snapshot s = c.snapshot();
            assertThat(s.ownSessions()).isNotEmpty();
            assertThat(s.find(s.ownSessions().iterator().next()).orElseThrow().program()).isEqualTo("sessionctl");
        }
        // the dialect sets them at connect (PostgresTarget: statement_timeout 5 s, lock_timeout 1 s by default):
        // read them back through a connection opened the same way
        try (java.sql.Connection raw = java.sql.DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password())) {
            TargetConnection c = new dev.sessionctl.dialect.postgresql.PostgresDialect().open(raw, spec(pg.jdbcUrl()));
            try (var st = raw.createStatement(); var rs = st.executeQuery(
                    "select current_setting('statement_timeout'), current_setting('lock_timeout')")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("5s");
                assertThat(rs.getString(2)).isEqualTo("1s");
            }
            c.close();
        }
    }

    /**
     * The daemon as users run it, in its own JVM: SIGHUP reloads a valid policy, keeps the old one
     * when the new file is bad, and SIGTERM shuts down gracefully (connection closed).
     */
    @Test
    void theDaemonReloadsOnSighupOnlyAValidPolicyAndShutsDownOnSigterm() throws Exception {
        Path policy = dir.resolve("daemon.yaml");
        Files.writeString(policy, POLICY.formatted("100ms", "300ms").replace("action: kill", "action: report"));
        Path log = dir.resolve("daemon.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.sessionctl.cli.Main", "watch", "--policy",
                policy.toString(), "--url", pg.jdbcUrl(), "-U", pg.superuser(), "--metrics-port", "0",
                "--audit-file", dir.resolve("audit.jsonl").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SESSIONCTL_PASSWORD", pg.password());
        Process daemon = pb.start();
        try {
            // a --url target is named host:port/database from the URL
            await(() -> read(log).matches("(?s).*event=connected target=\\S+:" + pg.port() + "/postgres\\b.*"));
            workload = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "watch_daemon", 1, false,
                    Duration.ofSeconds(60));
            await(() -> read(log).contains("event=decision verdict=report rule=idle-blockers"));
            assertThat(workload.finishedCount()).isZero();

            // a broken file: rejected, the report-only policy keeps running
            Files.writeString(policy, "rules:\n  - name: x\n    when: {idle: soon}\n");
            signal(daemon, "HUP");
            await(() -> read(log).contains("event=reload-rejected"));
            assertThat(read(log)).contains("daemon.yaml line 3");
            Thread.sleep(500);
            assertThat(workload.finishedCount()).as(read(log) + workload.failures()).isZero();

            // a valid file that kills: applied
            Files.writeString(policy, POLICY.formatted("100ms", "300ms"));
            signal(daemon, "HUP");
            assertThat(workload.awaitWaitersFinished(Duration.ofSeconds(30))).as(read(log)).isTrue();
            await(() -> read(log).contains("event=action rule=idle-blockers")); // logged once verified
            assertThat(read(log)).contains("event=reload source=").contains("outcome=terminated");

            List<String> audit = Files.readAllLines(dir.resolve("audit.jsonl"));
            assertThat(audit).anyMatch(l -> l.contains("\"phase\":\"intent\"") && l.contains("watch rule 'idle-blockers'"));
            signal(daemon, "TERM");
            assertThat(daemon.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(read(log)).contains("event=shutdown");
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password());
                 var st = c.createStatement();
                 var rs = st.executeQuery("select count(*) from pg_stat_activity where application_name = 'sessionctl'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the daemon closed its connection").isZero();
            }
        } finally {
            daemon.destroyForcibly();
        }
    }

    private static void signal(Process p, String signal) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor()).isZero();
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }
}
