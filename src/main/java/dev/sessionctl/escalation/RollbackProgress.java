package dev.sessionctl.escalation;

import java.time.Duration;

/**
 * How a session that is being terminated is getting on, from successive polls of its transaction
 * size (Oracle undo blocks, InnoDB rows modified).
 *
 * @param remaining     work left to undo at the last poll, or null when the engine does not report it
 * @param first         work left at the first poll
 * @param unit          what {@code remaining} counts ("undo blocks", "rows")
 * @param perSecond     undo rate over the polls so far, or null before two polls with progress
 * @param eta           time left at that rate, or null when unknown
 * @param stalledFor    time since the last poll that showed progress (or since watching began)
 * @param progressing   remaining has shrunk since watching began
 * @param watchedFor    time since watching began
 */
public record RollbackProgress(Long remaining, Long first, String unit, Double perSecond, Duration eta,
                               Duration stalledFor, boolean progressing, Duration watchedFor) {

    /** One line for a terminal. */
    public String describe() {
        if (remaining == null) {
            return "being terminated; the engine reports no transaction size, no progress can be measured (watched "
                    + fmt(watchedFor) + ")";
        }
        StringBuilder b = new StringBuilder("rolling back: ").append(remaining).append(' ').append(unit).append(" left");
        if (first != null && first > remaining) {
            b.append(" (of ").append(first).append(")");
        }
        if (perSecond != null) {
            b.append(String.format(java.util.Locale.ROOT, ", %.1f %s/s", perSecond, unit));
        }
        if (eta != null) {
            b.append(", ETA ").append(fmt(eta));
        }
        if (!progressing) {
            b.append(", no progress yet (watched ").append(fmt(watchedFor)).append(")");
        } else if (stalledFor.toMillis() > 0) {
            b.append(", no progress for ").append(fmt(stalledFor));
        }
        return b.toString();
    }

    static String fmt(Duration d) {
        if (d == null) {
            return "?";
        }
        long s = d.toSeconds();
        if (s >= 3600) {
            return (s / 3600) + "h" + ((s % 3600) / 60) + "m";
        }
        if (s >= 60) {
            return (s / 60) + "m" + (s % 60) + "s";
        }
        return d.toMillis() < 1000 ? d.toMillis() + "ms" : s + "s";
    }
}
