package dev.sessionctl.watch;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The watchdog's counters, rendered in the Prometheus text exposition format (version 0.0.4) by
 * {@link #render()}. Any HTTP server can serve that text; {@link MetricsServer} is a tiny one on
 * the JDK's built-in server for {@code watch --metrics-port}.
 */
public final class WatchMetrics implements WatchListener {

    /** Upper bounds (seconds) of the reaction-delay histogram: threshold crossed to action done. */
    static final double[] DELAY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final Map<String, Map<SessionState, Integer>> sessionsByState = new ConcurrentHashMap<>();
    private final Map<String, Integer> rootBlockers = new ConcurrentHashMap<>();
    private final Map<String, Double> lastPollSeconds = new ConcurrentHashMap<>();
    private final Map<String, DoubleAdder> pollSecondsSum = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> polls = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> pollErrors = new ConcurrentHashMap<>();
    private final Map<String, Integer> up = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> actions = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> decisions = new ConcurrentHashMap<>();
    private final AtomicLong[] delayBuckets = new AtomicLong[DELAY_BUCKETS.length];
    private final DoubleAdder delaySum = new DoubleAdder();
    private final AtomicLong delayCount = new AtomicLong();

    public WatchMetrics() {
        for (int i = 0; i < delayBuckets.length; i++) {
            delayBuckets[i] = new AtomicLong();
        }
    }

    @Override
    public void polled(String target, Snapshot snapshot, Evaluation evaluation, Duration pollTime) {
        Map<SessionState, Integer> counts = new EnumMap<>(SessionState.class);
        for (SessionState s : SessionState.values()) {
            counts.put(s, 0);
        }
        for (Session s : snapshot.sessions()) {
            // background and replication processes have no client state: counted, they fill "unknown"
            if (s.kind() == SessionKind.CLIENT) {
                counts.merge(s.state(), 1, Integer::sum);
            }
        }
        sessionsByState.put(target, counts);
        rootBlockers.put(target, (int) BlockingAnalyzer.analyze(snapshot).roots().stream()
                .filter(r -> r.session() != null).count());
        double secs = pollTime.toNanos() / 1e9;
        lastPollSeconds.put(target, secs);
        pollSecondsSum.computeIfAbsent(target, k -> new DoubleAdder()).add(secs);
        polls.computeIfAbsent(target, k -> new AtomicLong()).incrementAndGet();
        up.put(target, 1);
    }

    @Override
    public void pollFailed(String target, TargetException error, Duration retryIn) {
        pollErrors.computeIfAbsent(target, k -> new AtomicLong()).incrementAndGet();
        if (!retryIn.isZero()) {
            up.put(target, 0);
        }
    }

    @Override
    public void decided(Decision d) {
        decisions.computeIfAbsent(labels("rule", d.rule(), "verdict", d.verdict().label()), k -> new AtomicLong())
                .incrementAndGet();
    }

    @Override
    public void acted(Decision d, KillResult result, Duration reactionDelay) {
        actions.computeIfAbsent(labels("rule", d.rule(), "action", d.action().label(), "outcome", result.outcome().label()),
                k -> new AtomicLong()).incrementAndGet();
        double s = reactionDelay.toNanos() / 1e9;
        for (int i = 0; i < DELAY_BUCKETS.length; i++) {
            if (s <= DELAY_BUCKETS[i]) {
                delayBuckets[i].incrementAndGet();
            }
        }
        delaySum.add(s);
        delayCount.incrementAndGet();
    }

    /** Prometheus text format. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        header(sb, "sessionctl_watch_target_up", "gauge", "1 when the last poll of the target succeeded");
        new TreeMap<>(up).forEach((t, v) -> line(sb, "sessionctl_watch_target_up", labels("target", t), v));
        header(sb, "sessionctl_watch_sessions", "gauge", "Client sessions by state at the last poll (server background processes not counted)");
        new TreeMap<>(sessionsByState).forEach((t, m) -> m.forEach((st, n) ->
                line(sb, "sessionctl_watch_sessions", labels("target", t, "state", st.cliName()), n)));
        header(sb, "sessionctl_watch_root_blockers", "gauge", "Root blockers at the last poll");
        new TreeMap<>(rootBlockers).forEach((t, n) -> line(sb, "sessionctl_watch_root_blockers", labels("target", t), n));
        header(sb, "sessionctl_watch_poll_last_seconds", "gauge", "Duration of the last poll (snapshot round trip)");
        new TreeMap<>(lastPollSeconds).forEach((t, v) -> line(sb, "sessionctl_watch_poll_last_seconds", labels("target", t), v));
        header(sb, "sessionctl_watch_poll_seconds", "summary", "Poll durations (snapshot round trip)");
        new TreeMap<>(polls).forEach((t, n) -> {
            line(sb, "sessionctl_watch_poll_seconds_sum", labels("target", t), pollSecondsSum.get(t).sum());
            line(sb, "sessionctl_watch_poll_seconds_count", labels("target", t), n.get());
        });
        header(sb, "sessionctl_watch_poll_errors_total", "counter", "Failed polls and connection attempts");
        new TreeMap<>(pollErrors).forEach((t, n) -> line(sb, "sessionctl_watch_poll_errors_total", labels("target", t), n.get()));
        header(sb, "sessionctl_watch_actions_total", "counter", "Actions taken, by rule, action and outcome");
        new TreeMap<>(actions).forEach((l, n) -> line(sb, "sessionctl_watch_actions_total", l, n.get()));
        header(sb, "sessionctl_watch_decisions_total", "counter",
                "Decisions other than actions (report, dry-run, protected, too-large, rate-limited, spared), once per session");
        new TreeMap<>(decisions).forEach((l, n) -> line(sb, "sessionctl_watch_decisions_total", l, n.get()));
        header(sb, "sessionctl_watch_reaction_delay_seconds", "histogram",
                "From the threshold crossing (server clock) to the end of the action");
        for (int i = 0; i < DELAY_BUCKETS.length; i++) {
            line(sb, "sessionctl_watch_reaction_delay_seconds_bucket", labels("le", trim(DELAY_BUCKETS[i])),
                    delayBuckets[i].get());
        }
        line(sb, "sessionctl_watch_reaction_delay_seconds_bucket", labels("le", "+Inf"), delayCount.get());
        line(sb, "sessionctl_watch_reaction_delay_seconds_sum", "", delaySum.sum());
        line(sb, "sessionctl_watch_reaction_delay_seconds_count", "", delayCount.get());
        return sb.toString();
    }

    private static void header(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void line(StringBuilder sb, String name, String labels, Number value) {
        sb.append(name).append(labels).append(' ');
        if (value instanceof Double d) {
            sb.append(trim(d));
        } else {
            sb.append(value);
        }
        sb.append('\n');
    }

    private static String trim(double d) {
        return d == Math.rint(d) && !Double.isInfinite(d) ? Long.toString((long) d) : Double.toString(d);
    }

    static String labels(String... kv) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(kv[i]).append("=\"").append(escape(kv[i + 1])).append('"');
        }
        return sb.append('}').toString();
    }

    private static String escape(String v) {
        return v == null ? "" : v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
