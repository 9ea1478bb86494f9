package dev.sessionctl.model;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Case-insensitive patterns where {@code *} matches anything and every other character is literal. */
public final class Globs {

    private Globs() {
    }

    // Guards and watch rules match every session of every poll against the same few configured
    // patterns: compile each once. Bounded so that user-typed filters cannot grow it without end.
    private static final java.util.Map<String, Pattern> COMPILED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_CACHED = 1024;

    public static Pattern compile(String glob) {
        Pattern p = COMPILED.get(glob);
        if (p == null) {
            if (COMPILED.size() >= MAX_CACHED) {
                COMPILED.clear();
            }
            p = build(glob);
            COMPILED.put(glob, p);
        }
        return p;
    }

    private static Pattern build(String glob) {
        String regex = Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    /** The first pattern in {@code globs} matching {@code value}, or null (also for a null value). */
    public static String firstMatch(java.util.List<String> globs, String value) {
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
