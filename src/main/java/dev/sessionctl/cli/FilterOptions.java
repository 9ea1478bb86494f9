package dev.sessionctl.cli;

import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionFilter;
import dev.sessionctl.model.SessionState;
import java.time.Duration;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Option;

/** The session filters shared by {@code sessions} and {@code kill}. */
public final class FilterOptions {

    @Option(names = "--user", paramLabel = "PATTERN", description = "Sessions of this database user (* wildcards).")
    String user;

    @Option(names = "--db", paramLabel = "PATTERN", description = "Sessions connected to this database / schema.")
    String database;

    @Option(names = "--app", paramLabel = "PATTERN", description = "Sessions of this application / program.")
    String application;

    @Option(names = "--host", paramLabel = "PATTERN", description = "Sessions from this client host.")
    String host;

    @Option(names = "--state", paramLabel = "STATE",
            description = "active, waiting (active and blocked by another session), idle, idle-in-transaction or terminating.")
    String state;

    @Option(names = "--min-idle", paramLabel = "DURATION", description = "Idle (or idle in transaction) at least this long, e.g. 5m.")
    String minIdle;

    @Option(names = "--min-busy", paramLabel = "DURATION", description = "Running the current statement at least this long.")
    String minBusy;

    @Option(names = "--min-xact-age", paramLabel = "DURATION", description = "Transaction open at least this long.")
    String minXactAge;

    @Option(names = "--sql", paramLabel = "REGEX", description = "SQL text matches this regular expression.")
    String sql;

    @Option(names = "--sql-id", paramLabel = "ID", description = "Current SQL id (Oracle SQL_ID, PostgreSQL query_id).")
    String sqlId;

    @Option(names = "--lock-table", paramLabel = "TABLE", description = "Sessions holding a lock on this table.")
    String lockTable;

    public SessionFilter toFilter() {
        SessionState st;
        try {
            // "waiting" is what the table shows for an active session blocked by another one; it is not
            // a SessionState of its own, so it filters as active here and waitingOnly() narrows it
            st = state == null ? null : waitingOnly() ? SessionState.ACTIVE : SessionState.parse(state);
        } catch (IllegalArgumentException e) {
            throw new UserError("invalid --state '" + state
                    + "'; expected one of active, waiting, idle, idle-in-transaction, terminating");
        }
        Pattern p = null;
        if (sql != null) {
            try {
                p = Pattern.compile(sql, Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
            } catch (PatternSyntaxException e) {
                throw new UserError("invalid --sql regular expression '" + sql + "': " + e.getDescription());
            }
        }
        if (sqlId != null && !sqlId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new UserError("invalid --sql-id '" + sqlId + "'; expected letters and digits, e.g. 7h35uxf5uhmm1");
        }
        return new SessionFilter(user, database, application, host, st, duration("--min-idle", minIdle),
                duration("--min-busy", minBusy), duration("--min-xact-age", minXactAge), p, sqlId, null, false);
    }

    /** {@code --state waiting}: only active sessions that wait on another session (a lock, a row). */
    public boolean waitingOnly() {
        return state != null && state.trim().equalsIgnoreCase("waiting");
    }

    /** The filters of {@link #toFilter()} plus what SessionFilter cannot express ({@code --state waiting}). */
    public java.util.function.Predicate<Session> predicate(SessionFilter filter, java.time.Instant serverTime) {
        java.util.function.Predicate<Session> p = filter.predicate(serverTime);
        return waitingOnly() ? p.and(Session::isWaitingOnSession) : p;
    }

    public boolean isEmpty() {
        return toFilter().isEmpty() && lockTable == null;
    }

    private static Duration duration(String option, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError(option + ": " + e.getMessage());
        }
    }
}
