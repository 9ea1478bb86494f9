package dev.sessionctl.escalation;

import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.Verifier;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import java.util.Optional;
import java.util.Set;

/**
 * Verification for a kill aimed at a table's lock holders: the ended session no longer holds any
 * lock on that table, as the engine reports it ({@link TargetConnection#lockHolders}). Says nothing
 * on engines that cannot tell (the waiters-released check still applies there).
 */
public final class LocksReleasedCheck implements Verifier.ExtraCheck {

    public static final String NAME = "locks-released";

    private final TargetConnection target;
    private final String table;

    public LocksReleasedCheck(TargetConnection target, String table) {
        this.target = target;
        this.table = table;
    }

    @Override
    public Optional<Check> check(Session victim, Snapshot now) {
        Set<SessionRef> holders;
        try {
            holders = target.lockHolders(table);
        } catch (TargetException e) {
            if (e.kind() == TargetException.Kind.UNSUPPORTED) {
                return Optional.empty();
            }
            return Optional.of(Check.fail(NAME, "could not read the lock holders of " + table + ": " + e.getMessage()));
        }
        boolean stillListed = now.find(victim.ref()).filter(s -> s.key().incarnation().equals(victim.key().incarnation()))
                .isPresent();
        if (holders.contains(victim.ref()) && stillListed) {
            return Optional.of(Check.fail(NAME, "session " + victim.key().printable() + " still holds a lock on " + table));
        }
        return Optional.of(Check.pass(NAME, "no lock on " + table + " is held by session " + victim.key().printable()
                + " (" + holders.size() + " holder(s) now)"));
    }
}
