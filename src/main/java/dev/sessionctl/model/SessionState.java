package dev.sessionctl.model;

import java.util.Locale;

/** What a session is doing, in words every engine maps onto. */
public enum SessionState {
    /** Running a statement (including waiting on a lock while running one). */
    ACTIVE("active"),
    /** Connected, no statement, no open transaction: a pooled connection, harmless. */
    IDLE("idle"),
    /** No statement, but a transaction is open: holds its locks until it ends. */
    IDLE_IN_TRANSACTION("idle in transaction"),
    /** Already told to end (Oracle KILLED, PostgreSQL terminating, MySQL Killed): rolling back or cleaning up. */
    TERMINATING("terminating"),
    UNKNOWN("unknown");

    private final String label;

    SessionState(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Parses the CLI/API spelling: {@code active}, {@code idle}, {@code idle-in-transaction}, {@code terminating}. */
    public static SessionState parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace('_', '-').replace(' ', '-');
        for (SessionState s : values()) {
            if (s.cliName().equals(t)) {
                return s;
            }
        }
        if (t.equals("idle-in-tx") || t.equals("iit")) {
            return IDLE_IN_TRANSACTION;
        }
        throw new IllegalArgumentException("invalid state '" + text
                + "'; expected one of active, idle, idle-in-transaction, terminating");
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return label;
    }
}
