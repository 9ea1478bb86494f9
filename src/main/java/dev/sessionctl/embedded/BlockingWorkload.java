package dev.sessionctl.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A real blocking chain on any engine that speaks standard SQL (PostgreSQL, MariaDB, MySQL), for
 * {@code sessionctl demo} and the integration tests:
 *
 * <ul>
 * <li>a <b>blocker</b>: updated row 1 in a transaction it never ends (idle in transaction);</li>
 * <li><b>waiters</b>: each runs {@code UPDATE ... WHERE id = 1} on its own connection and thread,
 *     blocked by the blocker;</li>
 * <li>with {@code secondLevel}: the first waiter locked row 2 before queuing for row 1, and one more
 *     session waits for row 2, so it is blocked by a waiter (a chain two levels deep).</li>
 * </ul>
 *
 * <p>{@link #start} returns once the blocker holds its lock and every waiter's thread is sending its
 * statement (the server needs a moment more to register the waits: poll it until they show). End the blocker
 * (for example with sessionctl) and the waiters run through, one after the other;
 * {@link #awaitWaitersFinished} reports whether they all did. {@link #close} ends the blocker's
 * transaction, lets the waiters drain, closes every connection and drops the table.
 *
 * <p>The only engine-specific statements are the lock-wait timeout (so forgotten waiters do not hang
 * for ever) and the session id query, chosen from the driver's product name.
 */
public final class BlockingWorkload implements AutoCloseable {

    public static final String DEFAULT_TABLE = "sessionctl_demo";
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final Duration DEFAULT_LOCK_WAIT = Duration.ofMinutes(10);

    private enum Flavor { POSTGRESQL, MYSQL, ORACLE, OTHER }

    private final String url;
    private final String user;
    private final String password;
    private final String table;
    private final Flavor flavor;
    private final long lockWaitSeconds;
    private final List<Connection> connections = Collections.synchronizedList(new ArrayList<>());
    private final List<Statement> inFlight = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger finished = new AtomicInteger();
    /** Blocked sessions whose statements have returned, successfully or not. */
    private final AtomicInteger ended = new AtomicInteger();
    private int submitted;
    private final ExecutorService threads;
    private final List<Long> waiterIds = new ArrayList<>();
    private Connection blocker;
    private long blockerId = -1;
    private long secondLevelId = -1;
    private int blockedSessions;

    private BlockingWorkload(String url, String user, String password, String table, Duration lockWait)
            throws SQLException {
        this.url = url;
        this.user = user;
        this.password = password;
        this.table = table;
        this.lockWaitSeconds = Math.max(1, lockWait.toSeconds());
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "blocking-workload-" + table);
            t.setDaemon(true);
            return t;
        });
        try (Connection probe = connect("sessionctl-demo-setup")) {
            this.flavor = flavorOf(probe);
        }
    }

    /** {@link #start(String, String, String, String, int, boolean, Duration)} on table {@value #DEFAULT_TABLE}. */
    public static BlockingWorkload start(String jdbcUrl, String user, String password, int waiters, boolean secondLevel) {
        return start(jdbcUrl, user, password, DEFAULT_TABLE, waiters, secondLevel, DEFAULT_LOCK_WAIT);
    }

    /**
     * Creates (re-creates) {@code table} with rows 1 and 2, opens the blocker and the waiters.
     *
     * @param waiters     sessions blocked directly by the blocker (0 or more)
     * @param secondLevel also one session blocked by the first waiter (needs {@code waiters >= 1})
     * @param lockWait    how long a waiter may wait before the engine gives up (lock_timeout,
     *                    innodb_lock_wait_timeout); whole seconds
     * @throws IllegalArgumentException for a bad table name or counts
     * @throws IllegalStateException    when the database refuses (message without the password)
     */
    public static BlockingWorkload start(String jdbcUrl, String user, String password, String table, int waiters,
                                         boolean secondLevel, Duration lockWait) {
        if (table == null || !IDENTIFIER.matcher(table).matches()) {
            throw new IllegalArgumentException("invalid table name '" + table
                    + "'; expected letters, digits and _ (not starting with a digit), at most 63 characters");
        }
        if (waiters < 0 || (secondLevel && waiters < 1)) {
            throw new IllegalArgumentException("invalid waiter count " + waiters
                    + "; expected 0 or more, and at least 1 for a second level");
        }
        BlockingWorkload w = null;
        try {
            w = new BlockingWorkload(jdbcUrl, user, password, table, lockWait);
            w.setUp();
            w.begin(waiters, secondLevel);
            return w;
        } catch (SQLException e) {
            if (w != null) {
                w.close();
            }
            throw new IllegalStateException("could not start the blocking workload on table " + table + ": "
                    + e.getMessage() + " [SQLSTATE " + e.getSQLState() + "]", e);
        }
    }

    private void setUp() throws SQLException {
        try (Connection c = connect("sessionctl-demo-setup"); Statement st = c.createStatement()) {
            setLockWait(st, 10);
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, val INT NOT NULL)");
            st.execute("INSERT INTO " + table + " (id, val) VALUES (1, 0)");
            st.execute("INSERT INTO " + table + " (id, val) VALUES (2, 0)");
        }
    }

    private void begin(int waiters, boolean secondLevel) throws SQLException {
        blocker = connect("sessionctl-demo-blocker");
        blockerId = sessionId(blocker);
        blocker.setAutoCommit(false);
        try (Statement st = blocker.createStatement()) {
            st.executeUpdate(updateRow(1));
        }
        blockedSessions = waiters + (secondLevel ? 1 : 0);
        CountDownLatch sent = new CountDownLatch(blockedSessions);
        for (int i = 1; i <= waiters; i++) {
            Connection c = connect("sessionctl-demo-waiter-" + i);
            waiterIds.add(sessionId(c));
            List<String> statements = new ArrayList<>();
            if (i == 1 && secondLevel) {
                // the chain's middle link: hold row 2 (taken now, before anyone queues on it), then queue for row 1
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.executeUpdate(updateRow(2));
                }
            }
            statements.add(updateRow(1));
            submit("waiter " + i, c, statements, sent);
        }
        if (secondLevel) {
            Connection c = connect("sessionctl-demo-second-level");
            secondLevelId = sessionId(c);
            submit("second-level waiter", c, List.of(updateRow(2)), sent);
        }
        try {
            sent.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String updateRow(int id) {
        return "UPDATE " + table + " SET val = val + 1 WHERE id = " + id;
    }

    private void submit(String name, Connection c, List<String> statements, CountDownLatch sent) {
        submitted++;
        threads.submit(() -> {
            Statement st = null;
            try {
                st = c.createStatement();
                inFlight.add(st);
                sent.countDown();
                for (String sql : statements) {
                    st.executeUpdate(sql);
                }
                if (!c.getAutoCommit()) {
                    c.commit();
                }
                finished.incrementAndGet();
            } catch (SQLException e) {
                failures.add(name + ": " + e.getMessage() + " [SQLSTATE " + e.getSQLState() + "]");
            } finally {
                if (st != null) {
                    inFlight.remove(st);
                }
                if (sent.getCount() > 0 && st == null) {
                    sent.countDown(); // could not even create the statement: do not keep start() waiting
                }
                ended.incrementAndGet();
            }
        });
    }

    /** The blocker's session id as the engine numbers it (PostgreSQL pid, MySQL/MariaDB connection id). */
    public long blockerSessionId() {
        return blockerId;
    }

    /** The direct waiters' session ids, in start order; with a second level, the first one is its blocker. */
    public List<Long> waiterSessionIds() {
        return List.copyOf(waiterIds);
    }

    /** The session blocked by the first waiter, when a second level was asked for. */
    public OptionalLong secondLevelSessionId() {
        return secondLevelId < 0 ? OptionalLong.empty() : OptionalLong.of(secondLevelId);
    }

    /** How many sessions are blocked in all (direct waiters plus the second level). */
    public int blockedSessionCount() {
        return blockedSessions;
    }

    /** How many blocked sessions have completed their statements and committed. */
    public int finishedCount() {
        return finished.get();
    }

    /** True once every blocked session has completed and committed. */
    public boolean allWaitersFinished() {
        return finished.get() == blockedSessions;
    }

    /** Waits up to {@code timeout} for every blocked session to end; true when all completed successfully. */
    public boolean awaitWaitersFinished(Duration timeout) {
        awaitEnded(blockedSessions, timeout);
        return allWaitersFinished();
    }

    private void awaitEnded(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ended.get() < count && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Errors the blocked sessions got (lock wait timeout, terminated), one line each. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    /**
     * Ends the blocker's transaction (if it still has one), lets the waiters drain, cancels any
     * still waiting, closes every connection and drops the table. Never throws.
     */
    @Override
    public void close() {
        if (blocker != null) {
            try {
                blocker.rollback();
            } catch (SQLException ignored) {
                // the blocker may already have been terminated: that is the point of the demo
            }
        }
        awaitEnded(submitted, Duration.ofSeconds(10));
        synchronized (inFlight) {
            for (Statement st : inFlight) {
                try {
                    st.cancel();
                } catch (SQLException ignored) {
                    // finished meanwhile or connection gone
                }
            }
        }
        synchronized (connections) {
            for (Connection c : connections) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // already closed by the server
                }
            }
        }
        threads.shutdownNow();
        try (Connection c = connect("sessionctl-demo-setup"); Statement st = c.createStatement()) {
            setLockWait(st, 5);
            st.execute("DROP TABLE IF EXISTS " + table);
        } catch (SQLException ignored) {
            // best effort; the next start re-creates the table anyway
        }
    }

    private Connection connect(String application) throws SQLException {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        Connection c = DriverManager.getConnection(url, p);
        try {
            c.setClientInfo("ApplicationName", application);
        } catch (SQLException ignored) {
            // a label only; drivers without it are fine
        }
        if (flavor != null) {
            try (Statement st = c.createStatement()) {
                setLockWait(st, lockWaitSeconds);
            }
        }
        connections.add(c);
        return c;
    }

    private void setLockWait(Statement st, long seconds) throws SQLException {
        switch (flavor) {
            case POSTGRESQL -> st.execute("SET lock_timeout = '" + seconds + "s'");
            case MYSQL -> {
                st.execute("SET SESSION innodb_lock_wait_timeout = " + seconds);
                st.execute("SET SESSION lock_wait_timeout = " + seconds);
            }
            default -> { }
        }
    }

    private long sessionId(Connection c) throws SQLException {
        String sql = switch (flavor) {
            case POSTGRESQL -> "SELECT pg_backend_pid()";
            case MYSQL -> "SELECT CONNECTION_ID()";
            case ORACLE -> "SELECT SYS_CONTEXT('USERENV', 'SID') FROM DUAL";
            case OTHER -> null;
        };
        if (sql == null) {
            return -1;
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Flavor flavorOf(Connection c) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        if (product.contains("postgres")) {
            return Flavor.POSTGRESQL;
        }
        if (product.contains("mysql") || product.contains("mariadb") || product.contains("oceanbase")) {
            return Flavor.MYSQL;
        }
        if (product.contains("oracle")) {
            return Flavor.ORACLE;
        }
        return Flavor.OTHER;
    }
}
