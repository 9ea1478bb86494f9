package dev.sessionctl.explain;

import dev.sessionctl.escalation.RollbackProgress;
import dev.sessionctl.hostaccess.ProcessInfo;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import java.time.Duration;
import java.util.List;

/**
 * Why a session will not die, or is slow to: what it is doing, what it holds, who waits on it,
 * and what to do next (with the exact sessionctl command).
 *
 * @param session          the session as last read, or null when it is gone
 * @param gone             the session (this incarnation) is no longer listed
 * @param timeInState      how long it has been in its state (server clock)
 * @param rollback         progress measured over the sample window, or null when not terminating / not sampled
 * @param distributed      the distributed (global) transaction it takes part in, or null
 * @param process          its server process as the host sees it, or null without host access
 * @param processNote      why the process cannot be signalled, or what its state means
 * @param locksHeld        what the engine reports it holds (attribute {@code locksHeld}), or null when not reported
 * @param blocked          sessions waiting on it, directly or through others
 * @param guardRefusal     the guard that would refuse to end it, or null
 * @param findings         the reasons, most important first
 * @param next             the recommended next step
 */
public record Explanation(SessionKey key, Session session, boolean gone, String state, String waitEvent,
                          Duration timeInState, Long transactionSize, String transactionUnit, RollbackProgress rollback,
                          String distributed, int instance, String serverProcess, ProcessInfo process,
                          String processNote, String locksHeld, List<Blocked> blocked, String guardRefusal,
                          List<Finding> findings, NextStep next) {

    public Explanation {
        blocked = blocked == null ? List.of() : List.copyOf(blocked);
        findings = findings == null ? List.of() : List.copyOf(findings);
    }

    /** A session still waiting on the explained one. */
    public record Blocked(String key, String user, int level, Duration waited) {
    }

    /**
     * One reason.
     *
     * @param code stable identifier for scripts: rolling-back, stalled, terminating-unmeasured, uninterruptible-io,
     *             io-wait, network-wait, distributed-transaction, idle-in-transaction, long-statement, protected,
     *             shared-server, blocking, gone
     */
    public record Finding(String code, String text) {
    }

    /**
     * What to do now.
     *
     * @param action  wait, cancel, terminate, escalate, os-kill, none
     * @param command the exact command line, or null when there is nothing to run
     */
    public record NextStep(String action, String command, String why) {
    }
}
