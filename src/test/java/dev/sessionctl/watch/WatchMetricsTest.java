package dev.sessionctl.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.model.Engine;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WatchMetricsTest {

    @Test
    void sessionsByStateCountClientSessionsOnlyNotTheServersBackgroundProcesses() {
        Instant now = Instant.parse("2026-11-22T03:00:00Z");
        Snapshot snap = new Snapshot("db1", Engine.POSTGRESQL, "16", now, List.of(
                Sessions.session("db1", 10, SessionState.IDLE, now).build(),
                Sessions.session("db1", 11, SessionState.UNKNOWN, now).kind(SessionKind.BACKGROUND).build(),
                Sessions.session("db1", 12, SessionState.ACTIVE, now).kind(SessionKind.REPLICATION).build()), Set.of());
        WatchMetrics m = new WatchMetrics();
        m.polled("db1", snap, new Evaluation("db1", now, List.of()), Duration.ofMillis(3));
        assertThat(m.render())
                .contains("sessionctl_watch_sessions{target=\"db1\",state=\"idle\"} 1")
                .contains("sessionctl_watch_sessions{target=\"db1\",state=\"unknown\"} 0")
                .contains("sessionctl_watch_sessions{target=\"db1\",state=\"active\"} 0");
    }
}
