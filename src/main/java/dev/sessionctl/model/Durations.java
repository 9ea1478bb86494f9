package dev.sessionctl.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the short durations users type: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1h30m}. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:ms|s|m|h|d))+");

    private Durations() {
    }

    public static Duration parse(String text) {
        try {
            Duration d = parseUnchecked(text);
            d.toMillis(); // every user of a duration works in milliseconds
            return d;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("invalid duration '" + text + "': too large; expected a number with a unit,"
                    + " e.g. 500ms, 30s, 5m, 2h, 1h30m");
        }
    }

    private static Duration parseUnchecked(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(t));
        }
        if (!WHOLE.matcher(t).matches()) {
            throw new IllegalArgumentException("invalid duration '" + text
                    + "'; expected a number with a unit, e.g. 500ms, 30s, 5m, 2h, 1h30m (a bare number means seconds)");
        }
        Duration d = Duration.ZERO;
        Matcher m = PART.matcher(t);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
        }
        return d;
    }

    /** Compact human form: {@code 850ms}, {@code 42s}, {@code 3m05s}, {@code 2h07m}, {@code 3d04h}. */
    public static String format(Duration d) {
        if (d == null) {
            return "";
        }
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = d.getSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format("%dd%02dh", s / 86400, (s % 86400) / 3600);
    }
}
