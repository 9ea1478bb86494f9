package dev.sessionctl.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Sign-in, sign-out and "who am I" (which also hands the browser its CSRF token). */
final class AuthController {

    private final Authenticator authenticator;
    private final WebSessions sessions;
    private final SessionService service;
    private final ServeConfig config;
    private final ConsoleAudit audit;

    AuthController(Authenticator authenticator, WebSessions sessions, SessionService service, ServeConfig config,
                   ConsoleAudit audit) {
        this.authenticator = authenticator;
        this.sessions = sessions;
        this.service = service;
        this.config = config;
        this.audit = audit;
    }

    /** What the sign-in page offers: self-service targets and whether administrator sign-in exists. */
    void options(Context ctx) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("selfServiceTargets", service.selfServiceTargets());
        m.put("adminSignIn", !config.adminHashes().isEmpty());
        Http.ok(ctx, m);
    }

    void login(Context ctx) {
        ObjectNode body = Http.body(ctx, List.of("mode", "target", "username", "password"),
                "{\"mode\": \"database\", \"target\": \"prod-pg\", \"username\": \"alice\", \"password\": \"...\"}");
        String mode = Http.text(body, "mode");
        String password = Http.text(body, "password");
        char[] pw = password == null ? null : password.toCharArray();
        Principal p;
        if ("database".equals(mode)) {
            p = authenticator.database(Http.text(body, "target"), Http.text(body, "username"), pw, Http.client(ctx));
        } else if ("admin".equals(mode)) {
            p = authenticator.admin(Http.text(body, "username"), pw, Http.client(ctx));
        } else {
            throw ApiException.badRequest((mode == null ? "missing field 'mode'" : "invalid mode '" + mode + "'")
                    + "; expected database (your own database account)"
                    + " or admin (a sessionctl administrator)");
        }
        String old = ctx.cookie(ConsoleServer.COOKIE);
        sessions.remove(old); // a new session id at every sign-in: no fixation
        WebSessions.WebSession s = sessions.create(p);
        ConsoleServer.setSessionCookie(ctx, s.id(), config.tls());
        Http.ok(ctx, me(s));
    }

    void logout(Context ctx, WebSessions.WebSession s) {
        sessions.remove(s.id());
        audit.event("logout", s.principal(), null, s.principal().target(), Http.client(ctx), "signed out");
        ConsoleServer.clearSessionCookie(ctx, config.tls());
        Http.ok(ctx, Map.of("signedOut", true));
    }

    void me(Context ctx, WebSessions.WebSession s) {
        Http.ok(ctx, me(s));
    }

    private static Map<String, Object> me(WebSessions.WebSession s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user", s.principal().name());
        m.put("role", s.principal().role().label());
        m.put("target", s.principal().target());
        m.put("via", s.principal().via());
        m.put("csrfToken", s.csrfToken());
        return m;
    }
}
