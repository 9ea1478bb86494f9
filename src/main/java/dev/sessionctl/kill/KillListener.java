package dev.sessionctl.kill;

import dev.sessionctl.model.Session;

/**
 * Observes every action the killer takes. The audit trail implements it: {@link #beforeAction}
 * runs (and must be durable) before the statement is sent, {@link #afterAction} once the outcome
 * is known. A listener that throws from {@code beforeAction} stops that action: nothing unrecorded
 * is ever done.
 */
public interface KillListener {

    KillListener NONE = new KillListener() { };

    default void beforeAction(String target, Session victim, KillAction action, String statement, String reason) { }

    default void afterAction(String target, Session victim, KillResult result) { }
}
