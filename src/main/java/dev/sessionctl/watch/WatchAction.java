package dev.sessionctl.watch;

import java.util.Locale;

/** What a rule does to its victims. */
public enum WatchAction {
    /** Log, count and notify; end nothing. */
    REPORT,
    /** Stop the current statement, keep the session. */
    CANCEL,
    /** End the session (terminate), verified. */
    KILL,
    /** The engine's escalation ladder: gentlest action first, harder ones while the session survives. */
    ESCALATE;

    public boolean acts() {
        return this != REPORT;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static WatchAction parse(String text) {
        for (WatchAction a : values()) {
            if (a.label().equalsIgnoreCase(text.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("invalid action '" + text + "'; expected report, cancel, kill or escalate");
    }
}
