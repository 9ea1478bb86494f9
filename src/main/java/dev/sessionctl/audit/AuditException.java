package dev.sessionctl.audit;

/** The audit trail could not record an action; the action must not run. */
public class AuditException extends RuntimeException {

    public AuditException(String message, Throwable cause) {
        super(message, cause);
    }

    public AuditException(String message) {
        super(message);
    }
}
