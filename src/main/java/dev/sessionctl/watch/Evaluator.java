package dev.sessionctl.watch;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Rule evaluation, a pure function: (policy, snapshot, guards, rule-limit state, now) -> decisions
 * with reasons. Nothing here talks to a database or changes state; the {@link Watchdog} acts on
 * the decisions, and {@code watch --once --dry-run} prints them.
 *
 * <p>Every duration is measured on the server's clock ({@link Snapshot#serverTime()}) from the
 * server's own timestamps, so a session is a victim only once it has held the condition for the
 * full threshold; a session that will cross later gets a {@link Decision.Verdict#PENDING} decision
 * with the moment it crosses, for deadline scheduling.
 */
public final class Evaluator {

    /** Optional session attribute (ISO-8601 instant) a dialect may set with the start of a lock wait. */
    public static final String LOCK_WAIT_START = "lockWaitStart";
    /** Session attribute matched by a rule's {@code modules} (Oracle MODULE, or what a dialect maps). */
    public static final String MODULE = "module";

    private Evaluator() {
    }

    public static Evaluation evaluate(Policy policy, Snapshot snapshot, GuardChain guards, WatchState state,
                                      Instant now) {
        Context ctx = new Context(snapshot);
        List<Decision> out = new ArrayList<>();
        Set<SessionRef> chosen = new HashSet<>();
        Map<SessionRef, String> chosenBy = new HashMap<>();
        for (Rule rule : policy.rules()) {
            evaluateRule(policy, rule, ctx, guards, state, now, chosen, chosenBy, out);
        }
        return new Evaluation(snapshot.target(), snapshot.serverTime(), out);
    }

    private static void evaluateRule(Policy policy, Rule rule, Context ctx, GuardChain guards, WatchState state,
                                     Instant now, Set<SessionRef> chosen, Map<SessionRef, String> chosenBy,
                                     List<Decision> out) {
        List<Assessment> crossed = new ArrayList<>();
        List<Assessment> pending = new ArrayList<>();
        for (Session s : ctx.snapshot.sessions()) {
            Optional<Assessment> a = assess(rule, s, ctx);
            if (a.isEmpty()) {
                continue;
            }
            (a.get().crossesAt.isAfter(ctx.now) ? pending : crossed).add(a.get());
        }
        Comparator<Assessment> longestFirst = Comparator.comparing((Assessment a) -> a.crossesAt)
                .thenComparing(a -> a.session.ref());
        crossed.sort(longestFirst);
        pending.sort(longestFirst);

        List<Assessment> victims = new ArrayList<>();
        for (Assessment a : crossed) {
            if (a.waitsOn != null) {
                out.add(a.decision(rule, ctx, Decision.Verdict.SPARED, a.reason + "; but it waits on " + a.waitsOn
                        + ": its root blocker is the cause (allowWaiters: true to act on waiters)"));
            } else {
                victims.add(a);
            }
        }
        if (rule.victims() == Victims.OLDEST || rule.victims() == Victims.ALL_BUT_OLDEST) {
            // protection wins before choosing "the oldest", so OLDEST never falls back to nothing
            // because the oldest is protected, and ALL_BUT_OLDEST keeps the oldest unprotected one
            List<Assessment> eligible = new ArrayList<>();
            for (Assessment a : victims) {
                Optional<GuardChain.Refusal> r = guards.check(a.session, ctx.snapshot);
                if (r.isPresent()) {
                    out.add(a.decision(rule, ctx, Decision.Verdict.PROTECTED, a.reason + "; protected: " + r.get()));
                } else {
                    eligible.add(a);
                }
            }
            victims = eligible;
            if (!victims.isEmpty()) {
                Assessment oldest = victims.get(0);
                if (rule.victims() == Victims.OLDEST) {
                    for (Assessment a : victims.subList(1, victims.size())) {
                        out.add(a.decision(rule, ctx, Decision.Verdict.SPARED, a.reason
                                + "; not the oldest (victims: oldest chose " + oldest.session.key().printable() + ")"));
                    }
                    victims = List.of(oldest);
                } else {
                    out.add(oldest.decision(rule, ctx, Decision.Verdict.SPARED, oldest.reason
                            + "; kept as the oldest (victims: all-but-oldest)"));
                    victims = victims.subList(1, victims.size());
                }
            }
        }
        int used = rule.limit() == null ? 0 : state.actionsInWindow(rule.name(), rule.limit().per(), now);
        for (Assessment a : victims) {
            SessionRef ref = a.session.ref();
            Optional<GuardChain.Refusal> refusal = guards.check(a.session, ctx.snapshot);
            boolean dry = policy.dryRun() || rule.dryRun();
            if (refusal.isPresent()) {
                out.add(a.decision(rule, ctx, Decision.Verdict.PROTECTED, a.reason + "; protected: " + refusal.get()));
            } else if (rule.action() == WatchAction.REPORT) {
                out.add(a.decision(rule, ctx, Decision.Verdict.REPORT, a.reason));
            } else if (chosen.contains(ref)) {
                out.add(a.decision(rule, ctx, Decision.Verdict.SPARED, a.reason + "; already chosen by rule '"
                        + chosenBy.get(ref) + "'"));
            } else if (rule.maxTransactionSize() != null && a.session.transactionSize() != null
                    && a.session.transactionSize() > rule.maxTransactionSize()) {
                out.add(a.decision(rule, ctx, Decision.Verdict.TOO_LARGE, a.reason + "; skipped: transaction size "
                        + a.session.transactionSize() + " exceeds maxTransactionSize " + rule.maxTransactionSize()
                        + " (its rollback would cost more than it saves)"));
            } else if (dry) {
                chosen.add(ref);
                chosenBy.put(ref, rule.name());
                out.add(a.decision(rule, ctx, Decision.Verdict.DRY_RUN, a.reason + "; dry run: would " + rule.action().label()));
            } else if (rule.limit() != null && used >= rule.limit().actions()) {
                out.add(a.decision(rule, ctx, Decision.Verdict.RATE_LIMITED, a.reason + "; limit of "
                        + rule.limit().actions() + " action(s) per " + Durations.format(rule.limit().per()) + " reached"));
            } else {
                used++;
                chosen.add(ref);
                chosenBy.put(ref, rule.name());
                out.add(a.decision(rule, ctx, Decision.Verdict.ACT, a.reason));
            }
        }
        if (rule.victims() == Victims.OLDEST && !victims.isEmpty()) {
            return; // the one victim is chosen; sessions crossing later are not victims this round
        }
        for (Assessment a : pending) {
            if (a.waitsOn != null || guards.check(a.session, ctx.snapshot).isPresent()) {
                continue; // could never be a victim: no deadline to keep
            }
            out.add(a.decision(rule, ctx, Decision.Verdict.PENDING, a.reason + "; crosses in "
                    + Durations.format(Duration.between(ctx.now, a.crossesAt))));
            if (rule.victims() == Victims.OLDEST) {
                break;
            }
        }
    }

    /**
     * Whether {@code s} matches everything in {@code rule} except, possibly, time: empty when it does
     * not match (or its clocks are unknown), else when it crosses all thresholds and why.
     */
    static Optional<Assessment> assess(Rule rule, Session s, Context ctx) {
        if (s.kind() != SessionKind.CLIENT || ctx.snapshot.isOwn(s.ref()) || !matches(rule.match(), s)) {
            return Optional.empty();
        }
        Rule.Thresholds t = rule.thresholds();
        Instant now = ctx.now;
        List<String> why = new ArrayList<>();
        Instant crosses = Instant.MIN;
        RootInfo root = ctx.roots.get(s.ref());
        if (rule.rootsOnly()) {
            if (root == null) {
                return Optional.empty();
            }
            if (t.waiters() != null && root.blocked < t.waiters()) {
                return Optional.empty();
            }
        }
        if (t.busy() != null) {
            Instant start = s.queryStart() != null ? s.queryStart() : s.stateSince();
            if (s.state() != SessionState.ACTIVE || start == null) {
                return Optional.empty();
            }
            crosses = later(crosses, start.plus(t.busy()));
            why.add("busy " + since(start, now) + " (busy >= " + Durations.format(t.busy()) + ")");
        }
        if (t.idle() != null) {
            if ((s.state() != SessionState.IDLE && s.state() != SessionState.IDLE_IN_TRANSACTION) || s.stateSince() == null) {
                return Optional.empty();
            }
            crosses = later(crosses, s.stateSince().plus(t.idle()));
            why.add(s.state().label() + " " + since(s.stateSince(), now) + " (idle >= " + Durations.format(t.idle()) + ")");
        }
        if (t.idleInTransaction() != null) {
            if (s.state() != SessionState.IDLE_IN_TRANSACTION || s.stateSince() == null) {
                return Optional.empty();
            }
            crosses = later(crosses, s.stateSince().plus(t.idleInTransaction()));
            why.add("idle in transaction " + since(s.stateSince(), now) + " (idleInTransaction >= "
                    + Durations.format(t.idleInTransaction()) + ")");
        }
        if (t.transactionAge() != null) {
            if (s.transactionStart() == null) {
                return Optional.empty();
            }
            crosses = later(crosses, s.transactionStart().plus(t.transactionAge()));
            why.add("transaction open " + since(s.transactionStart(), now) + " (transactionAge >= "
                    + Durations.format(t.transactionAge()) + ")");
        }
        if (t.blocking() != null) {
            if (root.blockingSince == null) {
                return Optional.empty();
            }
            crosses = later(crosses, root.blockingSince.plus(t.blocking()));
            why.add("blocking " + since(root.blockingSince, now) + " (blocking >= " + Durations.format(t.blocking()) + ")");
        }
        if (root != null) {
            why.add("root blocker of " + root.blocked + " session(s)" + (t.waiters() == null ? "" : " (waiters >= "
                    + t.waiters() + ")"));
        }
        if (crosses.equals(Instant.MIN)) {
            crosses = now; // only count thresholds (waiters): they hold now
        }
        String waitsOn = null;
        if (!rule.allowWaiters() && s.isWaitingOnSession()) {
            waitsOn = s.blockedBy().get(0).toString();
        }
        return Optional.of(new Assessment(s, crosses, String.join(", ", why), waitsOn,
                root == null ? List.of() : root.waiters));
    }

    static boolean matches(Rule.Match m, Session s) {
        return any(m.users(), s.user()) && any(m.databases(), s.database()) && any(m.programs(), s.program())
                && any(m.hosts(), s.clientHost()) && any(m.modules(), s.attributes().get(MODULE))
                && (m.sql() == null || s.sqlText() != null && m.sql().matcher(s.sqlText()).find())
                && (m.sqlIds().isEmpty() || s.sqlId() != null && m.sqlIds().stream().anyMatch(id -> id.equalsIgnoreCase(s.sqlId())))
                && (m.states().isEmpty() || m.states().contains(s.state()))
                && (m.waitEvents().isEmpty() || dev.sessionctl.model.Globs.firstMatch(m.waitEvents(), s.waitEvent()) != null
                    || dev.sessionctl.model.Globs.firstMatch(m.waitEvents(), s.waitEventType()) != null);
    }

    private static boolean any(List<String> globs, String value) {
        return globs.isEmpty() || dev.sessionctl.model.Globs.firstMatch(globs, value) != null;
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static String since(Instant start, Instant now) {
        Duration d = Duration.between(start, now);
        return Durations.format(d.isNegative() ? Duration.ZERO : d);
    }

    /** When a waiter started waiting: the dialect's lock wait start if it has one, else its state change. */
    static Instant waitStart(Session w) {
        String attr = w.attributes().get(LOCK_WAIT_START);
        if (attr != null) {
            try {
                return Instant.parse(attr);
            } catch (DateTimeParseException ignored) {
                // fall back to the state change
            }
        }
        return w.stateSince() != null ? w.stateSince() : w.queryStart();
    }

    record RootInfo(int blocked, Instant blockingSince, List<SessionRef> waiters) {
    }

    /** Per-snapshot facts shared by every rule: the clock and the root blockers. */
    static final class Context {
        final Snapshot snapshot;
        final Instant now;
        final Map<SessionRef, RootInfo> roots = new HashMap<>();

        Context(Snapshot snapshot) {
            this.snapshot = snapshot;
            this.now = snapshot.serverTime();
            BlockingReport report = BlockingAnalyzer.analyze(snapshot);
            for (BlockingReport.Root r : report.roots()) {
                if (r.session() == null) {
                    continue;
                }
                Instant since = null;
                List<SessionRef> waiters = new ArrayList<>();
                for (BlockingReport.Waiter w : r.waiters()) {
                    waiters.add(w.session().ref());
                    Instant ws = waitStart(w.session());
                    if (ws != null && (since == null || ws.isBefore(since))) {
                        since = ws;
                    }
                }
                roots.put(r.ref(), new RootInfo(r.totalBlocked(), since, waiters));
            }
        }
    }

    record Assessment(Session session, Instant crossesAt, String reason, String waitsOn, List<SessionRef> waiters) {
        Decision decision(Rule rule, Context ctx, Decision.Verdict v, String why) {
            return new Decision(rule.name(), ctx.snapshot.target(), session, v, rule.action(), why, crossesAt, waiters);
        }
    }
}
