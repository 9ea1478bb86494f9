package dev.sessionctl.bench;

import dev.sessionctl.embedded.EmbeddedMariaDbServer;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.target.TargetSpec;
import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * MariaDB part of {@link WatchLatencyBench}: the watchdog (deadline scheduling, and polling only),
 * MariaDB's own {@code idle_transaction_timeout} (whole seconds), and pt-kill when Debian's
 * percona-toolkit is installed. MariaDB has no sub-second timestamp of a session's state change
 * that a client can read directly, so the idle start is the moment the blocker's UPDATE returned to
 * the client (the server sends the OK right after the statement ends; same host, same clock).
 */
final class MariaDbRig implements WatchLatencyBench.Rig {

    private final String url;
    private final String user;
    private final String password;

    private MariaDbRig(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    static void run(WatchLatencyBench bench) throws Exception {
        try (EmbeddedMariaDbServer db = EmbeddedMariaDbServer.start()) {
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                 Statement st = c.createStatement()) {
                st.execute("create database bench");
                st.execute("create table bench.t (id int primary key, v int) engine=InnoDB");
                for (int row = 1; row <= WatchLatencyBench.LANES; row++) {
                    st.execute("insert into bench.t values (" + row + ", 0)");
                }
                st.execute("set global innodb_lock_wait_timeout = 60");
            }
            MariaDbRig rig = new MariaDbRig(db.jdbcUrl("bench"), db.user(), db.password());
            TargetSpec target = new TargetSpec("mariadb", db.jdbcUrl(), db.user(), db.password(), Map.of(),
                    ProtectionPolicy.none());
            bench.measureServerTimeout(rig);
            for (Duration interval : bench.intervals()) {
                bench.measureWatchdog(rig, target, interval, true);
            }
            bench.measureWatchdog(rig, target, Duration.ofSeconds(1), false);
            ptKill(bench, rig, db);
        }
    }

    /** pt-kill at its finest setting: 1 s interval, idle time = the threshold in whole seconds. */
    private static void ptKill(WatchLatencyBench bench, MariaDbRig rig, EmbeddedMariaDbServer db) throws Exception {
        String ptKill = findPtKill();
        if (ptKill == null) {
            System.err.println("pt-kill: not installed (apt-get install percona-toolkit); row skipped");
            bench.rows().add("| " + rig.engine() + " | pt-kill | 1s | 2s | 0 | not installed | | | | |");
            return;
        }
        long idleSeconds = 2; // whole seconds: the finest pt-kill setting users run (issue 7's reference figures)
        List<String> cmd = List.of(ptKill, "--host", "127.0.0.1", "--port", Integer.toString(db.port()), "--user",
                db.user(), "--match-db", "bench", "--match-command", "Sleep", "--idle-time", Long.toString(idleSeconds),
                "--interval", "1", "--victims", "all", "--kill", "--run-time", "30m");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(new File("target/pt-kill.log")).start();
        List<Duration> delays;
        try {
            Thread.sleep(1500);
            if (!p.isAlive()) {
                System.err.println("pt-kill exited at once (see target/pt-kill.log); row skipped");
                bench.rows().add("| " + rig.engine() + " | pt-kill | 1s | 2s | 0 | failed to run | | | | |");
                return;
            }
            delays = bench.runTrials(rig, null, Duration.ofSeconds(idleSeconds), Duration.ofSeconds(1),
                    Duration.ofSeconds(idleSeconds + 12));
        } finally {
            p.destroy();
        }
        bench.row(rig.engine(), "pt-kill " + ptKillVersion(ptKill) + " (--idle-time " + idleSeconds + ")", "1s",
                Duration.ofSeconds(idleSeconds), delays, List.of());
    }

    private static String findPtKill() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(dir, "pt-kill");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    private static String ptKillVersion(String ptKill) {
        try {
            Process p = new ProcessBuilder(ptKill, "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes()).trim();
            return v.replace("pt-kill", "").trim();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Override
    public String engine() {
        return "MariaDB";
    }

    @Override
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    @Override
    public long sessionId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select connection_id()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public Instant idleSince(long sessionId, Instant clientSaw) {
        return clientSaw;
    }

    /** MariaDB's own idle_transaction_timeout counts whole seconds. */
    @Override
    public String serverTimeoutStatement(Duration threshold) {
        return "set session idle_transaction_timeout = " + Math.max(1, (long) Math.ceil(threshold.toMillis() / 1000.0));
    }

    @Override
    public String serverTimeoutName() {
        return "server: idle_transaction_timeout (whole seconds)";
    }
}
