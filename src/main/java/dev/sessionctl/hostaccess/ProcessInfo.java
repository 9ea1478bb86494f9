package dev.sessionctl.hostaccess;

import java.time.Instant;

/**
 * What the host says about one process id, read from /proc.
 *
 * @param threadGroup the Tgid: equal to {@code pid} for a process, different for a thread of another
 *                    process (signalling a thread id hits its whole process)
 * @param state       the one-letter state (R, S, D = uninterruptible, Z = zombie)
 * @param commandLine the command line with NULs turned into spaces
 * @param startTime   when the process started (host clock), or null when unknown
 */
public record ProcessInfo(long pid, long parentPid, long threadGroup, int uid, String state, String commandLine,
                          Instant startTime) {

    public boolean isThread() {
        return threadGroup != pid;
    }

    public boolean isZombie() {
        return "Z".equals(state) || "X".equals(state);
    }

    /** Blocked in the kernel: signals wait until the I/O returns (the playbook's "D state"). */
    public boolean isUninterruptible() {
        return "D".equals(state);
    }
}
