package dev.sessionctl.watch;

import java.util.List;
import java.util.regex.Pattern;

/** First-match lookup over {@link dev.sessionctl.model.Globs} patterns (the protect lists' spelling). */
final class Globs {

    private Globs() {
    }

    static Pattern compile(String glob) {
        return dev.sessionctl.model.Globs.compile(glob);
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
