package dev.sessionctl.http;

import io.javalin.http.Context;

/** Why a session is where it is, and the recommended next step. */
final class ExplainController {

    private final SessionService service;

    ExplainController(SessionService service) {
        this.service = service;
    }

    void explain(Context ctx, Principal p) {
        for (String name : ctx.queryParamMap().keySet()) {
            if (!name.equals("sample")) {
                throw ApiException.badRequest("unknown query parameter '" + name + "'; expected sample");
            }
        }
        Http.ok(ctx, service.explain(p, ctx.pathParam("target"), ctx.pathParam("key"), ctx.queryParam("sample")));
    }
}
