package dev.sessionctl.cli;

import dev.sessionctl.config.ConfigException;
import dev.sessionctl.config.TargetsFile;
import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.audit.AuditTrail;
import dev.sessionctl.escalation.EscalationResult;
import dev.sessionctl.escalation.Escalator;
import dev.sessionctl.escalation.StepRecord;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.render.Json;
import dev.sessionctl.target.TargetSpec;
import dev.sessionctl.watch.Decision;
import dev.sessionctl.watch.Escalation;
import dev.sessionctl.watch.Evaluation;
import dev.sessionctl.watch.Evaluator;
import dev.sessionctl.watch.MetricsServer;
import dev.sessionctl.watch.Policy;
import dev.sessionctl.watch.PolicyFile;
import dev.sessionctl.watch.SnapshotFile;
import dev.sessionctl.watch.WatchGuards;
import dev.sessionctl.watch.WatchListener;
import dev.sessionctl.watch.WatchLog;
import dev.sessionctl.watch.WatchMetrics;
import dev.sessionctl.watch.WatchState;
import dev.sessionctl.watch.Watchdog;
import dev.sessionctl.watch.WebhookNotifier;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Watchdog: end idle blockers, runaway queries and zombies by policy, on one or many targets. "
                + "Rules, thresholds, victims and actions come from a YAML policy file (docs/watch.md).",
                "Runs until SIGTERM / Ctrl-C (in-flight actions finish); SIGHUP reloads the policy once it validates.",
                "--once evaluates one time and prints every decision with its reason; with --snapshot FILE it reads "
                + "saved sessions instead of a database, so a policy can be tested offline."},
        footer = {"", "Examples:",
                "  sessionctl watch --policy policies.yaml --once --dry-run --url jdbc:postgresql://db/app -U postgres",
                "  sessionctl sessions -t prod -o json > prod.json; sessionctl watch --policy policies.yaml --snapshot prod.json",
                "  sessionctl watch --policy policies.yaml --all-targets --metrics-port 9187"})
final class WatchCommand implements Callable<Integer> {

    @Mixin
    TargetOptions targetOptions;

    @Option(names = {"-p", "--policy"}, paramLabel = "FILE", required = true, description = "The watch policy (YAML).")
    Path policyFile;

    @Option(names = "--all-targets", description = "Watch every target of the targets file.")
    boolean allTargets;

    @Option(names = "--once", description = "Evaluate one time, act on what is due now (unless dry run), print, exit.")
    boolean once;

    @Option(names = "--dry-run", description = "Decide and print only, for every rule; end nothing.")
    boolean dryRun;

    @Option(names = "--snapshot", paramLabel = "FILE",
            description = "Evaluate saved sessions (from `sessions -o json` or --save-snapshot) instead of a database; implies --once --dry-run.")
    Path snapshotFile;

    @Option(names = "--save-snapshot", paramLabel = "FILE", description = "With --once: save the sessions read, for --snapshot later.")
    Path saveSnapshot;

    @Option(names = "--interval", paramLabel = "DURATION", description = "Poll interval, overrides the policy's (e.g. 250ms, 1s).")
    String intervalText;

    @Option(names = "--no-deadlines", description = "Act only at polls (no deadline scheduling): for comparison.")
    boolean noDeadlines;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "8",
            description = "Targets polled at the same time (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve Prometheus metrics on http://HOST:PORT/metrics.")
    Integer metricsPort;

    @Option(names = "--metrics-host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address for --metrics-port (default: ${DEFAULT-VALUE}).")
    String metricsHost;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "For --once: table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Spec
    CommandSpec spec;

    @Mixin
    AuditOptions auditOptions;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public Integer call() {
        Policy policy = loadPolicy();
        if (snapshotFile != null) {
            return fromSnapshots(policy);
        }
        if (saveSnapshot != null && !once) {
            throw new UserError("--save-snapshot needs --once");
        }
        if (workers < 1) {
            throw new UserError("invalid --workers '" + workers + "'; expected a positive number");
        }
        List<TargetSpec> targets = resolveTargets(policy);
        if (once) {
            return runOnce(policy, targets);
        }
        return runDaemon(policy, targets);
    }

    private Policy loadPolicy() {
        Policy p = PolicyFile.load(policyFile);
        if (dryRun || snapshotFile != null) {
            p = p.withDryRun(true);
        }
        if (intervalText != null) {
            Duration d;
            try {
                d = Durations.parse(intervalText);
            } catch (IllegalArgumentException e) {
                throw new UserError("--interval: " + e.getMessage());
            }
            if (d.isZero()) {
                throw new UserError("invalid --interval '" + intervalText + "'; expected a positive duration, e.g. 250ms");
            }
            p = p.withInterval(d);
        }
        if (noDeadlines) {
            p = p.withDeadlineScheduling(false);
        }
        return p;
    }

    private List<TargetSpec> resolveTargets(Policy policy) {
        if (targetOptions.url != null || targetOptions.target != null) {
            return List.of(targetOptions.resolve());
        }
        if (!allTargets && policy.targets().isEmpty()) {
            throw new UserError("no target given; pass --url JDBC_URL, --target NAME, --all-targets, or list"
                    + " 'targets:' in the policy file");
        }
        Path file = targetOptions.targetsFile != null ? targetOptions.targetsFile : TargetsFile.defaultPath();
        TargetsFile tf = TargetsFile.load(file, TargetOptions.environment);
        List<TargetSpec> specs = allTargets ? new ArrayList<>(tf.targets().values())
                : policy.targets().stream().map(tf::target).toList();
        if (targetOptions.protectUsers == null || targetOptions.protectUsers.isEmpty()) {
            return specs;
        }
        ProtectionPolicy extra = new ProtectionPolicy(targetOptions.protectUsers, List.of(), List.of());
        return specs.stream().map(t -> t.withProtection(t.protection().merge(extra))).toList();
    }

    // ------------------------------------------------------------------ offline

    private int fromSnapshots(Policy policy) {
        List<Snapshot> snaps = SnapshotFile.read(snapshotFile);
        WatchState state = new WatchState();
        List<Evaluation> evals = new ArrayList<>();
        for (Snapshot s : snaps) {
            evals.add(Evaluator.evaluate(policy, s, WatchGuards.forTarget(policy, null), state, Instant.now()));
        }
        print(evals, Map.of(), List.of(), true);
        return ExitCode.OK;
    }

    // ------------------------------------------------------------------ once

    private int runOnce(Policy policy, List<TargetSpec> targets) {
        List<KillResult> results = Collections.synchronizedList(new ArrayList<>());
        WatchListener collect = new WatchListener() {
            @Override
            public void acted(Decision d, KillResult r, Duration reactionDelay) {
                results.add(r);
            }
        };
        Watchdog.OnceResult r;
        try (AuditTrail audit = policy.dryRun() ? null : auditOptions.open(null);
             Watchdog dog = new Watchdog(policy, targets, DialectRegistry.load()::connect, listener(audit),
                     WatchListener.all(List.of(new WatchLog(), collect)), engineEscalation(audit),
                     Watchdog.Options.defaults().withPollWorkers(workers), null)) {
            r = dog.runOnce();
        }
        if (saveSnapshot != null && !r.snapshots().isEmpty()) {
            SnapshotFile.write(saveSnapshot, r.snapshots());
        }
        print(r.evaluations(), r.errors(), results, policy.dryRun());
        if (!r.errors().isEmpty()) {
            return r.evaluations().isEmpty() ? ExitCode.CANNOT_CONNECT : ExitCode.PARTIAL;
        }
        return KillCommand.exitCode(results);
    }

    private void print(List<Evaluation> evals, Map<String, String> errors, List<KillResult> results, boolean dry) {
        PrintWriter out = out();
        if (output == OutputFormat.JSON) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dryRun", dry);
            m.put("targets", evals.stream().map(WatchCommand::evaluationJson).toList());
            m.put("results", results.stream().map(Json::killResult).toList());
            m.put("errors", errors);
            Json.print(out, m);
            return;
        }
        int total = 0;
        for (Evaluation ev : evals) {
            out.println("Target " + ev.target() + " at " + ev.serverTime() + " (server clock)"
                    + (dry ? ", dry run" : "") + ":");
            if (ev.decisions().isEmpty()) {
                out.println("  no session matches any rule");
            }
            for (Decision d : ev.decisions()) {
                total++;
                out.println(String.format("  %-12s %-8s rule=%s key=%s user=%s", d.verdict().label(), d.action().label(),
                        d.rule(), d.session().key().printable(), Text.nz(d.session().user())));
                out.println("      " + d.reason());
            }
        }
        for (KillResult r : results) {
            KillCommand.printResult(out, r);
        }
        errors.forEach((t, e) -> out.println("Target " + t + ": not evaluated: " + e));
        Map<String, Long> counts = evals.stream().flatMap(e -> e.decisions().stream())
                .collect(Collectors.groupingBy(d -> d.verdict().label(), LinkedHashMap::new, Collectors.counting()));
        out.println(total + " decision(s) on " + evals.size() + " target(s)" + (counts.isEmpty() ? "" : ": "
                + counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "))));
        out.flush();
    }

    private static Map<String, Object> evaluationJson(Evaluation ev) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", ev.target());
        m.put("serverTime", ev.serverTime());
        m.put("decisions", ev.decisions().stream().map(d -> {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("rule", d.rule());
            dm.put("verdict", d.verdict().label());
            dm.put("action", d.action().label());
            dm.put("key", d.session().key().printable());
            dm.put("sessionId", d.session().key().sessionId());
            dm.put("user", d.session().user());
            dm.put("state", d.session().state().cliName());
            dm.put("crossesAt", d.crossesAt());
            dm.put("reason", d.reason());
            return dm;
        }).toList());
        return m;
    }

    // ------------------------------------------------------------------ daemon

    private int runDaemon(Policy policy, List<TargetSpec> targets) {
        // the daemon's decisions and actions are its output: log them at info (the CLI's default is warn)
        if (System.getProperty("org.slf4j.simpleLogger.log.dev.sessionctl.watch") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.dev.sessionctl.watch", "info");
        }
        WatchMetrics metrics = new WatchMetrics();
        List<WatchListener> ls = new ArrayList<>(List.of(metrics, new WatchLog()));
        if (policy.webhookUrl() != null) {
            ls.add(new WebhookNotifier(policy.webhookUrl()));
        }
        // the trail is opened even for a dry run: a reload may turn dry run off
        AuditTrail audit = auditOptions.open(null);
        MetricsServer server = metricsPort == null ? null : MetricsServer.start(metricsHost, metricsPort, metrics);
        Watchdog dog = new Watchdog(policy, targets, DialectRegistry.load()::connect, audit,
                WatchListener.all(ls), engineEscalation(audit), Watchdog.Options.defaults().withPollWorkers(workers), null);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            dog.close();
            if (server != null) {
                server.close();
            }
            audit.close();
            stopped.countDown();
        }, "watch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        onSignal("HUP", () -> reload(dog));
        policy.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
        spec.commandLine().getErr().println("watching " + targets.size() + " target(s) with " + policy.rules().size()
                + " rule(s) every " + Durations.format(policy.interval()) + (policy.dryRun() ? " (dry run)" : "")
                + (server == null ? "" : "; metrics on http://" + metricsHost + ":" + server.port() + "/metrics"));
        spec.commandLine().getErr().flush();
        dog.start();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCode.OK;
    }

    private static KillListener listener(AuditTrail audit) {
        return audit == null ? KillListener.NONE : audit;
    }

    /**
     * {@code action: escalate} runs the termination engine's ladder for the target's engine, each step
     * through the same guards (including the rule's own re-check) and recorded in the audit trail.
     */
    static Escalation engineEscalation(AuditTrail audit) {
        return (connection, guards, killListener, key, request) -> {
            Escalator.Builder b = Escalator.on(connection).guards(guards).killListener(killListener);
            if (audit != null) {
                b.listener(audit);
            }
            EscalationResult r = b.build().escalate(key, Escalator.Goal.END_SESSION, request.reason());
            List<StepRecord> done = r.performed();
            KillResult last = done.isEmpty() ? null : done.get(done.size() - 1).result();
            KillAction action = last == null ? KillAction.TERMINATE : last.action();
            KillOutcome outcome = switch (r.status()) {
                case DONE -> KillOutcome.TERMINATED;
                case STATEMENT_STOPPED -> KillOutcome.CANCELLED;
                case ALREADY_GONE -> KillOutcome.ALREADY_GONE;
                case ROLLING_BACK -> KillOutcome.MARKED_FOR_KILL;
                case REFUSED -> last != null ? last.outcome() : KillOutcome.REFUSED_BY_GUARD;
                case NOT_DONE -> KillOutcome.NOT_VERIFIED;
            };
            String steps = done.stream().map(s -> s.step().action().label() + "=" + s.result().outcome().label())
                    .collect(Collectors.joining(", "));
            return new KillResult(key, action, outcome, last == null ? null : last.statement(),
                    "escalation " + r.status().label() + (steps.isEmpty() ? "" : " (" + steps + ")") + ": " + r.message(),
                    last == null ? null : last.guard(), last == null ? null : last.fix(),
                    last == null ? null : last.errorCode(), r.elapsed(), r.checks());
        };
    }

    /** SIGHUP: the new policy replaces the old only when it validates; otherwise the old one keeps running. */
    private void reload(Watchdog dog) {
        try {
            Policy p = loadPolicy();
            dog.reload(p, resolveTargets(p));
        } catch (ConfigException | UserError | IllegalArgumentException e) {
            org.slf4j.LoggerFactory.getLogger(WatchCommand.class).error(
                    "event=reload-rejected msg=\"{}\" keeping=\"previous policy\"", e.getMessage());
        }
    }

    /**
     * Installs a handler through sun.misc.Signal when the JVM has it (jdk.unsupported), by
     * reflection so a JVM without it simply runs without reload-on-signal.
     */
    static boolean onSignal(String name, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> {
                        if (method.getName().equals("handle")) {
                            action.run();
                        }
                        return null;
                    });
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            org.slf4j.LoggerFactory.getLogger(WatchCommand.class).warn(
                    "event=signal-unavailable signal={} msg=\"reload on signal disabled\"", name);
            return false;
        }
    }
}
