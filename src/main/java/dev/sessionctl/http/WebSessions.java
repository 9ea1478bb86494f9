package dev.sessionctl.http;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.nio.charset.StandardCharsets;

/**
 * Server-side console sessions: a random id in an HttpOnly cookie maps to the principal and its
 * CSRF token. Nothing secret is kept: a self-service user's database password is dropped once the
 * sign-in check is done; only the user name and target live here. Sessions end after an idle
 * timeout and an absolute lifetime.
 */
public final class WebSessions {

    /** One signed-in browser. */
    public record WebSession(String id, Principal principal, String csrfToken, Instant created, Instant lastSeen) {
        WebSession touch(Instant now) {
            return new WebSession(id, principal, csrfToken, created, now);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, WebSession> sessions = new ConcurrentHashMap<>();
    private final Duration idleTimeout;
    private final Duration absoluteTimeout;
    private final Clock clock;

    public WebSessions(Duration idleTimeout, Duration absoluteTimeout, Clock clock) {
        this.idleTimeout = idleTimeout;
        this.absoluteTimeout = absoluteTimeout;
        this.clock = clock;
    }

    public WebSession create(Principal principal) {
        Instant now = clock.instant();
        WebSession s = new WebSession(randomToken(), principal, randomToken(), now, now);
        sessions.put(s.id(), s);
        if (sessions.size() > 10_000) {
            sessions.values().removeIf(x -> expired(x, now));
        }
        return s;
    }

    /** The live session for a cookie value, refreshed; empty when unknown or expired. */
    public Optional<WebSession> find(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        WebSession s = sessions.get(id);
        if (s == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (expired(s, now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        WebSession touched = s.touch(now);
        sessions.put(id, touched);
        return Optional.of(touched);
    }

    /**
     * A live session of this principal, if any: a client behind the trusted proxy that keeps no
     * cookies reuses it instead of opening (and auditing) a new session per request.
     */
    public Optional<WebSession> findFor(Principal principal) {
        Instant now = clock.instant();
        return sessions.values().stream().filter(s -> s.principal().equals(principal) && !expired(s, now))
                .findFirst().flatMap(s -> find(s.id()));
    }

    public void remove(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Constant-time check of a request's CSRF header against the session's token. */
    public static boolean csrfMatches(WebSession session, String presented) {
        if (presented == null || presented.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(session.csrfToken().getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }

    private boolean expired(WebSession s, Instant now) {
        return !s.lastSeen().plus(idleTimeout).isAfter(now) || !s.created().plus(absoluteTimeout).isAfter(now);
    }

    static String randomToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
