package dev.sessionctl.http;

import io.javalin.http.Context;

/** Why a session is where it is, and the recommended next step. */
final class ExplainController {

    private final SessionService service;

    ExplainController(SessionService service) {
        this.service = service;
    }

    void explain(Context ctx, Principal p) {
        Http.ok(ctx, service.explain(p, ctx.pathParam("target"), ctx.pathParam("key")));
    }
}
