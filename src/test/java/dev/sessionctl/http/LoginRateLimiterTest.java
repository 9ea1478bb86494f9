package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LoginRateLimiterTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-22T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void perUserLimitBlocksThatUserFromAnyAddressUntilTheWindowEnds() {
        ManualClock clock = new ManualClock();
        LoginRateLimiter l = new LoginRateLimiter(100, 3, Duration.ofMinutes(15), clock);
        for (int i = 0; i < 3; i++) {
            assertThat(l.retryAfterSeconds("10.0.0." + i, "alice")).isZero();
            l.recordFailure("10.0.0." + i, "alice");
        }
        assertThat(l.retryAfterSeconds("10.0.0.9", "alice")).isEqualTo(15 * 60);
        assertThat(l.retryAfterSeconds("10.0.0.9", "ALICE")).as("case-folded").isPositive();
        assertThat(l.retryAfterSeconds("10.0.0.9", "bob")).isZero();
        clock.now = clock.now.plus(Duration.ofMinutes(14));
        assertThat(l.retryAfterSeconds("10.0.0.9", "alice")).isEqualTo(60);
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        assertThat(l.retryAfterSeconds("10.0.0.9", "alice")).isZero();
    }

    @Test
    void perAddressLimitBlocksEveryUserFromThatAddress() {
        ManualClock clock = new ManualClock();
        LoginRateLimiter l = new LoginRateLimiter(2, 100, Duration.ofMinutes(1), clock);
        l.recordFailure("192.0.2.7", "u1");
        l.recordFailure("192.0.2.7", "u2");
        assertThat(l.retryAfterSeconds("192.0.2.7", "u3")).isPositive();
        assertThat(l.retryAfterSeconds("192.0.2.8", "u3")).isZero();
    }
}
