package dev.sessionctl.explain;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.escalation.RollbackMonitor;
import dev.sessionctl.escalation.RollbackProgress;
import dev.sessionctl.escalation.Ticker;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.hostaccess.HostAccess;
import dev.sessionctl.hostaccess.HostAccessException;
import dev.sessionctl.hostaccess.OsProcessKiller;
import dev.sessionctl.hostaccess.ProcessInfo;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Builds an {@link Explanation} for one session from two reads of the target (a sample window,
 * so rollback progress is measured, not guessed), the blocking graph, the guards, and, with host
 * access, the server process. JDBC-free: it reads only through {@link TargetConnection}.
 *
 * <p>Session attributes it understands (dialects fill what their engine reports):
 * {@code distributedTransaction} (global transaction id or "true"), {@code locksHeld} (text),
 * {@code server} (Oracle DEDICATED/SHARED), {@code threadedExecution}.
 */
public final class Explainer {

    public static final String ATTR_DISTRIBUTED = "distributedTransaction";
    public static final String ATTR_LOCKS_HELD = "locksHeld";
    /** In-doubt state (Oracle DBA_2PC_PENDING.STATE, e.g. "prepared"), advice and the local transaction id. */
    public static final String ATTR_DISTRIBUTED_STATE = "distributedTransactionState";
    public static final String ATTR_DISTRIBUTED_ADVICE = "distributedTransactionAdvice";
    public static final String ATTR_LOCAL_TRANSACTION = "localTransactionId";
    /** A dialect's hint that the session waits on the operating system, and for how long (seconds). */
    public static final String ATTR_OS_WAIT = "osWait";
    public static final String ATTR_WAIT_SECONDS = "waitSeconds";

    private final TargetConnection target;
    private final GuardChain guards;
    private final HostAccess host;
    private final Ticker ticker;

    /**
     * @param host host access, or null when not configured
     */
    public Explainer(TargetConnection target, GuardChain guards, HostAccess host, Ticker ticker) {
        this.target = target;
        this.guards = guards;
        this.host = host;
        this.ticker = ticker == null ? Ticker.SYSTEM : ticker;
    }

    /**
     * @param sample        time between the two reads used to measure progress (zero: one read)
     * @param commandPrefix how to call sessionctl on this target, e.g. {@code sessionctl -t prod}; the suggested
     *                      commands put its target options after the command and key ({@code sessionctl kill KEY
     *                      -t prod --wait}), where the CLI accepts them
     */
    public Explanation explain(SessionKey key, Duration sample, String commandPrefix) {
        String prefix = commandPrefix == null || commandPrefix.isBlank() ? "sessionctl" : commandPrefix.trim();
        String unit = unitFor(target.info().engine());
        RollbackMonitor monitor = new RollbackMonitor(unit);
        Snapshot first = target.snapshot();
        Optional<Session> s1 = same(first, key);
        if (s1.isEmpty()) {
            return gone(key, first);
        }
        monitor.record(s1.get().transactionSize(), ticker.nanoTime());
        Snapshot snap = first;
        Session s = s1.get();
        if (sample != null && !sample.isZero() && !sample.isNegative()) {
            ticker.sleep(sample);
            snap = target.snapshot();
            Optional<Session> s2 = same(snap, key);
            if (s2.isEmpty()) {
                return gone(key, snap);
            }
            s = s2.get();
            monitor.record(s.transactionSize(), ticker.nanoTime());
        }
        RollbackProgress progress = s.state() == SessionState.TERMINATING && sample != null && !sample.isZero()
                ? monitor.progress() : null;

        List<Explanation.Finding> findings = new ArrayList<>();
        List<Explanation.Blocked> blocked = blockedBy(snap, s.ref());
        Optional<GuardChain.Refusal> refusal = guards.check(s, snap);
        String distributed = s.attributes().get(ATTR_DISTRIBUTED);
        String locks = s.attributes().get(ATTR_LOCKS_HELD);

        ProcessInfo process = null;
        String processNote = null;
        Optional<String> shared = sharedServer(s, snap);
        if (target.info().engine().family() == Engine.Family.MYSQL) {
            processNote = "sessions are threads of the one server process: no per-session OS kill";
        } else if (shared.isPresent()) {
            processNote = shared.get();
            findings.add(new Explanation.Finding("shared-server", shared.get() + "; an OS-level kill is not possible"));
        } else if (host != null && s.serverProcess() != null && s.serverProcess().matches("\\d{1,10}")) {
            try {
                process = host.process(Long.parseLong(s.serverProcess())).orElse(null);
                processNote = process == null ? "no such process on " + host.host()
                        : process.isUninterruptible() ? "state D: blocked in the kernel on I/O" : "state " + process.state();
            } catch (HostAccessException e) {
                processNote = "could not read the process: " + e.getMessage();
            }
        } else if (host == null) {
            processNote = "host access not configured";
        }

        Duration inState = s.timeInState(snap.serverTime());
        Explanation.NextStep next = analyse(s, snap, progress, refusal, distributed, process, shared, blocked,
                findings, prefix, unit);
        return new Explanation(key, s, false, s.state().label(), waitOf(s), inState, s.transactionSize(),
                s.transactionSize() == null ? null : unit, progress, distributed, s.key().instance(), s.serverProcess(),
                process, processNote, locks, blocked, refusal.map(r -> r.guard() + ": " + r.reason()).orElse(null),
                findings, next);
    }

    private Explanation.NextStep analyse(Session s, Snapshot snap, RollbackProgress progress,
                                         Optional<GuardChain.Refusal> refusal, String distributed, ProcessInfo process,
                                         Optional<String> shared, List<Explanation.Blocked> blocked,
                                         List<Explanation.Finding> findings, String prefix, String unit) {
        String key = s.key().printable();
        Engine.Family family = target.info().engine().family();
        if (!blocked.isEmpty()) {
            findings.add(new Explanation.Finding("blocking", blocked.size() + " session(s) wait on it"
                    + (s.state() == SessionState.TERMINATING ? "; they are released when it finishes ending" : "")));
        }
        if (distributed != null) {
            findings.add(new Explanation.Finding("distributed-transaction", "it takes part in a distributed transaction ("
                    + distributed + "): ending it needs the remote database to answer; a transaction left in doubt"
                    + " stays (Oracle: DBA_2PC_PENDING) and holds its locks after the session is gone"));
        }
        if (process != null && process.isUninterruptible()) {
            findings.add(new Explanation.Finding("uninterruptible-io", "its server process " + process.pid()
                    + " is in state D (waiting on I/O in the kernel): no signal, not even SIGKILL, acts until the I/O"
                    + " returns; look at the storage"));
        }
        String wait = waitOf(s);
        // idle sessions always wait on their client; the wait matters only for one running or being ended
        if (wait != null && isNetworkWait(wait)
                && (s.state() == SessionState.ACTIVE || s.state() == SessionState.TERMINATING)) {
            findings.add(new Explanation.Finding("network-wait", "it waits on the network or a remote database ("
                    + wait + "): a kill is noticed only when that call returns"));
        }
        // the dialect's hint (Oracle: a User/System I/O wait) when the host itself was not asked
        if (s.attributes().containsKey(ATTR_OS_WAIT) && (wait == null || !isNetworkWait(wait))
                && (process == null || !process.isUninterruptible())
                && (s.state() == SessionState.ACTIVE || s.state() == SessionState.TERMINATING)) {
            String seconds = s.attributes().get(ATTR_WAIT_SECONDS);
            findings.add(new Explanation.Finding("io-wait", "it waits on the operating system (" + wait
                    + (seconds == null ? "" : ", for " + seconds + "s") + "): " + s.attributes().get(ATTR_OS_WAIT)
                    + (host == null ? "; with --host-access, explain shows the process state" : "")));
        }
        if (refusal.isPresent() && s.state() != SessionState.TERMINATING) {
            findings.add(0, new Explanation.Finding("protected", "sessionctl will not end it: guard "
                    + refusal.get().guard() + " (" + refusal.get().reason() + ")"));
            return new Explanation.NextStep("none", null, "protected by guard " + refusal.get().guard()
                    + "; ask its owner, or change the protection configuration if this is wrong");
        }
        if (s.state() == SessionState.TERMINATING) {
            if (progress != null && progress.remaining() != null && progress.progressing()) {
                findings.add(0, new Explanation.Finding("rolling-back", progress.describe()
                        + ". It is undoing its transaction: ending it again would not help and can make recovery longer"));
                return new Explanation.NextStep("wait", command(prefix, "explain", key, "--sample 30s"),
                        "let the rollback finish" + (progress.eta() == null ? "" : " (ETA " + fmt(progress.eta()) + ")")
                                + "; check progress again");
            }
            String measured = progress == null ? "progress was not sampled (use --sample)"
                    : progress.remaining() == null ? "the engine reports no transaction size"
                    : "no progress over " + fmt(progress.watchedFor()) + " (" + progress.remaining() + " " + unit + " left)";
            findings.add(0, new Explanation.Finding(progress == null ? "terminating-unmeasured" : "stalled",
                    "already told to end but still here; " + measured));
            String inDoubt = s.attributes().get(ATTR_DISTRIBUTED_STATE);
            if (distributed != null && inDoubt != null) {
                // an in-doubt transaction outlives its session: no kill, not even of the process, frees its locks
                String advice = s.attributes().get(ATTR_DISTRIBUTED_ADVICE);
                String localId = s.attributes().getOrDefault(ATTR_LOCAL_TRANSACTION, distributed);
                return new Explanation.NextStep("resolve-in-doubt", null, "its distributed transaction is in doubt"
                        + " (DBA_2PC_PENDING state " + inDoubt + (advice == null ? "" : ", advice " + advice) + "): ending"
                        + " the session does not release its locks. Restore the database link so RECO resolves it, or have"
                        + " a DBA agree the outcome with the other databases and run COMMIT FORCE '" + localId + "' or"
                        + " ROLLBACK FORCE '" + localId + "'");
            }
            if (progress == null) {
                return new Explanation.NextStep("wait", command(prefix, "explain", key, "--sample 30s"),
                        "measure whether it is rolling back before doing anything more");
            }
            if (distributed != null && family == Engine.Family.ORACLE) {
                // killing the server process mid-commit would leave the transaction in doubt, holding its locks
                return new Explanation.NextStep("escalate", command(prefix, "kill", key,
                        "--escalate --ladder terminate-immediate:1m,disconnect-immediate:1m"),
                        "it waits on the remote database of its distributed transaction: check the database link first;"
                                + " then KILL SESSION IMMEDIATE and DISCONNECT SESSION IMMEDIATE only, no OS kill (a killed"
                                + " process can leave the transaction in doubt in DBA_2PC_PENDING, still holding its locks)");
            }
            return new Explanation.NextStep("escalate", command(prefix, "kill", key, "--escalate"),
                    nextRung(family, shared.isPresent()) + " (the ladder watches it first and escalates only if it stays stalled)");
        }
        if (s.state() == SessionState.IDLE_IN_TRANSACTION) {
            findings.add(0, new Explanation.Finding("idle-in-transaction", "idle in an open transaction"
                    + (s.transactionStart() == null ? "" : " since " + s.transactionStart())
                    + ": it holds its locks until the transaction ends; the application forgot to commit"));
            return new Explanation.NextStep("terminate", command(prefix, "kill", key, "--wait"),
                    "ending it rolls back only its open transaction"
                            + (s.transactionSize() == null ? "" : " (" + s.transactionSize() + " " + unit + ")")
                            + " and frees what it holds");
        }
        Optional<Session> root = s.state() == SessionState.ACTIVE && s.isWaitingOnSession() ? rootBlockerOf(snap, s.ref())
                : Optional.empty();
        if (root.isPresent()) {
            // a waiter is slow because of its root blocker: cancelling the waiter frees nothing
            Session r = root.get();
            String rootKey = r.key().printable();
            findings.add(0, new Explanation.Finding("waiting-on-blocker", "it waits"
                    + (s.timeInState(snap.serverTime()) == null ? "" : " for " + fmt(s.timeInState(snap.serverTime())))
                    + (wait == null ? "" : " on " + wait) + " behind root blocker " + rootKey + " ("
                    + (r.user() == null ? "" : r.user() + ", ") + r.state().label() + "): it runs again as soon as"
                    + " that session commits or ends"));
            return new Explanation.NextStep("explain-blocker", command(prefix, "explain", rootKey, "--sample 0"),
                    "the cause is root blocker " + rootKey + ": see why it holds its locks and end it if it must go;"
                            + " to stop only this statement instead: " + command(prefix, "kill", key, "--cancel --wait"));
        }
        if (s.state() == SessionState.ACTIVE) {
            findings.add(0, new Explanation.Finding("long-statement", "running a statement"
                    + (s.queryAge(snap.serverTime()) == null ? "" : " for " + fmt(s.queryAge(snap.serverTime())))
                    + (wait == null ? "" : ", waiting on " + wait)));
            if (s.transactionSize() != null && s.transactionSize() > 0) {
                findings.add(new Explanation.Finding("large-transaction", "its transaction holds " + s.transactionSize()
                        + " " + unit + ": ending it means rolling all of that back, which can take about as long as it took"));
            }
            return new Explanation.NextStep("cancel", command(prefix, "kill", key, "--cancel --wait"),
                    "stop only the statement first; if it does not stop, " + command(prefix, "kill", key, "--escalate"));
        }
        return new Explanation.NextStep("terminate", command(prefix, "kill", key, "--wait"),
                "nothing holds it; a plain terminate should end it");
    }

    /**
     * {@code sessionctl VERB KEY [target options] ARGS}: target options are options of each command, not of
     * {@code sessionctl} itself, so they must follow the command for the suggestion to run as printed.
     */
    static String command(String prefix, String verb, String key, String args) {
        String[] parts = prefix.trim().split("\\s+", 2);
        String targetArgs = parts.length > 1 ? " " + parts[1] : "";
        return parts[0] + " " + verb + " " + key + targetArgs + " " + args;
    }

    private static String nextRung(Engine.Family family, boolean shared) {
        return switch (family) {
            case ORACLE -> shared ? "next: KILL SESSION IMMEDIATE, then DISCONNECT SESSION IMMEDIATE (no OS kill: shared server)"
                    : "next: KILL SESSION IMMEDIATE, then DISCONNECT SESSION IMMEDIATE, then an OS kill of its server process";
            case POSTGRESQL -> "next: SIGTERM to its backend through host access";
            case MYSQL -> "there is no stronger engine action than KILL; it must finish its rollback";
        };
    }

    private Explanation gone(SessionKey key, Snapshot snap) {
        Optional<Session> other = snap.find(key.ref());
        String text = other.isPresent() ? "the id " + key.ref() + " now belongs to another session ("
                + other.get().key().printable() + "); the session named is gone" : "the session is no longer listed";
        return new Explanation(key, null, true, "gone", null, null, null, null, null, null, key.instance(), null, null,
                null, null, List.of(), null, List.of(new Explanation.Finding("gone", text)),
                new Explanation.NextStep("none", null, "nothing left to end"));
    }

    private static Optional<Session> same(Snapshot snap, SessionKey key) {
        return snap.find(key.ref()).filter(s -> s.key().incarnation().equals(key.incarnation()));
    }

    /** The root blocker whose tree holds this waiter, if the blocking analysis finds one (not in a deadlock). */
    private static Optional<Session> rootBlockerOf(Snapshot snap, SessionRef ref) {
        for (BlockingReport.Root root : BlockingAnalyzer.analyze(snap).roots()) {
            if (root.waiters().stream().anyMatch(w -> w.session().ref().equals(ref))) {
                return Optional.of(root.session());
            }
        }
        return Optional.empty();
    }

    private static List<Explanation.Blocked> blockedBy(Snapshot snap, SessionRef ref) {
        BlockingReport report = BlockingAnalyzer.analyze(snap);
        List<Explanation.Blocked> out = new ArrayList<>();
        for (BlockingReport.Root root : report.roots()) {
            if (root.ref().equals(ref)) {
                for (BlockingReport.Waiter w : root.waiters()) {
                    out.add(new Explanation.Blocked(w.session().key().printable(), w.session().user(), w.level(), w.waited()));
                }
                return out;
            }
        }
        // not a root: direct waiters only
        for (Session w : snap.sessions()) {
            if (w.blockedBy().contains(ref)) {
                out.add(new Explanation.Blocked(w.key().printable(), w.user(), 1, w.timeInState(snap.serverTime())));
            }
        }
        return out;
    }

    private static Optional<String> sharedServer(Session s, Snapshot snap) {
        return OsProcessKiller.refusalForSharing(s, snap);
    }

    private static String waitOf(Session s) {
        if (s.waitEvent() == null) {
            return null;
        }
        return s.waitEventType() == null ? s.waitEvent() : s.waitEventType() + ": " + s.waitEvent();
    }

    static boolean isNetworkWait(String wait) {
        String w = wait.toLowerCase(Locale.ROOT);
        return w.contains("dblink") || w.contains("sql*net") || w.contains("network") || w.contains("clientread")
                || w.contains("clientwrite") || w.startsWith("client:");
    }

    static String unitFor(Engine engine) {
        return switch (engine.family()) {
            case ORACLE -> "undo blocks";
            case MYSQL -> "rows";
            case POSTGRESQL -> "units";
        };
    }

    private static String fmt(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? s / 3600 + "h" + (s % 3600) / 60 + "m" : s >= 60 ? s / 60 + "m" + s % 60 + "s" : s + "s";
    }
}
