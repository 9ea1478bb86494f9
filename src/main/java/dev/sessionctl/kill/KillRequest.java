package dev.sessionctl.kill;

import java.time.Duration;

/**
 * How to act on the chosen sessions.
 *
 * @param timeout       how long one action may wait for the session to go
 * @param verify        after the action, poll until the session is gone and its waiters released
 * @param verifyTimeout how long verification may poll
 * @param reason        why (recorded in the audit trail)
 */
public record KillRequest(KillAction action, boolean dryRun, Duration timeout, boolean verify, Duration verifyTimeout,
                          String reason) {

    public static KillRequest of(KillAction action) {
        return new KillRequest(action, false, Duration.ofSeconds(5), false, Duration.ofSeconds(10), null);
    }

    public KillRequest dryRun(boolean v) {
        return new KillRequest(action, v, timeout, verify, verifyTimeout, reason);
    }

    public KillRequest verify(boolean v) {
        return new KillRequest(action, dryRun, timeout, v, verifyTimeout, reason);
    }

    public KillRequest timeout(Duration d) {
        return new KillRequest(action, dryRun, d, verify, verifyTimeout, reason);
    }

    public KillRequest verifyTimeout(Duration d) {
        return new KillRequest(action, dryRun, timeout, verify, d, reason);
    }

    public KillRequest reason(String r) {
        return new KillRequest(action, dryRun, timeout, verify, verifyTimeout, r);
    }
}
