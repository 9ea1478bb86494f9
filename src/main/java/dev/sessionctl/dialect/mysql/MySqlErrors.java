package dev.sessionctl.dialect.mysql;

import dev.sessionctl.dialect.SqlErrors;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.target.TargetException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;

/**
 * MySQL-family errors by vendor code (the same numbers on MySQL, MariaDB and OceanBase's MySQL
 * mode) and SQLSTATE class, never by message text.
 *
 * <table>
 * <tr><th>code</th><th>name</th><th>meaning here</th></tr>
 * <tr><td>1094</td><td>ER_NO_SUCH_THREAD</td><td>no such session: ALREADY_GONE (OceanBase via obproxy: see the connection)</td></tr>
 * <tr><td>1957</td><td>ER_NO_SUCH_QUERY (MariaDB)</td><td>KILL QUERY ID: the statement already ended: NOTHING_TO_CANCEL</td></tr>
 * <tr><td>1095</td><td>ER_KILL_DENIED_ERROR</td><td>not the owner of the thread: REFUSED_PRIVILEGE</td></tr>
 * <tr><td>1227</td><td>ER_SPECIFIC_ACCESS_DENIED_ERROR</td><td>needs CONNECTION_ADMIN / SUPER / SYSTEM_USER / PROCESS: REFUSED_PRIVILEGE</td></tr>
 * <tr><td>1370</td><td>ER_PROCACCESS_DENIED_ERROR</td><td>no EXECUTE on mysql.rds_kill: REFUSED_PRIVILEGE</td></tr>
 * <tr><td>1142, 1143, 1044</td><td>table / column / database access denied</td><td>PRIVILEGE</td></tr>
 * <tr><td>1146</td><td>ER_NO_SUCH_TABLE</td><td>a view this server lacks: the caller falls back</td></tr>
 * <tr><td>2002, 2003, 2006, 2013, 2055, SQLSTATE 08xxx</td><td>client connection errors</td><td>CONNECTION_LOST</td></tr>
 * </table>
 */
final class MySqlErrors {

    static final int NO_SUCH_THREAD = 1094;
    static final int KILL_DENIED = 1095;
    static final int SPECIFIC_ACCESS_DENIED = 1227;
    static final int PROC_ACCESS_DENIED = 1370;
    static final int NO_SUCH_QUERY = 1957;
    static final int NO_SUCH_TABLE = 1146;
    private static final Set<Integer> ACCESS_DENIED = Set.of(1044, 1142, 1143, SPECIFIC_ACCESS_DENIED, KILL_DENIED,
            PROC_ACCESS_DENIED);
    private static final Set<Integer> CONNECTION = Set.of(2002, 2003, 2006, 2013, 2055, 1927);

    private MySqlErrors() {
    }

    static boolean isConnectionError(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return state.startsWith("08") || CONNECTION.contains(e.getErrorCode())
                || e instanceof SQLNonTransientConnectionException || e instanceof SQLTransientConnectionException;
    }

    static boolean isAccessDenied(SQLException e) {
        return ACCESS_DENIED.contains(e.getErrorCode());
    }

    static boolean isMissingTable(SQLException e) {
        return e.getErrorCode() == NO_SUCH_TABLE || e.getErrorCode() == 1109 /* unknown table in information_schema */;
    }

    /** The outcome of a failed KILL / rds_kill. */
    static KillOutcome killOutcome(SQLException e) {
        if (isConnectionError(e)) {
            return KillOutcome.CONNECTION_LOST;
        }
        return switch (e.getErrorCode()) {
            case NO_SUCH_THREAD -> KillOutcome.ALREADY_GONE;
            // KILL QUERY ID: that statement ended; the session itself may well be there
            case NO_SUCH_QUERY -> KillOutcome.NOTHING_TO_CANCEL;
            case KILL_DENIED, SPECIFIC_ACCESS_DENIED, PROC_ACCESS_DENIED -> KillOutcome.REFUSED_PRIVILEGE;
            default -> KillOutcome.FAILED;
        };
    }

    static String code(SQLException e) {
        return e.getErrorCode() != 0 ? Integer.toString(e.getErrorCode())
                : e.getSQLState() == null ? null : e.getSQLState();
    }

    /** A read failed: classified, with the fix when it is a missing privilege. */
    static TargetException translate(SQLException e, String doing, String privilegeFix) {
        if (isConnectionError(e)) {
            return new TargetException(TargetException.Kind.CONNECTION_LOST, doing + " failed: lost the connection: "
                    + SqlErrors.firstLine(e.getMessage()), null, code(e), e);
        }
        if (isAccessDenied(e)) {
            return new TargetException(TargetException.Kind.PRIVILEGE, doing + " failed: "
                    + SqlErrors.firstLine(e.getMessage()) + " [" + e.getErrorCode() + "]", privilegeFix, code(e), e);
        }
        TargetException t = SqlErrors.translate(e, doing);
        return new TargetException(t.kind(), t.getMessage() + " [" + e.getErrorCode() + "]", t.fix(), code(e), e);
    }
}
