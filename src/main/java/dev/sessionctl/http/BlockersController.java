package dev.sessionctl.http;

import io.javalin.http.Context;

/** Blocking trees: root blockers first, each with the sessions waiting behind it. */
final class BlockersController {

    private final SessionService service;

    BlockersController(SessionService service) {
        this.service = service;
    }

    void tree(Context ctx, Principal p) {
        if (!ctx.queryParamMap().isEmpty()) {
            throw ApiException.badRequest("blockers takes no query parameters; got "
                    + String.join(", ", ctx.queryParamMap().keySet()));
        }
        Http.ok(ctx, service.blockers(p, ctx.pathParam("target")));
    }
}
