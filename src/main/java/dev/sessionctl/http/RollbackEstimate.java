package dev.sessionctl.http;

import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionState;
import java.time.Duration;
import java.time.Instant;

/**
 * What ending a session's transaction will cost, in words, before anyone confirms: the facts the
 * engine reports (open transaction, its age, its size) and how that engine rolls back.
 */
final class RollbackEstimate {

    private RollbackEstimate() {
    }

    static String describe(Engine engine, Session s, Instant now) {
        Duration age = s.transactionAge(now);
        boolean idleInTransaction = s.state() == SessionState.IDLE_IN_TRANSACTION;
        if (s.transactionStart() == null && s.transactionSize() == null && !idleInTransaction) {
            return "no open transaction reported: nothing to roll back";
        }
        // PostgreSQL reports no start for a transaction aborted by an error: it is still open until ROLLBACK
        String open = age != null ? "transaction open " + Durations.format(age) + "; "
                : idleInTransaction ? "a transaction is open (its start is not reported); " : "";
        Engine.Family family = engine == null ? null : engine.family();
        if (family == Engine.Family.POSTGRESQL) {
            return open + "PostgreSQL aborts without undoing row by row (no undo log to apply): the rollback is"
                    + " near-instant and the locks are released as the backend exits";
        }
        if (family == Engine.Family.MYSQL) {
            return s.transactionSize() == null
                    ? open + "InnoDB undoes the changes row by row; size not reported"
                    : open + "InnoDB must undo " + s.transactionSize() + " modified row(s); rollback can take about as"
                      + " long as making the changes took" + (age == null ? "" : " (up to ~" + Durations.format(age) + ")");
        }
        if (family == Engine.Family.ORACLE) {
            return s.transactionSize() == null
                    ? open + "Oracle rolls back using undo; size not reported"
                    : open + s.transactionSize() + " undo block(s) to apply; the session shows KILLED while it rolls"
                      + " back and can take as long as the work took (explain shows progress and ETA)";
        }
        return open + "rollback cost unknown for this engine";
    }
}
