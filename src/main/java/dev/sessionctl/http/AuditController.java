package dev.sessionctl.http;

import io.javalin.http.Context;

/** The audit trail, newest first; self-service users see only their own records. */
final class AuditController {

    private final SessionService service;

    AuditController(SessionService service) {
        this.service = service;
    }

    void list(Context ctx, Principal p) {
        Http.ok(ctx, service.audit(p, ctx.queryParamMap()));
    }
}
