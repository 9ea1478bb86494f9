package dev.sessionctl.escalation;

import java.time.Duration;

/**
 * Follows one terminating session's transaction size across polls. Progress means the size
 * shrank; the rate is measured from the first poll to the latest one that shrank, so a single
 * noisy poll does not swing the ETA. Not thread-safe: one escalation owns one monitor.
 */
public final class RollbackMonitor {

    private final String unit;
    private Long first;
    private long firstAt;
    private Long last;
    private long lastProgressAt;
    private Long sizeAtLastProgress;
    private long startedAt = -1;
    private long latestAt;

    public RollbackMonitor(String unit) {
        this.unit = unit == null ? "units" : unit;
    }

    /** Records one poll: {@code size} is the transaction size now (null when unknown). */
    public RollbackProgress record(Long size, long nanoTime) {
        if (startedAt < 0) {
            startedAt = nanoTime;
            lastProgressAt = nanoTime;
        }
        latestAt = nanoTime;
        if (size != null) {
            if (first == null) {
                first = size;
                firstAt = nanoTime;
                sizeAtLastProgress = size;
            } else if (size < sizeAtLastProgress) {
                sizeAtLastProgress = size;
                lastProgressAt = nanoTime;
            }
            last = size;
        }
        return progress();
    }

    public RollbackProgress progress() {
        Duration watched = Duration.ofNanos(latestAt - startedAt);
        Duration stalled = Duration.ofNanos(latestAt - lastProgressAt);
        if (last == null) {
            return new RollbackProgress(null, null, unit, null, null, stalled, false, watched);
        }
        Double rate = null;
        Duration eta = null;
        long undone = first - sizeAtLastProgress;
        long overNanos = lastProgressAt - firstAt;
        if (undone > 0 && overNanos > 0) {
            rate = undone / (overNanos / 1e9);
            eta = Duration.ofMillis((long) Math.ceil(last / rate * 1000));
        }
        return new RollbackProgress(last, first, unit, rate, eta, stalled, undone > 0, watched);
    }

    /** True when the size has not shrunk for at least {@code window} (or cannot be measured for that long). */
    public boolean stalledFor(Duration window) {
        return startedAt >= 0 && latestAt - lastProgressAt >= window.toNanos();
    }

    public boolean started() {
        return startedAt >= 0;
    }
}
