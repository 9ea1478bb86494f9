package dev.sessionctl.target;

/**
 * A classified failure talking to a target. Front ends map {@link Kind} to exit codes and HTTP
 * statuses in one place. Messages never contain passwords.
 */
public class TargetException extends RuntimeException {

    public enum Kind {
        /** Could not reach the server (connection refused, unknown host, timeout). */
        UNREACHABLE,
        /** Wrong user or password. */
        AUTHENTICATION,
        /** The account lacks a privilege; {@link #fix()} names the grant. */
        PRIVILEGE,
        /** URL or engine not known to sessionctl. */
        UNSUPPORTED,
        /** The server went away mid-operation. */
        CONNECTION_LOST,
        /** Anything else the server said. */
        SERVER_ERROR
    }

    private final Kind kind;
    private final String fix;
    private final String errorCode;

    public TargetException(Kind kind, String message) {
        this(kind, message, null, null, null);
    }

    public TargetException(Kind kind, String message, String fix, String errorCode, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.fix = fix;
        this.errorCode = errorCode;
    }

    public Kind kind() {
        return kind;
    }

    /** How to fix it, when known (a GRANT, a setting); may be null. */
    public String fix() {
        return fix;
    }

    /** SQLSTATE or vendor code, may be null. */
    public String errorCode() {
        return errorCode;
    }
}
