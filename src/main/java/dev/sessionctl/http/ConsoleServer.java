package dev.sessionctl.http;

import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sessionctl serve}: the JSON API and the web console in one process. The route table below
 * is the whole API; docs/http.md and the OpenAPI document (/api/openapi.json) describe the same
 * routes, and a test checks that they agree.
 */
public final class ConsoleServer implements AutoCloseable {

    static final String COOKIE = "sessionctl_sid";
    static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);

    /** Who may call a route. */
    enum Access { PUBLIC, SIGNED_IN }

    /** A handler that runs for a signed-in user. */
    interface SignedIn {
        void handle(Context ctx, Principal principal);
    }

    /** One row of the route table. */
    record Route(HandlerType method, String path, Access access, String summary, io.javalin.http.Handler handler) {
    }

    private final ServeConfig config;
    private final TargetPool pool;
    private final WebSessions webSessions;
    private final Authenticator authenticator;
    private final ConsoleAudit audit;
    private final List<Route> routes;
    private final Javalin app;

    private ConsoleServer(ServeConfig config, Map<String, TargetSpec> targets, TargetPool.Connector connector,
                          Clock clock) {
        this.config = config;
        this.pool = new TargetPool(targets, connector);
        if (config.auditFile() == null) {
            throw new IllegalArgumentException("no audit file configured: every console action must be audited");
        }
        this.audit = new ConsoleAudit(config.auditFile(), ConsoleAudit.accessFileBeside(config.auditFile()), clock);
        this.webSessions = new WebSessions(config.idleTimeout(), config.absoluteTimeout(), clock);
        LoginRateLimiter limiter = new LoginRateLimiter(config.loginLimitPerAddress(), config.loginLimitPerUser(),
                config.loginWindow(), clock);
        this.authenticator = new Authenticator(config, pool, limiter, audit);
        SessionService service = new SessionService(pool, audit, config);

        AuthController auth = new AuthController(authenticator, webSessions, service, config, audit);
        TargetsController targetsC = new TargetsController(service);
        SessionsController sessions = new SessionsController(service);
        BlockersController blockers = new BlockersController(service);
        KillController kills = new KillController(service);
        ExplainController explain = new ExplainController(service);
        AuditController auditC = new AuditController(service);

        // ---------------------------------------------------------------- the route table
        this.routes = List.of(
                open(HandlerType.GET, "/api/openapi.json", "the OpenAPI 3 document of this API", ConsoleServer::openApi),
                open(HandlerType.GET, "/api/login/options", "what the sign-in page offers", auth::options),
                open(HandlerType.POST, "/api/login", "sign in (self-service database account or administrator)", auth::login),
                signedInSession(HandlerType.POST, "/api/logout", "sign out", auth::logout),
                signedInSession(HandlerType.GET, "/api/me", "the signed-in user and the CSRF token", auth::me),
                signedIn(HandlerType.GET, "/api/targets", "targets you may look at", targetsC::list),
                signedIn(HandlerType.GET, "/api/targets/{target}/sessions", "sessions, filtered", sessions::list),
                signedIn(HandlerType.GET, "/api/targets/{target}/sessions/{key}", "one session", sessions::get),
                signedIn(HandlerType.GET, "/api/targets/{target}/sessions/{key}/preview", "dry run of a kill", kills::preview),
                signedIn(HandlerType.POST, "/api/targets/{target}/sessions/{key}/kill", "kill or cancel", kills::kill),
                signedIn(HandlerType.GET, "/api/targets/{target}/sessions/{key}/explain", "why, and what next", explain::explain),
                signedIn(HandlerType.GET, "/api/targets/{target}/blockers", "blocking trees, root blockers first", blockers::tree),
                signedIn(HandlerType.GET, "/api/audit", "the audit trail", auditC::list));
        // ----------------------------------------------------------------------------------

        this.app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.startupWatcherEnabled = false;
            cfg.http.maxRequestSize = 64 * 1024;
            cfg.http.prefer405over404 = true;
            cfg.staticFiles.add(sf -> {
                sf.hostedPath = "/";
                sf.directory = "/web";
                sf.location = Location.CLASSPATH;
                sf.headers = Map.of("Cache-Control", "no-cache");
            });
            if (config.tls()) {
                cfg.jetty.addConnector((server, httpConfig) -> tlsConnector(server, httpConfig, config));
            }
        });
        app.before(this::beforeEveryRequest);
        for (Route r : routes) {
            app.addHttpHandler(r.method(), r.path(), r.handler());
        }
        app.exception(ApiException.class, (e, ctx) -> {
            if (e.retryAfterSeconds() > 0) {
                ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
            }
            Http.error(ctx, e.status(), e.code(), e.getMessage());
        });
        app.exception(TargetException.class, (e, ctx) -> targetError(ctx, e));
        app.exception(HttpResponseException.class, (e, ctx) -> {
            switch (e.getStatus()) {
                case 404 -> Http.error(ctx, 404, "no-such-route", "no route " + ctx.method() + " " + ctx.path()
                        + "; the API is described at /api/openapi.json");
                case 405 -> Http.error(ctx, 405, "method-not-allowed", "method " + ctx.method() + " is not allowed on "
                        + ctx.path() + "; see /api/openapi.json");
                default -> Http.error(ctx, e.getStatus(), "http-" + e.getStatus(), e.getMessage());
            }
        });
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("internal failure on {} {}", ctx.method(), ctx.path(), e);
            Http.error(ctx, 500, "internal", "internal error (" + e.getClass().getSimpleName()
                    + "); nothing further was done; see the server log");
        });
    }

    /** Starts the server; port 0 picks a free port (see {@link #port()}). */
    public static ConsoleServer start(ServeConfig config, Map<String, TargetSpec> targets,
                                      TargetPool.Connector connector) {
        return start(config, targets, connector, Clock.systemUTC());
    }

    static ConsoleServer start(ServeConfig config, Map<String, TargetSpec> targets, TargetPool.Connector connector,
                               Clock clock) {
        ConsoleServer s = new ConsoleServer(config, targets, connector, clock);
        if (config.tls()) {
            s.app.start();
        } else {
            s.app.start(config.host(), config.port());
        }
        return s;
    }

    public int port() {
        if (config.tls()) {
            return ((ServerConnector) app.jettyServer().server().getConnectors()[0]).getLocalPort();
        }
        return app.port();
    }

    public String url() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return (config.tls() ? "https" : "http") + "://" + host + ":" + port() + "/";
    }

    /** The audit trail of actions (shared with the CLI's {@code sessionctl audit}). */
    public Path auditFile() {
        return audit.actionsFile();
    }

    /** The console's access events (sign-ins, sign-outs, refused kills). */
    public Path accessFile() {
        return audit.file();
    }

    List<Route> routes() {
        return routes;
    }

    @Override
    public void close() {
        app.stop();
        pool.close();
    }

    // ---- route kinds ---------------------------------------------------------------------------

    private Route open(HandlerType method, String path, String summary, io.javalin.http.Handler h) {
        return new Route(method, path, Access.PUBLIC, summary, ctx -> {
            if (method == HandlerType.POST) {
                requireJson(ctx);
            }
            h.handle(ctx);
        });
    }

    private Route signedIn(HandlerType method, String path, String summary, SignedIn h) {
        return signedInSession(method, path, summary, (ctx, s) -> h.handle(ctx, s.principal()));
    }

    private interface WithSession {
        void handle(Context ctx, WebSessions.WebSession session);
    }

    /** Resolves the user (cookie session or trusted proxy header) and checks CSRF on state changes. */
    private Route signedInSession(HandlerType method, String path, String summary, WithSession h) {
        return new Route(method, path, Access.SIGNED_IN, summary, ctx -> {
            WebSessions.WebSession s = currentSession(ctx);
            if (method != HandlerType.GET && method != HandlerType.HEAD) {
                requireJson(ctx);
                if (!WebSessions.csrfMatches(s, ctx.header(CSRF_HEADER))) {
                    throw new ApiException(403, "csrf", "missing or wrong " + CSRF_HEADER + " header; send the"
                            + " csrfToken from GET /api/me (or the sign-in response) with every state-changing request."
                            + " Nothing was done.");
                }
            }
            h.handle(ctx, s);
        });
    }

    private WebSessions.WebSession currentSession(Context ctx) {
        Optional<Principal> proxied = authenticator.proxy(Http.peer(ctx), ctx::header);
        Optional<WebSessions.WebSession> s = webSessions.find(ctx.cookie(COOKIE));
        if (proxied.isPresent()) {
            if (s.isPresent() && s.get().principal().equals(proxied.get())) {
                return s.get();
            }
            Optional<WebSessions.WebSession> existing = webSessions.findFor(proxied.get());
            if (existing.isPresent()) {
                setSessionCookie(ctx, existing.get().id(), config.tls());
                return existing.get();
            }
            // the proxy vouches for this user: give the browser a session (and CSRF token)
            WebSessions.WebSession created = webSessions.create(proxied.get());
            audit.event("login", proxied.get(), null, null, Http.client(ctx), "identity header from trusted proxy");
            setSessionCookie(ctx, created.id(), config.tls());
            return created;
        }
        return s.orElseThrow(() -> ApiException.unauthorized("not signed in (or the session expired); sign in with"
                + " POST /api/login"));
    }

    private static void requireJson(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(415, "unsupported-media-type", "send the request body as application/json"
                    + " (got " + (type == null ? "no Content-Type" : "'" + type + "'") + ")");
        }
    }

    static void setSessionCookie(Context ctx, String id, boolean tls) {
        ctx.res().addHeader("Set-Cookie", COOKIE + "=" + id + "; Path=/; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : ""));
    }

    static void clearSessionCookie(Context ctx, boolean tls) {
        ctx.res().addHeader("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : ""));
    }

    private void beforeEveryRequest(Context ctx) {
        ctx.attribute(Http.CLIENT_ATTRIBUTE, authenticator.clientAddress(Http.peer(ctx), ctx.header("X-Forwarded-For")));
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self';"
                + " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
        if (config.tls()) {
            ctx.header("Strict-Transport-Security", "max-age=31536000");
        }
        if (ctx.path().startsWith("/api/")) {
            ctx.header("Cache-Control", "no-store");
        }
    }

    /** Target failures in the error shape; messages never hold passwords (the dialects redact URLs). */
    private static void targetError(Context ctx, TargetException e) {
        int status;
        String code;
        switch (e.kind()) {
            case UNREACHABLE, CONNECTION_LOST -> { status = 503; code = "target-unreachable"; }
            case AUTHENTICATION -> { status = 502; code = "target-authentication"; }
            case PRIVILEGE -> { status = 502; code = "target-privilege"; }
            case UNSUPPORTED -> { status = 400; code = "unsupported"; }
            default -> { status = 502; code = "target-error"; }
        }
        Http.error(ctx, status, code, e.getMessage() + (e.fix() == null ? "" : "; fix: " + e.fix()));
    }

    private static void openApi(Context ctx) {
        try (InputStream in = ConsoleServer.class.getResourceAsStream("/http/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json missing from the jar");
            }
            ctx.contentType("application/json; charset=utf-8").result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ServerConnector tlsConnector(org.eclipse.jetty.server.Server server, HttpConfiguration httpConfig,
                                                ServeConfig config) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(config.keystore().toString());
        ssl.setKeyStorePassword(config.keystorePassword());
        ssl.setKeyStoreType(config.keystoreType());
        HttpConfiguration https = new HttpConfiguration(httpConfig);
        https.addCustomizer(new SecureRequestCustomizer());
        ServerConnector c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
                new HttpConnectionFactory(https));
        c.setHost(config.host());
        c.setPort(config.port());
        return c;
    }
}
