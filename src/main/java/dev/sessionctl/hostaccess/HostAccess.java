package dev.sessionctl.hostaccess;

import java.util.Optional;

/**
 * Access to the operating system of the host a database runs on: read a process and signal it.
 * JDBC-free. Implementations take process ids as numbers only, so nothing a database returns can
 * ever reach a shell as text. Two implementations: {@link LocalHostAccess} (this host) and
 * {@link SshHostAccess} (key-based SSH, host key checked against known_hosts).
 */
public interface HostAccess extends AutoCloseable {

    /** Where the processes are: "local" or the SSH host name. */
    String host();

    /** The process (or thread) with this id, or empty when none exists. */
    Optional<ProcessInfo> process(long pid);

    /** The numeric uid of an OS user name, or empty when unknown on that host. */
    Optional<Integer> uidOf(String userName);

    /**
     * Sends a signal. Callers ({@link OsProcessKiller}) check the process first; this method only signals.
     *
     * @throws HostAccessException when the signal could not be sent (no permission, no such process, SSH failure)
     */
    void signal(long pid, Signal signal);

    @Override
    default void close() {
    }

    static void requirePid(long pid) {
        if (pid <= 1) {
            throw new IllegalArgumentException("refusing process id " + pid + ": not a server process");
        }
    }
}
