package dev.sessionctl.http;

import dev.sessionctl.model.Durations;
import dev.sessionctl.model.SessionFilter;
import dev.sessionctl.model.SessionState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The CLI's session filters as query parameters, with the same names and forms:
 * {@code user, db, app, host, state, min-idle, min-busy, min-xact-age, sql, sql-id, lock-table, all}.
 * Unknown parameters and malformed values are refused with 400, naming the value and the expected form.
 */
public record SessionQuery(SessionFilter filter, String lockTable, boolean all) {

    public static final List<String> PARAMETERS = List.of("user", "db", "app", "host", "state", "min-idle", "min-busy",
            "min-xact-age", "sql", "sql-id", "lock-table", "all");

    public static SessionQuery parse(Map<String, List<String>> params) {
        for (String name : params.keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw ApiException.badRequest("unknown query parameter '" + name + "'; expected one of "
                        + String.join(", ", PARAMETERS));
            }
        }
        String state = one(params, "state");
        SessionState st;
        try {
            st = state == null ? null : SessionState.parse(state);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("state: " + e.getMessage());
        }
        String sql = one(params, "sql");
        Pattern p = null;
        if (sql != null) {
            try {
                p = Pattern.compile(sql, Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
            } catch (PatternSyntaxException e) {
                throw ApiException.badRequest("invalid sql regular expression '" + sql + "': " + e.getDescription());
            }
        }
        String sqlId = one(params, "sql-id");
        if (sqlId != null && !sqlId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw ApiException.badRequest("invalid sql-id '" + sqlId + "'; expected letters and digits, e.g. 7h35uxf5uhmm1");
        }
        String lockTable = one(params, "lock-table");
        if (lockTable != null && !lockTable.matches("[A-Za-z0-9_$#.\"]{1,200}")) {
            throw ApiException.badRequest("invalid lock-table '" + lockTable + "'; expected a table name, e.g. public.orders");
        }
        String all = one(params, "all");
        if (all != null && !Set.of("true", "false", "").contains(all)) {
            throw ApiException.badRequest("invalid all '" + all + "'; expected true or false");
        }
        SessionFilter f = new SessionFilter(one(params, "user"), one(params, "db"), one(params, "app"),
                one(params, "host"), st, duration(params, "min-idle"), duration(params, "min-busy"),
                duration(params, "min-xact-age"), p, sqlId, null, false);
        return new SessionQuery(f, lockTable, "true".equals(all) || "".equals(all));
    }

    private static String one(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.size() > 1) {
            throw ApiException.badRequest("query parameter '" + name + "' given " + v.size() + " times; expected once");
        }
        return v.get(0);
    }

    private static Duration duration(Map<String, List<String>> params, String name) {
        String text = one(params, name);
        if (text == null) {
            return null;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(name + ": " + e.getMessage());
        }
    }
}
