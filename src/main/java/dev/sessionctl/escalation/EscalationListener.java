package dev.sessionctl.escalation;

import dev.sessionctl.escalation.EscalationStep;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;

/**
 * Hears every step of an escalation as it happens, so a CLI can print it and the audit trail can
 * record the verification. Kill actions themselves also reach the {@link dev.sessionctl.kill.KillListener}
 * through the kill path. Implementations must not throw.
 */
public interface EscalationListener {

    EscalationListener NONE = new EscalationListener() { };

    /** A step is about to run against {@code victim} (as last read). */
    default void stepStarted(SessionKey key, EscalationStep step, Session victim) { }

    /** A step ended (performed or skipped). */
    default void stepFinished(SessionKey key, StepRecord record) { }

    /** A poll of a session being terminated. */
    default void rollbackProgress(SessionKey key, RollbackProgress progress) { }

    default void finished(EscalationResult result) { }
}
