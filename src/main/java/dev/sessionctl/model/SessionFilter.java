package dev.sessionctl.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The session filters shared by {@code sessions}, {@code kill}, the API and watch rules. Text fields
 * match case-insensitively and accept {@code *} wildcards; {@code sql} is a regular expression
 * searched in the SQL text. Null fields do not filter. All durations use the server's clock.
 *
 * @param minIdle     idle (or idle in transaction) for at least this long
 * @param minBusy     running the current statement for at least this long
 * @param minXactAge  transaction open for at least this long
 * @param lockHolders when set, only these sessions (resolved from a table name by the target)
 */
public record SessionFilter(String user, String database, String application, String host, SessionState state,
                           Duration minIdle, Duration minBusy, Duration minXactAge, Pattern sql, String sqlId,
                           Set<SessionRef> lockHolders, boolean clientsOnly) {

    public static SessionFilter all() {
        return new SessionFilter(null, null, null, null, null, null, null, null, null, null, null, false);
    }

    public boolean isEmpty() {
        return user == null && database == null && application == null && host == null && state == null
                && minIdle == null && minBusy == null && minXactAge == null && sql == null && sqlId == null
                && lockHolders == null;
    }

    public Predicate<Session> predicate(java.time.Instant serverTime) {
        List<Predicate<Session>> ps = new ArrayList<>();
        if (user != null) {
            Pattern p = Globs.compile(user);
            ps.add(s -> s.user() != null && p.matcher(s.user()).matches());
        }
        if (database != null) {
            Pattern p = Globs.compile(database);
            ps.add(s -> s.database() != null && p.matcher(s.database()).matches());
        }
        if (application != null) {
            Pattern p = Globs.compile(application);
            ps.add(s -> s.program() != null && p.matcher(s.program()).matches());
        }
        if (host != null) {
            Pattern p = Globs.compile(host);
            ps.add(s -> s.clientHost() != null && p.matcher(s.clientHost()).matches());
        }
        if (state != null) {
            ps.add(s -> s.state() == state);
        }
        if (minIdle != null) {
            ps.add(s -> (s.state() == SessionState.IDLE || s.state() == SessionState.IDLE_IN_TRANSACTION)
                    && atLeast(s.timeInState(serverTime), minIdle));
        }
        if (minBusy != null) {
            ps.add(s -> s.state() == SessionState.ACTIVE && atLeast(s.queryAge(serverTime) != null
                    ? s.queryAge(serverTime) : s.timeInState(serverTime), minBusy));
        }
        if (minXactAge != null) {
            ps.add(s -> atLeast(s.transactionAge(serverTime), minXactAge));
        }
        if (sql != null) {
            ps.add(s -> s.sqlText() != null && sql.matcher(s.sqlText()).find());
        }
        if (sqlId != null) {
            ps.add(s -> sqlId.equalsIgnoreCase(s.sqlId()));
        }
        if (lockHolders != null) {
            ps.add(s -> lockHolders.contains(s.ref()));
        }
        if (clientsOnly) {
            ps.add(s -> s.kind() == SessionKind.CLIENT);
        }
        return s -> ps.stream().allMatch(p -> p.test(s));
    }

    public SessionFilter withLockHolders(Set<SessionRef> holders) {
        return new SessionFilter(user, database, application, host, state, minIdle, minBusy, minXactAge, sql, sqlId,
                holders, clientsOnly);
    }

    public SessionFilter withClientsOnly(boolean v) {
        return new SessionFilter(user, database, application, host, state, minIdle, minBusy, minXactAge, sql, sqlId,
                lockHolders, v);
    }

    private static boolean atLeast(Duration actual, Duration min) {
        return actual != null && actual.compareTo(min) >= 0;
    }

}
