package dev.sessionctl.http;

import io.javalin.http.Context;

/** The targets the signed-in user may look at. */
final class TargetsController {

    private final SessionService service;

    TargetsController(SessionService service) {
        this.service = service;
    }

    void list(Context ctx, Principal p) {
        Http.ok(ctx, service.targets(p));
    }
}
