package dev.sessionctl.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fixed-window limits on failed sign-ins, per client address and per user name: once either has
 * used its allowance in the current window, every further attempt is refused (even with the right
 * password) until the window ends. A successful sign-in does not reset the counters, so guessing
 * cannot be interleaved with a known good password.
 */
public final class LoginRateLimiter {

    private final int perAddress;
    private final int perUser;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Window> counters = new ConcurrentHashMap<>();

    public LoginRateLimiter(int perAddress, int perUser, Duration window, Clock clock) {
        this.perAddress = perAddress;
        this.perUser = perUser;
        this.window = window;
        this.clock = clock;
    }

    private static final class Window {
        final Instant start;
        int failures;

        Window(Instant start) {
            this.start = start;
        }
    }

    /** Seconds until attempts are allowed again for this address or user, or 0 when allowed now. */
    public synchronized long retryAfterSeconds(String address, String user) {
        Instant now = clock.instant();
        long a = blockedFor("ip:" + address, perAddress, now);
        long u = user == null ? 0 : blockedFor(userKey(user), perUser, now);
        return Math.max(a, u);
    }

    public synchronized void recordFailure(String address, String user) {
        Instant now = clock.instant();
        bump("ip:" + address, now);
        if (user != null) {
            bump(userKey(user), now);
        }
        if (counters.size() > 100_000) {
            counters.values().removeIf(w -> !w.start.plus(window).isAfter(now));
        }
    }

    private static String userKey(String user) {
        // case-folded so SCOTT and scott share one allowance whatever the engine's case rules
        return "user:" + user.strip().toLowerCase(Locale.ROOT);
    }

    private void bump(String key, Instant now) {
        Window w = counters.get(key);
        if (w == null || !w.start.plus(window).isAfter(now)) {
            w = new Window(now);
            counters.put(key, w);
        }
        w.failures++;
    }

    private long blockedFor(String key, int limit, Instant now) {
        Window w = counters.get(key);
        if (w == null) {
            return 0;
        }
        Instant end = w.start.plus(window);
        if (!end.isAfter(now)) {
            counters.remove(key);
            return 0;
        }
        return w.failures >= limit ? Math.max(1, Duration.between(now, end).toSeconds()) : 0;
    }
}
