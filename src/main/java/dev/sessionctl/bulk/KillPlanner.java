package dev.sessionctl.bulk;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Builds a {@link KillPlan} from one snapshot: the selection (a predicate plus its description),
 * the blocking graph for the order and the "why", the guards for the refusals to expect, and the
 * target for the exact statements. sessionctl's own connection is never selected.
 */
public final class KillPlanner {

    private final TargetConnection target;
    private final GuardChain guards;

    public KillPlanner(TargetConnection target, GuardChain guards) {
        this.target = target;
        this.guards = guards;
    }

    /** Sessions of a database user (exact, case-insensitive). */
    public static Predicate<Session> byUser(String user) {
        return s -> s.user() != null && s.user().equalsIgnoreCase(user);
    }

    /** Sessions running a statement with this SQL id (Oracle SQL_ID, PostgreSQL query_id). */
    public static Predicate<Session> bySqlId(String sqlId) {
        return s -> Objects.equals(s.sqlId(), sqlId);
    }

    /** Sessions holding a lock on the table, as the engine reports them ({@link TargetConnection#lockHolders}). */
    public Predicate<Session> lockHoldersOf(String table) {
        Set<SessionRef> holders = target.lockHolders(table);
        return s -> holders.contains(s.ref());
    }

    public KillPlan plan(Snapshot snap, Predicate<Session> selection, String selectionText, KillAction action,
                         KillPlan.Order order, Integer max) {
        if (max != null && max < 1) {
            throw new IllegalArgumentException("invalid max " + max + "; expected a positive number");
        }
        BlockingReport report = BlockingAnalyzer.analyze(snap);
        Map<SessionRef, Integer> rootBlocked = new HashMap<>();
        for (BlockingReport.Root r : report.roots()) {
            rootBlocked.put(r.ref(), r.totalBlocked());
        }
        Map<SessionRef, Integer> directWaiters = new HashMap<>();
        for (Session s : snap.sessions()) {
            for (SessionRef b : s.blockedBy()) {
                directWaiters.merge(b, 1, Integer::sum);
            }
        }
        List<Session> chosen = new ArrayList<>();
        for (Session s : snap.sessions()) {
            if (!snap.isOwn(s.ref()) && selection.test(s)) {
                chosen.add(s);
            }
        }
        Comparator<Session> oldest = Comparator.comparing(
                (Session s) -> Optional.ofNullable(s.timeInState(snap.serverTime())).orElse(Duration.ZERO)).reversed();
        Comparator<Session> cmp = order == KillPlan.Order.ROOTS_FIRST
                ? Comparator.comparing((Session s) -> rootBlocked.containsKey(s.ref()) ? 0 : directWaiters.containsKey(s.ref()) ? 1 : 2)
                        .thenComparing(s -> -rootBlocked.getOrDefault(s.ref(), directWaiters.getOrDefault(s.ref(), 0)))
                        .thenComparing(oldest)
                : oldest;
        chosen.sort(cmp.thenComparing(Session::ref));
        List<KillPlan.Entry> entries = new ArrayList<>();
        List<KillPlan.Entry> over = new ArrayList<>();
        int pos = 0;
        for (Session s : chosen) {
            pos++;
            Optional<GuardChain.Refusal> refusal = guards.check(s, snap);
            String statement = null;
            if (refusal.isEmpty() && target.supportedActions().contains(action)) {
                statement = target.statementFor(action, s);
            }
            KillPlan.Entry e = new KillPlan.Entry(pos, s, why(s, snap, selectionText, rootBlocked, directWaiters),
                    refusal.map(GuardChain.Refusal::toString).orElse(null), statement);
            if (max != null && entries.size() >= max) {
                over.add(e);
            } else {
                entries.add(e);
            }
        }
        return new KillPlan(snap.target(), snap.serverTime(), action, order, selectionText, entries, over, max);
    }

    private static String why(Session s, Snapshot snap, String selectionText, Map<SessionRef, Integer> rootBlocked,
                              Map<SessionRef, Integer> directWaiters) {
        StringBuilder b = new StringBuilder("matches ").append(selectionText);
        Integer blocked = rootBlocked.get(s.ref());
        if (blocked != null) {
            b.append("; root blocker: ").append(blocked).append(" session(s) wait on it");
        } else if (directWaiters.containsKey(s.ref())) {
            b.append("; blocks ").append(directWaiters.get(s.ref())).append(" session(s) but waits itself");
        }
        Duration in = s.timeInState(snap.serverTime());
        b.append("; ").append(s.state().label());
        if (in != null) {
            b.append(" for ").append(in.toSeconds()).append("s");
        }
        return b.toString();
    }
}
