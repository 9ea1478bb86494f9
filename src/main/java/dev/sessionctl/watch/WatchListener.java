package dev.sessionctl.watch;

import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetException;
import java.time.Duration;
import java.util.List;

/**
 * Observes the watchdog: metrics, logs and notifications implement it. Called from worker
 * threads; implementations must be thread-safe and quick (no blocking I/O on the caller's thread).
 */
public interface WatchListener {

    /** One poll of one target succeeded. */
    default void polled(String target, Snapshot snapshot, Evaluation evaluation, Duration pollTime) {
    }

    /** A poll (or connect) failed; the next attempt is in {@code retryIn}. */
    default void pollFailed(String target, TargetException error, Duration retryIn) {
    }

    default void connected(String target) {
    }

    /**
     * A decision worth telling once per session and rule: report, dry-run, protected, too large,
     * rate limited, or a deadline kept ({@link Decision.Verdict#PENDING} when first scheduled).
     */
    default void decided(Decision decision) {
    }

    /**
     * An action was taken (or refused at the last moment by the kill path).
     *
     * @param reactionDelay from the moment the session crossed its threshold (server clock) to the end of the action
     */
    default void acted(Decision decision, KillResult result, Duration reactionDelay) {
    }

    static WatchListener all(List<WatchListener> listeners) {
        List<WatchListener> ls = List.copyOf(listeners);
        return new WatchListener() {
            @Override
            public void polled(String target, Snapshot snapshot, Evaluation evaluation, Duration pollTime) {
                ls.forEach(l -> l.polled(target, snapshot, evaluation, pollTime));
            }

            @Override
            public void pollFailed(String target, TargetException error, Duration retryIn) {
                ls.forEach(l -> l.pollFailed(target, error, retryIn));
            }

            @Override
            public void connected(String target) {
                ls.forEach(l -> l.connected(target));
            }

            @Override
            public void decided(Decision decision) {
                ls.forEach(l -> l.decided(decision));
            }

            @Override
            public void acted(Decision decision, KillResult result, Duration reactionDelay) {
                ls.forEach(l -> l.acted(decision, result, reactionDelay));
            }
        };
    }
}
