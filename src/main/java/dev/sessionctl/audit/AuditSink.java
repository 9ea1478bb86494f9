package dev.sessionctl.audit;

/**
 * Somewhere audit records go. {@link #append} returns only once the record is stored (for the
 * file: written and forced to disk); it throws when it could not be.
 */
public interface AuditSink extends AutoCloseable {

    void append(AuditRecord record);

    /** A short description for messages ("file /var/log/sessionctl/audit.jsonl"). */
    String describe();

    @Override
    default void close() {
    }
}
