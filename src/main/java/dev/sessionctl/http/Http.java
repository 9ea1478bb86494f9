package dev.sessionctl.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sessionctl.render.Json;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Request and response helpers shared by the controllers: JSON in, JSON out, one error shape. */
final class Http {

    private Http() {
    }

    static void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json; charset=utf-8").result(Json.MAPPER.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    static void ok(Context ctx, Object body) {
        json(ctx, 200, body);
    }

    static void error(Context ctx, int status, String code, String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("code", code);
        err.put("message", message);
        json(ctx, status, Map.of("error", err));
    }

    /** The request body as a JSON object whose fields are all in {@code allowed}; 400 otherwise. */
    static ObjectNode body(Context ctx, List<String> allowed, String example) {
        String text = ctx.body();
        JsonNode node;
        try {
            node = text == null || text.isBlank() ? null : Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("request body is not valid JSON; expected an object such as " + example);
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("request body must be a JSON object such as " + example);
        }
        var names = node.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!allowed.contains(n)) {
                throw ApiException.badRequest("unknown field '" + n + "' in request body; expected " + String.join(", ", allowed));
            }
        }
        return (ObjectNode) node;
    }

    static String text(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("field '" + field + "' must be a string, got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return v.asText();
    }

    static boolean flag(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest("field '" + field + "' must be true or false, got '" + v.asText() + "'");
        }
        return v.asBoolean();
    }

    /** The TCP peer: the reverse proxy when there is one (forwarded headers are not believed here). */
    static String peer(Context ctx) {
        return ctx.req().getRemoteAddr();
    }

    /** The client address set by the server for this request (see {@link Authenticator#clientAddress}). */
    static String client(Context ctx) {
        String a = ctx.attribute(CLIENT_ATTRIBUTE);
        return a == null ? peer(ctx) : a;
    }

    static final String CLIENT_ATTRIBUTE = "sessionctl.client";
}
