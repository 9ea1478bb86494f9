package dev.sessionctl.bench;

import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetSpec;
import dev.sessionctl.watch.Decision;
import dev.sessionctl.watch.Evaluation;
import dev.sessionctl.watch.Policy;
import dev.sessionctl.watch.PolicyFile;
import dev.sessionctl.watch.WatchListener;
import dev.sessionctl.watch.Watchdog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Reaction-latency benchmark of {@code sessionctl watch} (bench/watch-latency.sh runs it).
 *
 * <p>Each trial opens an idle-in-transaction blocker on a row and two waiters queued behind it,
 * then measures, on the host's clock (the embedded servers run on this host, so server and client
 * share one clock), the time from the threshold crossing (the blocker's own idle start + threshold)
 * to the moment every waiter's UPDATE returned. Trials start at random phases of the poll cycle.
 * Configurations, in the same run: the watchdog with deadline scheduling at poll intervals 5 s, 1 s
 * and 250 ms; the watchdog polling only (no deadlines) at 1 s; PostgreSQL's own
 * {@code idle_in_transaction_session_timeout}; on MariaDB, pt-kill when it is installed. The
 * watchdog's cost per poll is the snapshot round trip it measures itself (an upper bound of the
 * server time).
 *
 * <p>Arguments: {@code samples=N} (default 20), {@code threshold=1s} (the server timeouts'; the watchdog's rule uses interval + threshold), {@code intervals=5s,1s,250ms},
 * {@code engines=postgresql[,mariadb]}, {@code postgresql.lanes=4}, {@code mariadb.lanes=2}, {@code out=FILE} (markdown results, also printed).
 */
public final class WatchLatencyBench {

    private static final int WAITERS = 2;
    /** Rows prepared; trials run in up to this many independent lanes (one row each). */
    static final int LANES = 4;
    /** Lanes in use for the engine being measured (PostgreSQL 4, MariaDB 2 by default). */
    private int lanesInUse = LANES;
    private final Map<String, Integer> lanesByEngine;
    private final int samples;
    private final Duration threshold;
    private final List<Duration> intervals;
    private final Random random = new Random(20261122);
    private final List<String> rows = new ArrayList<>();

    private WatchLatencyBench(int samples, Duration threshold, List<Duration> intervals, Map<String, Integer> lanes) {
        this.lanesByEngine = lanes;
        this.samples = samples;
        this.threshold = threshold;
        this.intervals = intervals;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new java.util.HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("expected key=value, got '" + arg + "'");
            }
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int samples = Integer.parseInt(a.getOrDefault("samples", "20"));
        Duration threshold = dev.sessionctl.model.Durations.parse(a.getOrDefault("threshold", "1s"));
        List<Duration> intervals = java.util.Arrays.stream(a.getOrDefault("intervals", "5s,1s,250ms").split(","))
                .map(dev.sessionctl.model.Durations::parse).toList();
        List<String> engines = List.of(a.getOrDefault("engines", "postgresql").split(","));
        // MariaDB: fewer blockers at once, as its reads are throttled (InnoDB refreshes its transaction
        // tables at most every 100 ms): several simultaneous kills on one target measure that, not the watchdog
        Map<String, Integer> lanes = Map.of("postgresql", Integer.parseInt(a.getOrDefault("postgresql.lanes", "4")),
                "mariadb", Integer.parseInt(a.getOrDefault("mariadb.lanes", "2")));
        WatchLatencyBench bench = new WatchLatencyBench(samples, threshold, intervals, lanes);
        long started = System.nanoTime();
        for (String engine : engines) {
            bench.lanesInUse = Math.max(1, Math.min(LANES, lanes.getOrDefault(engine, LANES)));
            switch (engine) {
                case "postgresql" -> bench.postgres();
                case "mariadb" -> MariaDbRig.run(bench);
                default -> throw new IllegalArgumentException("unknown engine '" + engine + "'; expected postgresql or mariadb");
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("Run: ").append(Instant.now()).append(", ").append(samples).append(" samples per configuration (")
                .append("blockers in parallel lanes: PostgreSQL ").append(lanes.get("postgresql")).append(", MariaDB ")
                .append(lanes.get("mariadb")).append("), ").append(WAITERS).append(" waiters per blocker, total ").append(Duration.ofNanos(System.nanoTime() - started).toSeconds())
                .append(" s.\n\n");
        md.append("| engine | who ends the blocker | poll interval | threshold | n | p50 | p99 | max | min | poll round trip p50 / p99 |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        bench.rows.forEach(r -> md.append(r).append('\n'));
        System.out.println();
        System.out.println(md);
        if (a.containsKey("out")) {
            Files.writeString(Path.of(a.get("out")), md.toString());
        }
        System.exit(0);
    }

    // ------------------------------------------------------------------ PostgreSQL

    private void postgres() throws Exception {
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.superuser(), pg.password());
                 Statement st = c.createStatement()) {
                st.execute("create database bench");
            }
            String benchUrl = pg.jdbcUrl("bench");
            try (Connection c = DriverManager.getConnection(benchUrl, pg.superuser(), pg.password());
                 Statement st = c.createStatement()) {
                st.execute("create table t (id int primary key, v int)");
                for (int row = 1; row <= LANES; row++) {
                    st.execute("insert into t values (" + row + ", 0)");
                }
            }
            Rig rig = new PostgresRig(benchUrl, pg.superuser(), pg.password());
            TargetSpec target = new TargetSpec("pg", pg.jdbcUrl(), pg.superuser(), pg.password(), Map.of(),
                    ProtectionPolicy.none());
            measureServerTimeout(rig);
            for (Duration interval : intervals) {
                measureWatchdog(rig, target, interval, true);
            }
            measureWatchdog(rig, target, Duration.ofSeconds(1), false);
        }
    }

    /** What differs between engines: how a blocker is opened and when it went idle. */
    interface Rig {
        String engine();

        Connection connect() throws SQLException;

        /** The blocker's session id. */
        long sessionId(Connection c) throws SQLException;

        /** When the blocker became idle in transaction, on the host clock (server's own timestamp where it has one). */
        Instant idleSince(long sessionId, Instant clientSaw) throws SQLException;

        /** Let the server itself end the blocker after the threshold, or null when the engine cannot. */
        default String serverTimeoutStatement(Duration threshold) {
            return null;
        }

        default String serverTimeoutName() {
            return "server: idle_in_transaction_session_timeout";
        }
    }

    static final class PostgresRig implements Rig {
        private final String url;
        private final String user;
        private final String password;
        private final Connection monitor;

        PostgresRig(String url, String user, String password) throws SQLException {
            this.url = url;
            this.user = user;
            this.password = password;
            this.monitor = connectRaw();
        }

        private Connection connectRaw() throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", user);
            p.setProperty("password", password);
            p.setProperty("ApplicationName", "watch-bench");
            return DriverManager.getConnection(url, p);
        }

        @Override
        public String engine() {
            return "PostgreSQL 16";
        }

        @Override
        public Connection connect() throws SQLException {
            return connectRaw();
        }

        @Override
        public long sessionId(Connection c) throws SQLException {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Override
        public Instant idleSince(long pid, Instant clientSaw) throws SQLException {
            try (PreparedStatement ps = monitor.prepareStatement(
                    "select state, state_change from pg_stat_activity where pid = ?")) {
                for (int i = 0; i < 100; i++) {
                    ps.setInt(1, (int) pid);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && "idle in transaction".equals(rs.getString(1))) {
                            return rs.getTimestamp(2).toInstant();
                        }
                    }
                }
            }
            throw new IllegalStateException("blocker " + pid + " never showed idle in transaction");
        }

        @Override
        public String serverTimeoutStatement(Duration threshold) {
            return "set idle_in_transaction_session_timeout = " + threshold.toMillis();
        }
    }

    // ------------------------------------------------------------------ measurements

    /** One trial: blocker + waiters; returns crossing -> all waiters released, or null when they were not. */
    Duration trial(Rig rig, String setup, Duration threshold, Duration giveUp, int row) throws Exception {
        Connection blocker = rig.connect();
        ExecutorService pool = Executors.newFixedThreadPool(WAITERS);
        List<Connection> waiters = new ArrayList<>();
        try {
            if (setup != null) {
                try (Statement st = blocker.createStatement()) {
                    st.execute(setup);
                }
            }
            long pid = rig.sessionId(blocker);
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.executeUpdate("update t set v = v + 1 where id = " + row);
            }
            Instant clientSaw = Instant.now();
            Instant idleSince = rig.idleSince(pid, clientSaw);
            List<Future<Instant>> released = new ArrayList<>();
            for (int i = 0; i < WAITERS; i++) {
                Connection w = rig.connect();
                waiters.add(w);
                released.add(pool.submit(() -> {
                    w.setAutoCommit(false);
                    try (Statement st = w.createStatement()) {
                        st.executeUpdate("update t set v = v + 1 where id = " + row);
                    }
                    Instant done = Instant.now();
                    w.commit();
                    return done;
                }));
            }
            Instant last = null;
            for (Future<Instant> f : released) {
                Instant r;
                try {
                    r = f.get(giveUp.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    return null;
                }
                last = last == null || r.isAfter(last) ? r : last;
            }
            return Duration.between(idleSince.plus(threshold), last);
        } finally {
            try {
                blocker.rollback();
            } catch (SQLException ignored) {
                // usually already ended: that was the point
            }
            closeQuietly(blocker);
            waiters.forEach(WatchLatencyBench::closeQuietly);
            pool.shutdownNow();
        }
    }

    /**
     * One warm-up trial, then {@code samples} trials in parallel lanes (one row each), each started
     * after a random pause of up to {@code phaseSpan} (a random phase of the poll cycle).
     */
    List<Duration> runTrials(Rig rig, String setup, Duration threshold, Duration phaseSpan, Duration giveUp)
            throws Exception {
        // one trial first, not counted: the first kill of a fresh JVM loads and compiles the kill path
        trial(rig, setup, threshold, giveUp, 1);
        List<Duration> delays = new CopyOnWriteArrayList<>();
        int laneCount = lanesInUse;
        ExecutorService lanes = Executors.newFixedThreadPool(laneCount);
        List<Future<?>> done = new ArrayList<>();
        int perLane = (samples + laneCount - 1) / laneCount;
        for (int lane = 0; lane < laneCount; lane++) {
            int row = lane + 1;
            int count = Math.min(perLane, samples - lane * perLane);
            Random r = new Random(random.nextLong());
            done.add(lanes.submit(() -> {
                for (int i = 0; i < count; i++) {
                    Thread.sleep((long) (r.nextDouble() * Math.max(1, phaseSpan.toMillis())));
                    Duration d = trial(rig, setup, threshold, giveUp, row);
                    if (d != null) {
                        delays.add(d);
                    } else {
                        System.err.println("  trial gave up: waiters not released within " + giveUp);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        lanes.shutdown();
        return delays;
    }

    void measureServerTimeout(Rig rig) throws Exception {
        List<Duration> delays = runTrials(rig, rig.serverTimeoutStatement(threshold), threshold, Duration.ofMillis(300),
                threshold.plusSeconds(10));
        row(rig.engine(), rig.serverTimeoutName(), "-", threshold, delays, List.of());
    }

    /**
     * The watchdog at one poll interval. The rule's threshold is the interval plus {@link #threshold}:
     * a session must be seen by at least one poll before it crosses for its deadline to be known (a
     * threshold shorter than the interval makes sessions that appear and cross between two polls wait
     * for the next poll; docs/watch.md).
     */
    void measureWatchdog(Rig rig, TargetSpec target, Duration interval, boolean deadlines) throws Exception {
        Duration ruleThreshold = interval.plus(threshold);
        String yaml = """
                interval: %dms
                deadlineScheduling: %s
                rules:
                  - name: bench-idle-blockers
                    match: {databases: [bench], states: [idle-in-transaction]}
                    when: {idleInTransaction: %dms, waiters: 1}
                    victims: root-blocker
                    action: kill
                """.formatted(interval.toMillis(), deadlines, ruleThreshold.toMillis());
        Policy policy = PolicyFile.parse(Path.of("bench.yaml"), yaml, n -> null);
        List<Duration> polls = new CopyOnWriteArrayList<>();
        List<KillResult> kills = new CopyOnWriteArrayList<>();
        WatchListener listener = new WatchListener() {
            @Override
            public void polled(String t, Snapshot s, Evaluation e, Duration pollTime) {
                polls.add(pollTime);
            }

            @Override
            public void acted(Decision d, KillResult r, Duration delay) {
                kills.add(r);
            }
        };
        List<Duration> delays;
        try (Watchdog dog = new Watchdog(policy, List.of(target), DialectRegistry.load()::connect, null, listener, null,
                Watchdog.Options.defaults(), null)) {
            dog.start();
            Thread.sleep(interval.toMillis() + 200); // connected and polling
            delays = runTrials(rig, null, ruleThreshold, interval, ruleThreshold.plus(interval).plusSeconds(10));
        }
        String who = deadlines ? "sessionctl watch (deadline scheduling)" : "sessionctl watch, polling only";
        row(rig.engine(), who, dev.sessionctl.model.Durations.format(interval), ruleThreshold, delays, polls);
        System.err.printf(Locale.ROOT, "  (%d kills reported by the watchdog)%n", kills.size());
    }

    void row(String engine, String who, String interval, Duration threshold, List<Duration> delays, List<Duration> polls) {
        List<Duration> sorted = new ArrayList<>(delays);
        Collections.sort(sorted);
        List<Duration> ps = new ArrayList<>(polls);
        Collections.sort(ps);
        String r = String.format(Locale.ROOT, "| %s | %s | %s | %s | %d | %s | %s | %s | %s | %s |", engine, who, interval,
                threshold.toMillis() % 1000 == 0 ? threshold.toSeconds() + "s" : threshold.toMillis() + "ms", sorted.size(), ms(pct(sorted, 50)), ms(pct(sorted, 99)), ms(sorted.isEmpty() ? null : sorted.get(sorted.size() - 1)),
                ms(sorted.isEmpty() ? null : sorted.get(0)),
                ps.isEmpty() ? "-" : ms(pct(ps, 50)) + " / " + ms(pct(ps, 99)));
        rows.add(r);
        System.err.println(r);
    }

    /** Nearest-rank percentile. */
    static Duration pct(List<Duration> sorted, int p) {
        if (sorted.isEmpty()) {
            return null;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    static String ms(Duration d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
    }

    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing
        }
    }

    List<String> rows() {
        return rows;
    }

    List<Duration> intervals() {
        return intervals;
    }

    int samples() {
        return samples;
    }

    Duration threshold() {
        return threshold;
    }

    Random random() {
        return random;
    }
}
