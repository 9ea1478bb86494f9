package dev.sessionctl.cli;

/** Exit codes, defined once and listed in {@code --help}. */
public final class ExitCode {
    /** Everything asked for was done (or there was nothing to do). */
    public static final int OK = 0;
    /** An error: the server said no for a reason other than privilege, or sessionctl failed. */
    public static final int ERROR = 1;
    /** Bad usage: unknown option, malformed key, bad duration, unknown target, bad config file. Nothing was done. */
    public static final int USAGE = 2;
    /** Refused: every requested action was refused by a guard or for lack of privilege. Nothing was ended. */
    public static final int REFUSED = 3;
    /** Partly failed: some sessions were handled, others were refused or failed (see each result line). */
    public static final int PARTIAL = 4;
    /** Cannot connect: the target is unreachable or rejected the credentials. */
    public static final int CANNOT_CONNECT = 5;
    /** Not confirmed: a kill needed confirmation (no terminal and no --yes, or the user said no). Nothing was done. */
    public static final int NOT_CONFIRMED = 6;

    private ExitCode() {
    }

    /** The table shown at the end of {@code --help}. */
    public static final String HELP_TABLE = "Exit codes:%n"
            + "  0  OK              done, or nothing to do%n"
            + "  1  ERROR           server error or internal failure%n"
            + "  2  USAGE           bad option, key, target or config; nothing done%n"
            + "  3  REFUSED         every action refused by a guard or for lack of privilege%n"
            + "  4  PARTIAL         some sessions handled, others refused or failed%n"
            + "  5  CANNOT_CONNECT  target unreachable or credentials rejected%n"
            + "  6  NOT_CONFIRMED   needs --yes, or declined; nothing done";
}
