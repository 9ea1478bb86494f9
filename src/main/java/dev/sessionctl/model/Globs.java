package dev.sessionctl.model;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Case-insensitive patterns where {@code *} matches anything and every other character is literal. */
public final class Globs {

    private Globs() {
    }

    public static Pattern compile(String glob) {
        String regex = Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }
}
