package dev.sessionctl.http;

import io.javalin.http.Context;

/** Sessions of a target, filtered with the CLI's filters as query parameters, and one session. */
final class SessionsController {

    private final SessionService service;

    SessionsController(SessionService service) {
        this.service = service;
    }

    void list(Context ctx, Principal p) {
        Http.ok(ctx, service.sessions(p, ctx.pathParam("target"), SessionQuery.parse(ctx.queryParamMap())));
    }

    void get(Context ctx, Principal p) {
        Http.ok(ctx, service.session(p, ctx.pathParam("target"), ctx.pathParam("key")));
    }
}
