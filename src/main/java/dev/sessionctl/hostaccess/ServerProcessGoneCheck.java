package dev.sessionctl.hostaccess;

import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.Verifier;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.Snapshot;
import java.util.Optional;

/**
 * Verification with host access configured: the ended session's server process is gone too
 * (exited, a zombie, or its id now names a process started later). Says nothing for engines or
 * sessions without a process of their own.
 */
public final class ServerProcessGoneCheck implements Verifier.ExtraCheck {

    public static final String NAME = "server-process-gone";

    private final HostAccess host;

    public ServerProcessGoneCheck(HostAccess host) {
        this.host = host;
    }

    @Override
    public Optional<Check> check(Session victim, Snapshot now) {
        if (now.engine().family() == Engine.Family.MYSQL) {
            return Optional.empty();
        }
        long pid = OsProcessKiller.pidOf(victim);
        if (pid <= 1 || OsProcessKiller.sharedServer(victim, now).isPresent()) {
            return Optional.empty();
        }
        Optional<ProcessInfo> p = host.process(pid);
        if (p.isEmpty()) {
            return Optional.of(Check.pass(NAME, "process " + pid + " no longer exists on " + host.host()));
        }
        if (p.get().isZombie()) {
            return Optional.of(Check.pass(NAME, "process " + pid + " has exited (zombie, not yet reaped)"));
        }
        if (victim.logonTime() != null && p.get().startTime() != null
                && p.get().startTime().isAfter(victim.logonTime().plus(OsProcessKiller.CLOCK_TOLERANCE))) {
            return Optional.of(Check.pass(NAME, "process " + pid + " exited; the id now names a newer process"));
        }
        return Optional.of(Check.fail(NAME, "process " + pid + " still runs on " + host.host() + " (state "
                + p.get().state() + ")"));
    }
}
