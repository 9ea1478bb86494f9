package dev.sessionctl.model;

/** Who a session serves. Only {@link #CLIENT} sessions may ever be ended by sessionctl. */
public enum SessionKind {
    /** An application or user connection. */
    CLIENT,
    /** A server process: PostgreSQL autovacuum/checkpointer, Oracle PMON/SMON/LGWR, MySQL daemon threads. */
    BACKGROUND,
    /** Replication: PostgreSQL walsender, MySQL Binlog Dump, replica SQL/IO threads. */
    REPLICATION,
    /** A worker serving another session's statement: PostgreSQL parallel worker, Oracle PX slave. */
    PARALLEL_WORKER,
    /** Engine housekeeping seen as a user: MySQL event_scheduler, "system user". */
    SYSTEM
}
