package dev.sessionctl.watch;

import static dev.sessionctl.watch.Sessions.idleInTx;
import static dev.sessionctl.watch.Sessions.waiter;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.target.TargetSpec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Metrics text, the /metrics endpoint and the webhook, driven by a real watchdog on an in-memory target. */
class WatchObservabilityTest {

    @Test
    void metricsWebhookAndEndpointAfterAKill() throws Exception {
        LinkedBlockingQueue<String> posted = new LinkedBlockingQueue<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hook.createContext("/hook", ex -> {
            posted.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        hook.start();
        Instant since = Instant.now().minusSeconds(5);
        FakeTarget t = new FakeTarget("db1", List.of(idleInTx("db1", 10, since), waiter("db1", 11, since, 10),
                Sessions.session("db1", 12, dev.sessionctl.model.SessionState.IDLE, since).build()));
        Policy p = PolicyFile.parse(Path.of("p.yaml"), """
                interval: 50ms
                notify: {webhook: "http://127.0.0.1:%d/hook"}
                rules:
                  - name: idle-blockers
                    when: {idleInTransaction: 1s, waiters: 1}
                    action: kill
                """.formatted(hook.getAddress().getPort()), Map.<String, String>of()::get);
        WatchMetrics metrics = new WatchMetrics();
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, metrics);
             Watchdog dog = new Watchdog(p, List.of(new TargetSpec("db1", "fake:", "u", null, null, ProtectionPolicy.none())),
                     s -> t, null, WatchListener.all(List.of(metrics, new WatchLog(), new WebhookNotifier(p.webhookUrl()))),
                     null, Watchdog.Options.defaults(), null)) {
            dog.start();
            String body = posted.poll(20, TimeUnit.SECONDS);
            assertThat(body).as("webhook posted").isNotNull();
            JsonNode msg = new ObjectMapper().readTree(body);
            assertThat(msg.get("text").asText()).contains("rule *idle-blockers* terminate on *db1* session `10,inc10`")
                    .contains("terminated");
            assertThat(msg.get("outcome").asText()).isEqualTo("terminated");
            assertThat(msg.get("reason").asText()).contains("idle in transaction");

            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
            assertThat(r.body())
                    .contains("sessionctl_watch_target_up{target=\"db1\"} 1")
                    .contains("sessionctl_watch_actions_total{rule=\"idle-blockers\",action=\"kill\",outcome=\"terminated\"} 1")
                    .contains("sessionctl_watch_reaction_delay_seconds_count 1")
                    .contains("sessionctl_watch_poll_seconds_count{target=\"db1\"}")
                    .contains("# TYPE sessionctl_watch_reaction_delay_seconds histogram");
            assertThat(r.body()).containsPattern("sessionctl_watch_sessions\\{target=\"db1\",state=\"idle\"\\} [12]");
        } finally {
            hook.stop(0);
        }
    }

    @Test
    void labelValuesAreEscaped() {
        assertThat(WatchMetrics.labels("rule", "a\"b\\c\nd")).isEqualTo("{rule=\"a\\\"b\\\\c\\nd\"}");
    }
}
