package dev.sessionctl.watch;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Case-insensitive {@code *} wildcards, the same spelling as the targets file's protect lists. */
final class Globs {

    private Globs() {
    }

    static Pattern compile(String glob) {
        String regex = Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    /** The first pattern matching the value, or null (also null for a null value). */
    static String firstMatch(List<String> globs, String value) {
        if (value == null) {
            return null;
        }
        for (String g : globs) {
            if (compile(g).matcher(value).matches()) {
                return g;
            }
        }
        return null;
    }
}
