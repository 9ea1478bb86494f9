package dev.sessionctl.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Durations;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts a Slack-compatible message ({@code {"text": ...}}, plus the structured fields) for every
 * action and every report. Asynchronous: the kill path never waits on a webhook.
 */
public final class WebhookNotifier implements WatchListener {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final URI url;
    private final HttpClient client;

    public WebhookNotifier(String url) {
        this.url = URI.create(url);
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public void acted(Decision d, KillResult r, Duration reactionDelay) {
        String text = ":warning: sessionctl watch: rule *" + d.rule() + "* " + r.action().label() + " on *" + d.target()
                + "* session `" + r.key().printable() + "` (user " + d.session().user() + "): " + r.outcome().label()
                + " in " + Durations.format(r.elapsed()) + ". Why: " + d.reason();
        Map<String, Object> body = base(d, text);
        body.put("outcome", r.outcome().label());
        body.put("message", r.message());
        body.put("reactionDelayMillis", reactionDelay.toMillis());
        post(body);
    }

    @Override
    public void decided(Decision d) {
        if (d.verdict() != Decision.Verdict.REPORT) {
            return;
        }
        post(base(d, ":information_source: sessionctl watch: rule *" + d.rule() + "* on *" + d.target() + "* reports session `"
                + d.session().key().printable() + "` (user " + d.session().user() + "): " + d.reason()));
    }

    private static Map<String, Object> base(Decision d, String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", text);
        m.put("rule", d.rule());
        m.put("target", d.target());
        m.put("key", d.session().key().printable());
        m.put("user", d.session().user());
        m.put("verdict", d.verdict().label());
        m.put("action", d.action().label());
        m.put("reason", d.reason());
        return m;
    }

    private void post(Map<String, Object> body) {
        String json;
        try {
            json = MAPPER.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            return;
        }
        HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        client.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, err) -> {
            if (err != null) {
                LOG.warn("event=webhook-failed error=\"{}\"", err.toString());
            } else if (resp.statusCode() >= 300) {
                LOG.warn("event=webhook-failed status={}", resp.statusCode());
            }
        });
    }
}
