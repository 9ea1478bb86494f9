package dev.sessionctl.target;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The core's only view of a database: JDBC-free, so the core (analysis, guards, kill, watch) never
 * sees SQL. Dialects implement it over a JDBC connection; tests and the Oracle simulator implement
 * it too. Implementations are not thread-safe: one caller at a time.
 *
 * <p>Every method throws {@link TargetException} (unchecked) with a classified kind.
 */
public interface TargetConnection extends AutoCloseable {

    TargetInfo info();

    /** Reads every session, with wait-for edges and the tool's own session(s) marked. */
    Snapshot snapshot();

    /**
     * Lock holders on a table ({@code schema.table} or {@code table}): the sessions holding any lock on it.
     * Engines that cannot tell return an empty set and say so in {@link #capabilities()}.
     */
    default Set<SessionRef> lockHolders(String table) {
        throw new TargetException(TargetException.Kind.UNSUPPORTED,
                "finding lock holders on a table is not supported on " + info().engine());
    }

    /** Transactions whose session is gone and that the server is still cleaning up (Oracle). */
    default List<dev.sessionctl.model.OrphanTransaction> orphanTransactions() {
        throw new TargetException(TargetException.Kind.UNSUPPORTED,
                "listing transactions without a session is not supported on " + info().engine());
    }

    /**
     * The DDL of a self-service procedure that lets a user end only their own sessions (a
     * definer-rights wrapper), for a DBA to review and run; engines without one throw UNSUPPORTED.
     */
    default String selfServiceSetup(String procedureName) {
        throw new TargetException(TargetException.Kind.UNSUPPORTED,
                "no self-service procedure is available for " + info().engine());
    }

    /** The actions this engine (and this account) can perform, gentlest first. */
    List<KillAction> supportedActions();

    /**
     * The exact statement {@link #execute} would send, for --dry-run and the audit trail.
     * Statements that cannot bind parameters are built from validated integers only.
     */
    String statementFor(KillAction action, Session victim);

    /** As {@link #statementFor(KillAction, Session)}, for an action given {@code timeout} (PostgreSQL's terminate wait). */
    default String statementFor(KillAction action, Session victim, Duration timeout) {
        return statementFor(action, victim);
    }

    /**
     * Performs one action on one session. The implementation re-checks the victim's identity
     * (id AND incarnation) at the moment of the action, in the same statement where the engine
     * allows it, and reports which outcome happened. It must never act on a session whose
     * incarnation differs from {@code victim.key()}. Guards are the caller's job
     * ({@link dev.sessionctl.kill.SessionKiller}); this method does only what it is told.
     *
     * @param timeout how long the engine may wait for the session to go (PostgreSQL 14+ terminate wait)
     */
    KillResult execute(KillAction action, Session victim, Duration timeout);

    /** What this account can see and end, and the exact fix for what is missing. */
    DoctorReport doctor();

    /** Named facts about the engine's abilities, for doctor/explain ("cancelSql": "true"). */
    default Map<String, String> capabilities() {
        return Map.of();
    }

    /** Reads only the given sessions (cheap re-check before a deadline kill); default: a full snapshot. */
    default Snapshot snapshot(Collection<SessionRef> only) {
        return snapshot();
    }

    @Override
    void close();
}
