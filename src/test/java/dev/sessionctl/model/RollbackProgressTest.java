package dev.sessionctl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RollbackProgressTest {

    static final SessionKey KEY = new SessionKey("t", 1, 125, "4892");
    static final Instant T0 = Instant.parse("2026-11-22T03:00:00Z");

    @Test
    void rateAndTimeLeftFromOldestToNewestSample() {
        RollbackProgress p = new RollbackProgress();
        assertThat(p.record(KEY, T0, 10_000).trend()).isEqualTo(RollbackProgress.Trend.UNKNOWN);
        p.record(KEY, T0.plusSeconds(10), 9_000);
        RollbackProgress.Estimate e = p.record(KEY, T0.plusSeconds(20), 8_000);
        assertThat(e.perSecond()).isEqualTo(100.0);
        assertThat(e.timeLeft()).isEqualTo(Duration.ofSeconds(80));
        assertThat(e.expectedEnd()).isEqualTo(T0.plusSeconds(100));
        assertThat(e.percentDone()).isEqualTo(20.0);
        assertThat(e.trend()).isEqualTo(RollbackProgress.Trend.SHRINKING);
        assertThat(e.samples()).isEqualTo(3);
    }

    @Test
    void stalledAndGrowing() {
        RollbackProgress.Estimate stalled = RollbackProgress.estimate(KEY, List.of(
                new RollbackProgress.Sample(T0, 500), new RollbackProgress.Sample(T0.plusSeconds(30), 500)));
        assertThat(stalled.trend()).isEqualTo(RollbackProgress.Trend.STALLED);
        assertThat(stalled.timeLeft()).isNull();
        RollbackProgress.Estimate growing = RollbackProgress.estimate(KEY, List.of(
                new RollbackProgress.Sample(T0, 500), new RollbackProgress.Sample(T0.plusSeconds(30), 800)));
        assertThat(growing.trend()).isEqualTo(RollbackProgress.Trend.GROWING);
        assertThat(growing.timeLeft()).isNull();
    }

    @Test
    void windowKeepsOnlyTheNewestSamplesAndIgnoresOldOnes() {
        RollbackProgress p = new RollbackProgress(2);
        p.record(KEY, T0, 1000);
        p.record(KEY, T0.plusSeconds(10), 900);
        p.record(KEY, T0.plusSeconds(5), 1);        // not newer: ignored
        RollbackProgress.Estimate e = p.record(KEY, T0.plusSeconds(20), 500); // window: 900 -> 500 in 10 s
        assertThat(e.perSecond()).isEqualTo(40.0);
        assertThat(e.firstSeen()).isEqualTo(900);
        p.retainOnly(List.of());
        assertThat(p.estimate(KEY)).isEmpty();
        assertThatThrownBy(() -> new RollbackProgress(1)).isInstanceOf(IllegalArgumentException.class);
    }
}
