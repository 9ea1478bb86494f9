package dev.sessionctl.watch;

import dev.sessionctl.model.Durations;
import dev.sessionctl.model.SessionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One watch rule: which sessions it matches, the thresholds they must have held for, which of them
 * are victims, and what to do.
 *
 * @param maxTransactionSize skip a victim whose transaction is larger than this (rows / undo blocks):
 *                           its rollback would cost more than it saves; null = no limit
 * @param limit              at most this many actions per interval for this rule (all targets); null = none
 * @param dryRun             this rule only decides and prints, whatever the global setting
 * @param allowWaiters       a session that itself waits on another session may be a victim (default: no,
 *                           the root blocker is the cause)
 * @param line               line of the rule in its policy file (for messages), 0 when built in code
 */
public record Rule(String name, Match match, Thresholds thresholds, Long maxTransactionSize, Victims victims,
                   WatchAction action, Limit limit, boolean dryRun, boolean allowWaiters, int line) {

    public Rule {
        match = match == null ? Match.ANY : match;
        thresholds = thresholds == null ? Thresholds.NONE : thresholds;
        victims = victims == null ? Victims.ALL : victims;
        action = action == null ? WatchAction.REPORT : action;
    }

    /** Whether only roots can be victims: asked for, or implied by a blocking threshold. */
    public boolean rootsOnly() {
        return victims == Victims.ROOT_BLOCKER || thresholds.blocking() != null || thresholds.waiters() != null;
    }

    /** Session attributes a rule matches on. Lists are alternatives (any of), fields combine (all of). Null or empty = any. */
    public record Match(List<String> users, List<String> databases, List<String> programs, List<String> hosts,
                        List<String> modules, Pattern sql, List<String> sqlIds, Set<SessionState> states,
                        List<String> waitEvents) {

        public static final Match ANY = new Match(null, null, null, null, null, null, null, null, null);

        public Match {
            users = copy(users);
            databases = copy(databases);
            programs = copy(programs);
            hosts = copy(hosts);
            modules = copy(modules);
            sqlIds = copy(sqlIds);
            waitEvents = copy(waitEvents);
            states = states == null ? Set.of() : Set.copyOf(states);
        }

        private static List<String> copy(List<String> l) {
            return l == null ? List.of() : List.copyOf(l);
        }
    }

    /**
     * How long (or how much) a session must have shown a condition, by the server's clock. Every set
     * threshold must hold. Null = not used.
     *
     * @param busy              running its current statement at least this long
     * @param idle              no statement running (idle, or idle in transaction) at least this long
     * @param idleInTransaction idle with a transaction open at least this long
     * @param blocking          a root blocker whose waiters have waited at least this long
     * @param waiters           a root blocker holding at least this many sessions (directly or not)
     * @param transactionAge    transaction open at least this long
     */
    public record Thresholds(Duration busy, Duration idle, Duration idleInTransaction, Duration blocking,
                             Integer waiters, Duration transactionAge) {

        public static final Thresholds NONE = new Thresholds(null, null, null, null, null, null);

        public boolean isEmpty() {
            return busy == null && idle == null && idleInTransaction == null && blocking == null && waiters == null
                    && transactionAge == null;
        }

        /** "idleInTransaction 30s, waiters 1" for messages. */
        public String describe() {
            List<String> parts = new ArrayList<>();
            add(parts, "busy", busy);
            add(parts, "idle", idle);
            add(parts, "idleInTransaction", idleInTransaction);
            add(parts, "blocking", blocking);
            if (waiters != null) {
                parts.add("waiters " + waiters);
            }
            add(parts, "transactionAge", transactionAge);
            return String.join(", ", parts);
        }

        private static void add(List<String> parts, String name, Duration d) {
            if (d != null) {
                parts.add(name + " " + Durations.format(d));
            }
        }
    }

    /** At most {@code actions} acting decisions per {@code per}. */
    public record Limit(int actions, Duration per) {
    }
}
