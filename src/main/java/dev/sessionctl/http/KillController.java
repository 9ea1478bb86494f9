package dev.sessionctl.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.List;

/** Kill and cancel, and their dry-run preview. */
final class KillController {

    private final SessionService service;

    KillController(SessionService service) {
        this.service = service;
    }

    void preview(Context ctx, Principal p) {
        for (String name : ctx.queryParamMap().keySet()) {
            if (!name.equals("action")) {
                throw ApiException.badRequest("unknown query parameter '" + name + "'; expected action");
            }
        }
        Http.ok(ctx, service.preview(p, ctx.pathParam("target"), ctx.pathParam("key"), ctx.queryParam("action")));
    }

    void kill(Context ctx, Principal p) {
        ObjectNode body = Http.body(ctx, List.of("action", "reason", "dryRun", "verify"),
                "{\"action\": \"terminate\", \"reason\": \"blocks checkout\", \"verify\": true}");
        SessionService.KillCommand cmd = new SessionService.KillCommand(ctx.pathParam("key"),
                Http.text(body, "action"), Http.text(body, "reason"), Http.flag(body, "dryRun"), Http.flag(body, "verify"));
        Http.ok(ctx, service.kill(p, ctx.pathParam("target"), cmd, Http.client(ctx)));
    }
}
