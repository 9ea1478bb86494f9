package dev.sessionctl.http;

import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * Proves who is asking. Three ways in:
 * <ul>
 * <li><b>self-service</b>: a database user name and password for one target, checked by connecting
 *     as that user ({@link TargetPool.Connector}, i.e. {@code DialectRegistry.connect}); the
 *     connection is closed and the password dropped at once: only the user name (as the engine
 *     spells it) and the target are kept;</li>
 * <li><b>admin</b>: a user of the serve config, checked against its PBKDF2 hash;</li>
 * <li><b>proxy</b>: an identity header set by a trusted reverse proxy, honoured only when the TCP
 *     peer is one of the configured proxy addresses.</li>
 * </ul>
 * Failed attempts count against per-address and per-user fixed windows; every attempt is audited.
 */
public final class Authenticator {

    private final ServeConfig config;
    private final TargetPool pool;
    private final LoginRateLimiter limiter;
    private final ConsoleAudit audit;

    public Authenticator(ServeConfig config, TargetPool pool, LoginRateLimiter limiter, ConsoleAudit audit) {
        this.config = config;
        this.pool = pool;
        this.limiter = limiter;
        this.audit = audit;
    }

    /** Sign-in with a configured administrator account. */
    public Principal admin(String username, char[] password, String address) {
        try {
            String user = checkUserName(username);
            checkPassword(password);
            throttle(address, user);
            String stored = config.adminHashes().get(user);
            boolean ok;
            if (stored == null) {
                PasswordHasher.burn(password);
                ok = false;
            } else {
                ok = PasswordHasher.verify(password, stored);
            }
            if (!ok) {
                fail(address, user, null, "wrong administrator user name or password");
            }
            Principal p = Principal.admin(user, "password");
            audit.event("login", p, null, null, address, "administrator sign-in");
            return p;
        } finally {
            wipe(password);
        }
    }

    /**
     * Self-service sign-in: connects to the target as this database user. The server never stores
     * the password; the kill path later uses the server's own DBA connection.
     */
    public Principal database(String target, String username, char[] password, String address) {
        try {
            if (target == null || target.isBlank()) {
                throw ApiException.badRequest("missing target; expected the name of a target, one of "
                        + String.join(", ", pool.names()));
            }
            TargetSpec dba = pool.spec(target);
            if (!config.selfServiceAllowed(target)) {
                throw ApiException.forbidden("self-service sign-in is not enabled for target '" + target + "'");
            }
            String user = checkUserName(username);
            checkPassword(password);
            throttle(address, user);
            TargetSpec asUser = new TargetSpec(dba.name(), dba.url(), UserNames.forLogin(user), new String(password),
                    dba.options(), dba.protection());
            String canonical;
            try (TargetConnection c = pool.connector().connect(asUser)) {
                canonical = UserNames.canonical(c.info().engine(), user, c.info().user());
            } catch (TargetException e) {
                if (e.kind() == TargetException.Kind.AUTHENTICATION) {
                    fail(address, user, target, "the database rejected the user name or password");
                }
                if (e.kind() == TargetException.Kind.UNREACHABLE || e.kind() == TargetException.Kind.CONNECTION_LOST) {
                    audit.event("login-failed", null, user, target, address, "target unreachable");
                    throw new ApiException(503, "target-unreachable", "cannot reach target '" + target
                            + "' to check the credentials; try again later");
                }
                // anything else after the server saw the credentials: not a proof of identity
                limiter.recordFailure(address, user);
                audit.event("login-failed", null, user, target, address, "connection check failed: " + e.kind());
                throw new ApiException(401, "login-failed", "signing in to '" + target + "' as " + user
                        + " did not succeed (" + e.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                        + (e.errorCode() == null ? "" : ", " + e.errorCode()) + ")");
            }
            Principal p = Principal.selfService(canonical, target);
            audit.event("login", p, null, target, address, "self-service sign-in checked by connecting as the user");
            return p;
        } finally {
            wipe(password);
        }
    }

    /** The identity asserted by a trusted reverse proxy, when the request really comes from one. */
    public Optional<Principal> proxy(String remoteAddress, Function<String, String> header) {
        if (config.identityHeader() == null || config.trustedProxies().isEmpty() || remoteAddress == null) {
            return Optional.empty();
        }
        String value = header.apply(config.identityHeader()); // case-insensitive lookup (HTTP/2 sends lower case)
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        if (!isTrustedProxy(remoteAddress)) {
            return Optional.empty(); // anyone can send the header; only the proxy's is believed
        }
        String user = value.strip();
        if (!user.matches("[A-Za-z0-9._@+\\-\\\\]{1,128}")) {
            throw ApiException.badRequest("identity header " + config.identityHeader() + " holds an invalid user name;"
                    + " expected letters, digits and . _ @ + - (at most 128)");
        }
        return Optional.of(Principal.admin(user, "proxy"));
    }

    /**
     * The client's address for rate limiting and the audit trail: the TCP peer, or, when the peer is
     * a trusted proxy, the last address that proxy appended to X-Forwarded-For (the only entry it vouches for).
     */
    public String clientAddress(String peer, String forwardedFor) {
        if (forwardedFor == null || forwardedFor.isBlank() || peer == null || !isTrustedProxy(peer)) {
            return peer;
        }
        String[] hops = forwardedFor.split(",");
        String last = hops[hops.length - 1].strip();
        return last.matches("[0-9A-Fa-f.:]{2,45}") ? last : peer;
    }

    boolean isTrustedProxy(String remoteAddress) {
        try {
            // the peer address is a literal from the socket: no DNS lookup happens here
            InetAddress peer = InetAddress.getByName(remoteAddress);
            return config.trustedProxies().contains(peer);
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private void throttle(String address, String user) {
        long wait = limiter.retryAfterSeconds(address, user);
        if (wait > 0) {
            audit.event("login-throttled", null, user, null, address, "too many failed sign-ins");
            throw new ApiException(429, "too-many-attempts", "too many failed sign-in attempts for this user or"
                    + " address; try again in " + wait + " s", wait);
        }
    }

    private void fail(String address, String user, String target, String why) {
        limiter.recordFailure(address, user);
        audit.event("login-failed", null, user, target, address, why);
        throw new ApiException(401, "login-failed", "sign-in failed: wrong user name or password");
    }

    private static String checkUserName(String username) {
        if (username == null || username.isBlank()) {
            throw ApiException.badRequest("missing username; expected a user name");
        }
        if (username.length() > 128 || username.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw ApiException.badRequest("invalid username; expected at most 128 printable characters");
        }
        return username.strip();
    }

    private static void checkPassword(char[] password) {
        if (password == null || password.length == 0) {
            throw ApiException.badRequest("missing password");
        }
        if (password.length > 1024) {
            throw ApiException.badRequest("password longer than 1024 characters");
        }
    }

    private static void wipe(char[] password) {
        if (password != null) {
            Arrays.fill(password, '\0');
        }
    }
}
