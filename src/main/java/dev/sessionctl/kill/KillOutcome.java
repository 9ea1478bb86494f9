package dev.sessionctl.kill;

/** What came of one action on one session. Dialects classify by SQLSTATE or vendor code, never by message text. */
public enum KillOutcome {
    /** The session is gone (or the engine confirmed the terminate). */
    TERMINATED(true),
    /** The statement was stopped; the session lives on. */
    CANCELLED(true),
    /** Accepted but still running its cleanup (Oracle ORA-00031, PostgreSQL terminate without wait): follow up. */
    MARKED_FOR_KILL(true),
    /** No session with that id existed any more (ORA-00030, MySQL 1094, pg_terminate_backend false). */
    ALREADY_GONE(true),
    /**
     * A cancel found no statement to stop (the session is idle, or the statement that was seen has ended):
     * nothing was sent. The session is NOT gone and may still hold its transaction's locks. Acceptable,
     * because the statement the user wanted stopped is not running, but never a termination.
     */
    NOTHING_TO_CANCEL(true),
    /** The id is in use by another incarnation: nothing was done. */
    IDENTITY_CHANGED(false),
    /** A sessionctl guard refused: protected, own connection, not a client session, already terminating. */
    REFUSED_BY_GUARD(false),
    /** The server refused for lack of privilege (SQLSTATE 42501, ORA-01031, MySQL 1095). */
    REFUSED_PRIVILEGE(false),
    /** The action was sent, but the session did not go within the time allowed. */
    TIMED_OUT(false),
    /** sessionctl lost its own connection while acting (ORA-03113/03135, 08xxx). */
    CONNECTION_LOST(false),
    /** Planned only: --dry-run. */
    DRY_RUN(true),
    /** Not executed: not confirmed, or skipped by --max. */
    SKIPPED(true),
    /** Verification failed after the action reported success. */
    NOT_VERIFIED(false),
    FAILED(false);

    private final boolean acceptable;

    KillOutcome(boolean acceptable) {
        this.acceptable = acceptable;
    }

    /** True when this outcome is not a failure of the run (the session is gone, going, or was deliberately left). */
    public boolean acceptable() {
        return acceptable;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
