package dev.sessionctl.hostaccess;

import dev.sessionctl.escalation.Ticker;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Ends a session by signalling its server process, after proving the process is the session's own
 * and serves no other session:
 * <ol>
 *   <li>MySQL/MariaDB: refused (sessions are threads of one mysqld);</li>
 *   <li>a shared server (Oracle SERVER = SHARED/NONE/PSEUDO, threaded execution) or a process id
 *       listed for another session: refused;</li>
 *   <li>the id names a thread of another process: refused (a signal would hit the whole process);</li>
 *   <li>the command line matches the engine, the uid is the database's OS user (PostgreSQL: the
 *       postmaster's, its parent), and the process started no later than the session's logon
 *       (a later start means the id was reused).</li>
 * </ol>
 * Then SIGTERM; for {@link KillAction#OS_KILL}, SIGKILL if the process is still there after the
 * configured wait (re-checked to be the same process first).
 */
public final class OsProcessKiller {

    /** Tolerance between the session's logon time (server clock) and the process start (host clock). */
    static final Duration CLOCK_TOLERANCE = Duration.ofSeconds(5);

    public static final String GUARD = "host-process";

    private final HostAccess host;
    private final ProcessExpectation expectation;
    private final Duration termWait;
    private final Ticker ticker;

    /**
     * @param termWait for OS_KILL, how long to wait after SIGTERM before SIGKILL
     */
    public OsProcessKiller(HostAccess host, ProcessExpectation expectation, Duration termWait, Ticker ticker) {
        this.host = host;
        this.expectation = expectation;
        this.termWait = termWait;
        this.ticker = ticker == null ? Ticker.SYSTEM : ticker;
    }

    public HostAccess host() {
        return host;
    }

    public String describe(KillAction action, Session victim) {
        String pid = victim.serverProcess() == null ? "<unknown pid>" : victim.serverProcess();
        return action == KillAction.OS_KILL
                ? "kill -TERM " + pid + "; after " + termWait.toSeconds() + "s kill -KILL " + pid + " (on " + host.host() + ")"
                : "kill -TERM " + pid + " (on " + host.host() + ")";
    }

    /** Why this session's process must not be signalled, or empty; pure checks against the snapshot and the host. */
    public Optional<String> refusal(Session victim, Snapshot snapshot) {
        return check(victim, snapshot).refusal();
    }

    private record Verdict(String why, ProcessInfo process, boolean alreadyGone) {
        Optional<String> refusal() {
            return Optional.ofNullable(why);
        }
    }

    private static Verdict refuse(String why) {
        return new Verdict(why, null, false);
    }

    private Verdict check(Session victim, Snapshot snapshot) {
        Engine engine = snapshot.engine();
        if (engine.family() == Engine.Family.MYSQL) {
            return refuse(engine + " sessions are threads of one server process: an OS signal would end every session");
        }
        Optional<String> shared = sharedServer(victim, snapshot);
        if (shared.isPresent()) {
            return refuse(shared.get());
        }
        long pid = pidOf(victim);
        if (pid <= 1) {
            return refuse("the server process of session " + victim.key().printable() + " is unknown ("
                    + victim.serverProcess() + "); the account may lack the privilege to see it");
        }
        Optional<ProcessInfo> p = host.process(pid);
        if (p.isEmpty()) {
            return new Verdict("no process " + pid + " on host " + host.host()
                    + "; the server process is gone, or host access does not point at the database host", null, false);
        }
        ProcessInfo info = p.get();
        if (info.isThread()) {
            return refuse("id " + pid + " is a thread of process " + info.threadGroup()
                    + " (threaded execution?): a signal would end the whole process");
        }
        if (info.isZombie()) {
            return new Verdict(null, info, true);
        }
        if (!expectation.commandLine().matcher(info.commandLine()).find()) {
            return refuse("process " + pid + " is not a " + engine + " server process: command line '"
                    + shorten(info.commandLine()) + "' does not match " + expectation.commandLine().pattern());
        }
        Optional<String> owner = ownerProblem(info);
        if (owner.isPresent()) {
            return refuse(owner.get());
        }
        Instant logon = victim.logonTime();
        if (logon != null && info.startTime() != null && info.startTime().isAfter(logon.plus(CLOCK_TOLERANCE))) {
            return refuse("process " + pid + " started at " + info.startTime() + ", after the session's logon at "
                    + logon + ": the id was reused by another process");
        }
        return new Verdict(null, info, false);
    }

    private Optional<String> ownerProblem(ProcessInfo info) {
        if (expectation.osUser() != null) {
            Optional<Integer> uid = host.uidOf(expectation.osUser());
            if (uid.isEmpty()) {
                return Optional.of("OS user '" + expectation.osUser() + "' is unknown on host " + host.host());
            }
            if (uid.get() != info.uid()) {
                return Optional.of("process " + info.pid() + " runs as uid " + info.uid() + ", not as the database's OS user '"
                        + expectation.osUser() + "' (uid " + uid.get() + ")");
            }
        }
        if (expectation.parentAsReference()) {
            Optional<ProcessInfo> parent = host.process(info.parentPid());
            if (parent.isEmpty() || !expectation.commandLine().matcher(parent.get().commandLine()).find()) {
                return Optional.of("the parent of process " + info.pid() + " (" + info.parentPid()
                        + ") is not the database's main server process");
            }
            if (parent.get().uid() != info.uid()) {
                return Optional.of("process " + info.pid() + " runs as uid " + info.uid() + ", its server's main process as uid "
                        + parent.get().uid());
            }
        }
        return Optional.empty();
    }

    /** Why this session's process serves other sessions too (so it must not be signalled), or empty. */
    public static Optional<String> refusalForSharing(Session victim, Snapshot snapshot) {
        return sharedServer(victim, snapshot);
    }

    /** Oracle shared servers and threaded execution, or any process id listed for two sessions. */
    static Optional<String> sharedServer(Session victim, Snapshot snapshot) {
        String server = victim.attributes().get("server");
        if (server != null && !server.equalsIgnoreCase("DEDICATED")) {
            return Optional.of("session " + victim.key().printable() + " uses a " + server.toLowerCase(Locale.ROOT)
                    + " server process that serves other sessions too");
        }
        if ("true".equalsIgnoreCase(victim.attributes().get("threadedExecution"))
                || "true".equalsIgnoreCase(victim.attributes().get("serverProcessShared"))) {
            return Optional.of("session " + victim.key().printable() + " runs in a process shared with other sessions"
                    + " (threaded execution)");
        }
        if (victim.serverProcess() != null) {
            for (Session other : snapshot.sessions()) {
                if (!other.ref().equals(victim.ref()) && victim.serverProcess().equals(other.serverProcess())) {
                    return Optional.of("process " + victim.serverProcess() + " also serves session "
                            + other.key().printable());
                }
            }
        }
        return Optional.empty();
    }

    static long pidOf(Session s) {
        String sp = s.serverProcess();
        if (sp == null || !sp.trim().matches("\\d{1,10}")) {
            return -1;
        }
        return Long.parseLong(sp.trim());
    }

    /**
     * Signals the victim's server process. The caller has re-read the session (same id and
     * incarnation, same server process) just before; this re-checks the process itself.
     */
    public KillResult kill(KillAction action, Session victim, Snapshot snapshot, Duration timeout) {
        if (!action.isOsLevel()) {
            throw new IllegalArgumentException("not an OS-level action: " + action);
        }
        String stmt = describe(action, victim);
        long t0 = ticker.nanoTime();
        Verdict v = check(victim, snapshot);
        if (v.refusal().isPresent()) {
            if (v.process() == null && v.why().startsWith("no process")) {
                return KillResult.of(victim.key(), action, KillOutcome.FAILED, stmt, v.why());
            }
            return KillResult.refusedByGuard(victim.key(), action, GUARD, "refused by guard " + GUARD + ": " + v.why());
        }
        if (v.alreadyGone()) {
            return KillResult.of(victim.key(), action, KillOutcome.ALREADY_GONE, stmt,
                    "server process " + v.process().pid() + " has already exited (zombie)");
        }
        ProcessInfo info = v.process();
        host.signal(info.pid(), Signal.TERM);
        Duration firstWait = action == KillAction.OS_KILL ? min(termWait, timeout) : timeout;
        if (awaitExit(info, firstWait)) {
            return KillResult.of(victim.key(), action, KillOutcome.TERMINATED, stmt,
                    "server process " + info.pid() + " ended after SIGTERM").withElapsed(since(t0));
        }
        if (action == KillAction.OS_TERM) {
            return KillResult.of(victim.key(), action, KillOutcome.TIMED_OUT, stmt, "server process " + info.pid()
                    + " still runs " + firstWait.toSeconds() + "s after SIGTERM" + stateNote(info.pid()))
                    .withElapsed(since(t0));
        }
        Optional<ProcessInfo> again = host.process(info.pid());
        if (again.isEmpty() || again.get().isZombie()) {
            return KillResult.of(victim.key(), action, KillOutcome.TERMINATED, stmt,
                    "server process " + info.pid() + " ended after SIGTERM").withElapsed(since(t0));
        }
        if (!sameProcess(info, again.get())) {
            return KillResult.of(victim.key(), action, KillOutcome.TERMINATED, stmt, "server process " + info.pid()
                    + " ended after SIGTERM (its id now names another process, left alone)").withElapsed(since(t0));
        }
        host.signal(info.pid(), Signal.KILL);
        Duration rest = timeout.minus(firstWait);
        if (awaitExit(info, rest.isNegative() || rest.isZero() ? Duration.ofSeconds(5) : rest)) {
            return KillResult.of(victim.key(), action, KillOutcome.TERMINATED, stmt, "server process " + info.pid()
                    + " ignored SIGTERM for " + firstWait.toSeconds() + "s and ended after SIGKILL").withElapsed(since(t0));
        }
        return KillResult.of(victim.key(), action, KillOutcome.TIMED_OUT, stmt, "server process " + info.pid()
                + " survived SIGKILL" + stateNote(info.pid())).withElapsed(since(t0));
    }

    private String stateNote(long pid) {
        return host.process(pid).map(p -> p.isUninterruptible()
                ? " (state D: blocked in the kernel on I/O; signals are delivered when the I/O returns)"
                : " (state " + p.state() + ")").orElse("");
    }

    private boolean awaitExit(ProcessInfo info, Duration wait) {
        long deadline = ticker.nanoTime() + wait.toNanos();
        while (true) {
            Optional<ProcessInfo> now = host.process(info.pid());
            if (now.isEmpty() || now.get().isZombie() || !sameProcess(info, now.get())) {
                return true;
            }
            if (ticker.nanoTime() >= deadline) {
                return false;
            }
            ticker.sleep(Duration.ofMillis(100));
        }
    }

    static boolean sameProcess(ProcessInfo a, ProcessInfo b) {
        return a.pid() == b.pid() && (a.startTime() == null || a.startTime().equals(b.startTime()));
    }

    private Duration since(long t0) {
        return Duration.ofNanos(ticker.nanoTime() - t0);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
