package dev.sessionctl.dialect;

import dev.sessionctl.target.TargetException;
import java.sql.SQLException;

/**
 * Classifies JDBC errors by SQLSTATE class (and leaves vendor codes to each dialect), never by
 * message text. Messages are rebuilt from the server's message with the password never included
 * (drivers do not put passwords in messages; URLs are redacted by the caller).
 *
 * <table>
 * <tr><th>SQLSTATE</th><th>meaning</th><th>kind</th></tr>
 * <tr><td>08xxx</td><td>connection exception</td><td>UNREACHABLE (at connect) / CONNECTION_LOST</td></tr>
 * <tr><td>28xxx</td><td>invalid authorization</td><td>AUTHENTICATION</td></tr>
 * <tr><td>42501</td><td>insufficient privilege</td><td>PRIVILEGE</td></tr>
 * <tr><td>57P01..57P03</td><td>admin shutdown / crash shutdown / cannot connect now</td><td>CONNECTION_LOST</td></tr>
 * </table>
 */
public final class SqlErrors {

    private SqlErrors() {
    }

    public static TargetException translate(SQLException e, String doing) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String msg = doing + " failed: " + firstLine(e.getMessage()) + (state.isEmpty() ? "" : " [SQLSTATE " + state + "]");
        TargetException.Kind kind;
        if (state.startsWith("08") || e instanceof java.sql.SQLTransientConnectionException
                || e instanceof java.sql.SQLNonTransientConnectionException) {
            kind = doing.startsWith("connecting") ? TargetException.Kind.UNREACHABLE : TargetException.Kind.CONNECTION_LOST;
        } else if (state.startsWith("28")) {
            kind = TargetException.Kind.AUTHENTICATION;
        } else if (state.equals("42501")) {
            kind = TargetException.Kind.PRIVILEGE;
        } else if (state.startsWith("57P")) {
            kind = TargetException.Kind.CONNECTION_LOST;
        } else {
            kind = TargetException.Kind.SERVER_ERROR;
        }
        return new TargetException(kind, msg, null, state.isEmpty() ? null : state, e);
    }

    public static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s.trim() : s.substring(0, nl).trim();
    }
}
