package dev.sessionctl.escalation;

import java.time.Duration;

/**
 * Monotonic time and waiting, behind an interface so tests can run the ladder on a virtual clock
 * (no real sleeps, no timed assertions) while production uses {@link System#nanoTime()}.
 */
public interface Ticker {

    long nanoTime();

    void sleep(Duration d);

    Ticker SYSTEM = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration d) {
            try {
                Thread.sleep(Math.max(0, d.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a session to end", e);
            }
        }
    };
}
