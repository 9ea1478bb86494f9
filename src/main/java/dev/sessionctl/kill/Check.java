package dev.sessionctl.kill;

/** One verification step after an action: its name, whether it passed, and what was seen. */
public record Check(String name, boolean passed, String detail) {

    public static Check pass(String name, String detail) {
        return new Check(name, true, detail);
    }

    public static Check fail(String name, String detail) {
        return new Check(name, false, detail);
    }
}
