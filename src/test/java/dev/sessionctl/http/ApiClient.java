package dev.sessionctl.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** One "browser" for API tests: its own cookie jar and the CSRF token it was given. */
final class ApiClient {

    static final ObjectMapper JSON = new ObjectMapper();

    record Response(int status, String text, JsonNode json, HttpHeaders headers) {
        String errorCode() {
            return json.path("error").path("code").asText(null);
        }

        String errorMessage() {
            return json.path("error").path("message").asText(null);
        }
    }

    private final HttpClient http;
    private final String base;
    String csrf;

    ApiClient(String base) {
        this(base, HttpClient.newBuilder().cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(5)).build());
    }

    ApiClient(String base, HttpClient http) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.http = http;
    }

    Response get(String path) {
        return get(path, Map.of());
    }

    Response get(String path, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET().timeout(Duration.ofSeconds(60));
        headers.forEach(b::setHeader);
        return send(b.build());
    }

    /** POST with this client's CSRF token (when it has one). */
    Response post(String path, String json) {
        return post(path, json, csrf == null ? Map.of() : Map.of("X-CSRF-Token", csrf));
    }

    Response post(String path, String json, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60));
        headers.forEach(b::setHeader);
        return send(b.build());
    }

    Response loginDatabase(String target, String user, String password) {
        Response r = post("/api/login", "{\"mode\":\"database\",\"target\":\"" + target + "\",\"username\":\"" + user
                + "\",\"password\":\"" + password + "\"}", Map.of());
        if (r.status() == 200) {
            csrf = r.json().get("csrfToken").asText();
        }
        return r;
    }

    Response loginAdmin(String user, String password) {
        Response r = post("/api/login", "{\"mode\":\"admin\",\"username\":\"" + user + "\",\"password\":\"" + password + "\"}",
                Map.of());
        if (r.status() == 200) {
            csrf = r.json().get("csrfToken").asText();
        }
        return r;
    }

    private Response send(HttpRequest req) {
        try {
            HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            if (res.body() != null && !res.body().isBlank() && res.headers().firstValue("Content-Type")
                    .orElse("").startsWith("application/json")) {
                json = JSON.readTree(res.body());
            }
            return new Response(res.statusCode(), res.body(), json == null ? JSON.createObjectNode() : json, res.headers());
        } catch (Exception e) {
            throw new IllegalStateException("request " + req.method() + " " + req.uri() + " failed", e);
        }
    }
}
