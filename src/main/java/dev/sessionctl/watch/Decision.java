package dev.sessionctl.watch;

import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What one rule decided about one session in one evaluation, and why.
 *
 * @param crossesAt when (server clock) the session crossed or will cross the rule's thresholds
 * @param waiters   for a root blocker, the sessions it holds (re-read at a deadline re-check)
 */
public record Decision(String rule, String target, Session session, Verdict verdict, WatchAction action,
                       String reason, Instant crossesAt, List<SessionRef> waiters) {

    public Decision {
        waiters = waiters == null ? List.of() : List.copyOf(waiters);
    }

    public enum Verdict {
        /** Act now (cancel, kill or escalate). */
        ACT,
        /** Would act, but the rule or the whole policy is a dry run. */
        DRY_RUN,
        /** The rule only reports. */
        REPORT,
        /** Matches everything but time: it crosses its threshold at {@link #crossesAt()}. */
        PENDING,
        /** A guard or the protected lists refuse it: protection always wins. */
        PROTECTED,
        /** Its rollback would be larger than the rule's maxTransactionSize. */
        TOO_LARGE,
        /** The rule reached its limit of actions per interval. */
        RATE_LIMITED,
        /** Matches but is not a victim: a waiter (its root is the cause), the oldest kept, or chosen by an earlier rule. */
        SPARED;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public Decision withVerdict(Verdict v, String why) {
        return new Decision(rule, target, session, v, action, why, crossesAt, waiters);
    }
}
