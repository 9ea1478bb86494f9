package dev.sessionctl.testing;

import dev.sessionctl.escalation.Ticker;
import java.time.Duration;

/** Test double: a virtual monotonic clock; sleeping advances it instantly. */
public final class FakeTicker implements Ticker {

    private long now = 1_000_000_000L;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void sleep(Duration d) {
        now += Math.max(1, d.toNanos());
    }

    public void advance(Duration d) {
        now += d.toNanos();
    }
}
