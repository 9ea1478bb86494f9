package dev.sessionctl.hostaccess;

/** The two signals sessionctl ever sends to a database server process. */
public enum Signal {
    /** Ask the process to end (PostgreSQL treats it on a backend like pg_terminate_backend). */
    TERM(15),
    /** Last resort: the process cannot clean up. On PostgreSQL it makes the postmaster restart every backend. */
    KILL(9);

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The argument {@code kill} takes: {@code -TERM}, {@code -KILL}. */
    public String option() {
        return "-" + name();
    }
}
