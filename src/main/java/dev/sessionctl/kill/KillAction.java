package dev.sessionctl.kill;

/**
 * What to do to a session, from gentlest to hardest. Each dialect maps the actions its engine has
 * onto statements and says which it supports ({@code TargetConnection#supportedActions}).
 */
public enum KillAction {
    /** Stop the current statement, keep the session: pg_cancel_backend, KILL QUERY, ALTER SYSTEM CANCEL SQL. */
    CANCEL("cancel"),
    /** End the session: pg_terminate_backend, KILL CONNECTION, ALTER SYSTEM KILL SESSION. */
    TERMINATE("terminate"),
    /** Oracle KILL SESSION ... IMMEDIATE: do not wait for the session to reach a safe point. */
    TERMINATE_IMMEDIATE("terminate-immediate"),
    /** Oracle DISCONNECT SESSION ... POST_TRANSACTION: end once the current transaction ends. */
    DISCONNECT_POST_TRANSACTION("disconnect-post-transaction"),
    /** Oracle DISCONNECT SESSION ... IMMEDIATE: end the server process now. */
    DISCONNECT_IMMEDIATE("disconnect-immediate"),
    /** SIGTERM to the server process through host access. */
    OS_TERM("os-term"),
    /** SIGKILL to the server process through host access: the last resort. */
    OS_KILL("os-kill");

    private final String label;

    KillAction(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public boolean endsSession() {
        return this != CANCEL;
    }

    public boolean isOsLevel() {
        return this == OS_TERM || this == OS_KILL;
    }

    public static KillAction parse(String text) {
        for (KillAction a : values()) {
            if (a.label.equalsIgnoreCase(text.trim()) || a.name().equalsIgnoreCase(text.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("invalid action '" + text
                + "'; expected one of cancel, terminate, terminate-immediate, disconnect-post-transaction, disconnect-immediate, os-term, os-kill");
    }

    @Override
    public String toString() {
        return label;
    }
}
