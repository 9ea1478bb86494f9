package dev.sessionctl.model;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Progress of sessions that were told to end and are rolling back (Oracle STATUS KILLED with undo
 * blocks left in V$TRANSACTION.USED_UBLK, InnoDB rollback rows). Fed one sample per poll, it
 * derives the rate from the oldest and newest samples kept and the time left at that rate.
 * Pure arithmetic on server timestamps: no JDBC, no clock of its own, so the termination engine
 * and the watchdog can share it. Not thread-safe: one poller at a time.
 */
public final class RollbackProgress {

    /** Whether the work left goes down between polls. */
    public enum Trend {
        /** Work left shrinks: the rollback progresses; wait for it. */
        SHRINKING,
        /** No change between the oldest and newest sample: stuck, or polled too fast to tell. */
        STALLED,
        /** Work left grows: the session is still doing work, not rolling back. */
        GROWING,
        /** A single sample: no rate yet. */
        UNKNOWN
    }

    /** Work left (undo blocks, rows) at a server time. */
    public record Sample(Instant at, long workLeft) {
    }

    /**
     * @param workLeft      undo blocks (or rows) still to roll back at the newest sample
     * @param firstSeen     work left at the oldest sample kept (the best known "total")
     * @param perSecond     blocks rolled back per second between the oldest and newest sample, null without a rate
     * @param timeLeft      at that rate, null when the rate is unknown or not positive
     * @param samples       how many samples the estimate rests on
     */
    public record Estimate(SessionKey key, long workLeft, long firstSeen, Double perSecond, Duration timeLeft,
                           Trend trend, int samples, Instant at) {

        /** Share of the work seen at the first sample that is done now, 0..100, or null when nothing was seen. */
        public Double percentDone() {
            if (firstSeen <= 0) {
                return null;
            }
            return Math.max(0.0, Math.min(100.0, 100.0 * (firstSeen - workLeft) / firstSeen));
        }

        /** The server time at which the rollback should end, or null. */
        public Instant expectedEnd() {
            return timeLeft == null ? null : at.plus(timeLeft);
        }
    }

    private final int maxSamples;
    private final Map<SessionKey, Deque<Sample>> history = new LinkedHashMap<>();

    /** @param maxSamples samples kept per session; the rate spans the oldest to the newest (at least 2) */
    public RollbackProgress(int maxSamples) {
        if (maxSamples < 2) {
            throw new IllegalArgumentException("maxSamples must be at least 2, was " + maxSamples);
        }
        this.maxSamples = maxSamples;
    }

    public RollbackProgress() {
        this(30);
    }

    /** Adds a poll result and returns the estimate it gives. Samples not newer than the last one are ignored. */
    public Estimate record(SessionKey key, Instant at, long workLeft) {
        Deque<Sample> d = history.computeIfAbsent(key, k -> new ArrayDeque<>());
        if (d.isEmpty() || at.isAfter(d.peekLast().at())) {
            d.addLast(new Sample(at, Math.max(0, workLeft)));
            while (d.size() > maxSamples) {
                d.removeFirst();
            }
        }
        return estimate(key, List.copyOf(d));
    }

    public Optional<Estimate> estimate(SessionKey key) {
        Deque<Sample> d = history.get(key);
        return d == null || d.isEmpty() ? Optional.empty() : Optional.of(estimate(key, List.copyOf(d)));
    }

    /** Forgets sessions no longer rolling back (gone, or no longer listed). */
    public void retainOnly(Collection<SessionKey> stillRollingBack) {
        Set<SessionKey> keep = new HashSet<>(stillRollingBack);
        history.keySet().removeIf(k -> !keep.contains(k));
    }

    public List<SessionKey> tracked() {
        return new ArrayList<>(history.keySet());
    }

    /** The estimate from samples in time order (oldest first). */
    public static Estimate estimate(SessionKey key, List<Sample> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples for " + key);
        }
        Sample first = samples.get(0);
        Sample last = samples.get(samples.size() - 1);
        if (samples.size() < 2) {
            return new Estimate(key, last.workLeft(), first.workLeft(), null, null, Trend.UNKNOWN, 1, last.at());
        }
        double seconds = Duration.between(first.at(), last.at()).toNanos() / 1e9;
        long done = first.workLeft() - last.workLeft();
        if (seconds <= 0) {
            return new Estimate(key, last.workLeft(), first.workLeft(), null, null, Trend.UNKNOWN, samples.size(), last.at());
        }
        double rate = done / seconds;
        Trend trend = done > 0 ? Trend.SHRINKING : done == 0 ? Trend.STALLED : Trend.GROWING;
        Duration left = null;
        if (rate > 0) {
            double secondsLeft = last.workLeft() / rate;
            left = Duration.ofMillis(Math.round(Math.min(secondsLeft, 1e12) * 1000));
        }
        return new Estimate(key, last.workLeft(), first.workLeft(), rate, left, trend, samples.size(), last.at());
    }
}
