package dev.sessionctl.dialect.oracle;

import dev.sessionctl.dialect.SqlErrors;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.target.TargetException;
import java.sql.SQLException;

/**
 * Oracle's vendor error codes ({@link SQLException#getErrorCode()}, the NNNNN of ORA-NNNNN) and what
 * they mean for sessionctl. Never the message text. Meanings from Oracle Database Error Messages:
 *
 * <table>
 * <tr><th>code</th><th>message</th><th>sessionctl</th></tr>
 * <tr><td>ORA-00026</td><td>missing or invalid session ID</td><td>FAILED (a malformed statement: a bug)</td></tr>
 * <tr><td>ORA-00027</td><td>cannot kill current session</td><td>FAILED: the server refused to end its caller</td></tr>
 * <tr><td>ORA-00028</td><td>your session has been killed</td><td>CONNECTION_LOST (our own connection)</td></tr>
 * <tr><td>ORA-00029</td><td>session is not a user session</td><td>FAILED: background/recursive session</td></tr>
 * <tr><td>ORA-00030</td><td>user session ID does not exist</td><td>ALREADY_GONE (or IDENTITY_CHANGED, see caller)</td></tr>
 * <tr><td>ORA-00031</td><td>session marked for kill</td><td>MARKED_FOR_KILL: accepted, cleanup continues</td></tr>
 * <tr><td>ORA-01013</td><td>user requested cancel of current operation</td><td>TIMED_OUT (our statement timeout)</td></tr>
 * <tr><td>ORA-01031</td><td>insufficient privileges</td><td>REFUSED_PRIVILEGE, with the fix</td></tr>
 * <tr><td>ORA-00942</td><td>table or view does not exist</td><td>PRIVILEGE on reads (V$ views not granted)</td></tr>
 * <tr><td>ORA-03113, 03114, 03135, 01012; driver 17002, 17008, 17410</td><td>connection lost / not connected</td><td>CONNECTION_LOST</td></tr>
 * <tr><td>ORA-20030, 20031</td><td>raised by the self-service procedure: gone / not your session</td><td>ALREADY_GONE / REFUSED_PRIVILEGE</td></tr>
 * <tr><td>ORA-06550</td><td>PL/SQL compile error (procedure or package not visible)</td><td>REFUSED_PRIVILEGE, with the fix</td></tr>
 * </table>
 */
public final class OracleErrors {

    public static final int INVALID_SESSION_ID = 26;
    public static final int CANNOT_KILL_CURRENT_SESSION = 27;
    public static final int YOUR_SESSION_KILLED = 28;
    public static final int NOT_A_USER_SESSION = 29;
    public static final int SESSION_DOES_NOT_EXIST = 30;
    public static final int SESSION_MARKED_FOR_KILL = 31;
    public static final int INVALID_SQL_STATEMENT = 900;
    public static final int TABLE_OR_VIEW_DOES_NOT_EXIST = 942;
    public static final int NOT_LOGGED_ON = 1012;
    public static final int USER_REQUESTED_CANCEL = 1013;
    public static final int INVALID_USERNAME_PASSWORD = 1017;
    public static final int INSUFFICIENT_PRIVILEGES = 1031;
    public static final int END_OF_FILE_ON_CHANNEL = 3113;
    public static final int NOT_CONNECTED = 3114;
    public static final int CONNECTION_LOST_CONTACT = 3135;
    public static final int PLSQL_COMPILATION_ERROR = 6550;
    public static final int SELF_SERVICE_GONE = 20030;
    public static final int SELF_SERVICE_NOT_YOURS = 20031;
    /** Thin-driver client-side codes (no ORA- prefix): IO error, closed connection, no more data. */
    public static final int DRIVER_IO_ERROR = 17002;
    public static final int DRIVER_CLOSED_CONNECTION = 17008;
    public static final int DRIVER_NO_MORE_DATA = 17410;

    public static final String ALTER_SYSTEM_FIX = "GRANT ALTER SYSTEM TO <sessionctl user>;  -- or, without ALTER SYSTEM:"
            + " install the self-service procedure (sessionctl doctor prints its DDL) and set option"
            + " selfServiceProcedure; on Amazon RDS set option variant: rds (rdsadmin.rdsadmin_util)";
    public static final String READ_VIEWS_FIX = "GRANT SELECT_CATALOG_ROLE TO <sessionctl user>;  -- or GRANT SELECT ANY DICTIONARY";

    private OracleErrors() {
    }

    /** ORA-NNNNN for a code, as shown in results and audit records. */
    public static String label(int code) {
        return code >= 17000 && code < 18000 ? "ORA-" + code : String.format("ORA-%05d", code);
    }

    public static boolean isConnectionLost(int code) {
        return code == YOUR_SESSION_KILLED || code == END_OF_FILE_ON_CHANNEL || code == NOT_CONNECTED
                || code == CONNECTION_LOST_CONTACT || code == NOT_LOGGED_ON || code == DRIVER_IO_ERROR
                || code == DRIVER_CLOSED_CONNECTION || code == DRIVER_NO_MORE_DATA;
    }

    /** The outcome a kill-statement error stands for (identity refinement of ORA-00030 is the caller's). */
    public static KillOutcome outcomeOf(SQLException e) {
        int code = e.getErrorCode();
        if (isConnectionLost(code) || "08006".equals(e.getSQLState()) || "08003".equals(e.getSQLState())) {
            return KillOutcome.CONNECTION_LOST;
        }
        return switch (code) {
            case SESSION_DOES_NOT_EXIST, SELF_SERVICE_GONE -> KillOutcome.ALREADY_GONE;
            case SESSION_MARKED_FOR_KILL -> KillOutcome.MARKED_FOR_KILL;
            case INSUFFICIENT_PRIVILEGES, SELF_SERVICE_NOT_YOURS, PLSQL_COMPILATION_ERROR -> KillOutcome.REFUSED_PRIVILEGE;
            case USER_REQUESTED_CANCEL -> KillOutcome.TIMED_OUT;
            default -> KillOutcome.FAILED;
        };
    }

    /** Errors while reading (snapshot, doctor): classified into the core's kinds, with the fix where known. */
    public static TargetException translate(SQLException e, String doing) {
        int code = e.getErrorCode();
        String msg = doing + " failed: " + SqlErrors.firstLine(e.getMessage());
        if (isConnectionLost(code)) {
            return new TargetException(TargetException.Kind.CONNECTION_LOST, msg, null, label(code), e);
        }
        if (code == INSUFFICIENT_PRIVILEGES || code == TABLE_OR_VIEW_DOES_NOT_EXIST) {
            return new TargetException(TargetException.Kind.PRIVILEGE, msg
                    + " (the V$ views are not readable by this account)", READ_VIEWS_FIX, label(code), e);
        }
        if (code == INVALID_USERNAME_PASSWORD) {
            return new TargetException(TargetException.Kind.AUTHENTICATION, msg, null, label(code), e);
        }
        if (code > 0) {
            return new TargetException(TargetException.Kind.SERVER_ERROR, msg, null, label(code), e);
        }
        return SqlErrors.translate(e, doing);
    }
}
