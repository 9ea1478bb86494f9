package dev.sessionctl.watch;

import java.util.Locale;

/** Which of the sessions that match a rule are acted on. */
public enum Victims {
    /** Only root blockers: sessions that hold others and wait for no one. */
    ROOT_BLOCKER,
    /** The one session that matched longest (per target and evaluation). */
    OLDEST,
    /** Every matching session. */
    ALL,
    /** Every matching session except the one that matched longest (pt-kill's all-but-oldest). */
    ALL_BUT_OLDEST;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Victims parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Victims v : values()) {
            if (v.label().equals(t)) {
                return v;
            }
        }
        if (t.equals("root") || t.equals("roots") || t.equals("root-blockers")) {
            return ROOT_BLOCKER;
        }
        throw new IllegalArgumentException("invalid victims '" + text
                + "'; expected root-blocker, oldest, all or all-but-oldest");
    }
}
