package dev.sessionctl.cli;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.audit.AuditTrail;
import dev.sessionctl.bulk.BulkExecutor;
import dev.sessionctl.bulk.BulkResult;
import dev.sessionctl.bulk.KillPlan;
import dev.sessionctl.escalation.EscalationListener;
import dev.sessionctl.escalation.EscalationResult;
import dev.sessionctl.escalation.Escalator;
import dev.sessionctl.hostaccess.HostAccess;
import dev.sessionctl.escalation.LocksReleasedCheck;
import dev.sessionctl.hostaccess.ServerProcessGoneCheck;
import dev.sessionctl.kill.Verifier;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.render.Json;
import dev.sessionctl.target.TargetSpec;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "kill", mixinStandardHelpOptions = true,
        description = {"End sessions, or only their statement (--cancel), safely.",
                "Each key is re-checked (id AND incarnation) at the moment of the kill, and guards refuse",
                "protected sessions, sessionctl's own connection and non-client processes.",
                "Keys come from the KEY column of `sessions` or `blockers`. Selecting by filter shows a plan",
                "and acts only with --yes (or prints statements with --dry-run)."},
        footer = {"", "Examples:",
                "  sessionctl kill 4711,1732280412345678 --url jdbc:postgresql://db/app -U postgres --wait",
                "  sessionctl kill -t prod --roots --state idle-in-transaction --min-idle 10m --dry-run",
                "  sessionctl kill -t prod --user batch --sql 'select .* from big_table' --cancel --yes --max 20"})
final class KillCommand extends TargetCommand {

    /** Reads the answer to "proceed?"; replaced in tests. Returns null when there is no terminal. */
    static Function<String, String> confirmer = KillCommand::askOnTerminal;

    /**
     * Asks on the controlling terminal, even when stdout is piped ({@code kill ... | tee log}), where
     * Java has no Console: /dev/tty is the terminal itself. No terminal (cron, CI): null.
     */
    static String askOnTerminal(String prompt) {
        java.io.Console c = System.console();
        if (c != null) {
            return c.readLine("%s", prompt);
        }
        java.io.File tty = new java.io.File("/dev/tty");
        if (!tty.canRead()) {
            return null;
        }
        try (java.io.FileWriter w = new java.io.FileWriter(tty, java.nio.charset.StandardCharsets.UTF_8);
             java.io.BufferedReader r = new java.io.BufferedReader(
                     new java.io.FileReader(tty, java.nio.charset.StandardCharsets.UTF_8))) {
            w.write(prompt);
            w.flush();
            return r.readLine();
        } catch (java.io.IOException e) {
            return null; // no controlling terminal
        }
    }

    enum Order { ROOTS_FIRST, OLDEST_FIRST }

    @Parameters(paramLabel = "KEY", arity = "0..*", description = "Session keys: ID,INCARNATION[,@INSTANCE].")
    List<String> keyTexts = new ArrayList<>();

    @Mixin
    FilterOptions filters;

    @Option(names = "--roots", description = "Only root blockers (of the filtered sessions, or of all when no filter).")
    boolean rootsOnly;

    @Option(names = "--cancel", description = "Cancel the current statement only; the session stays connected.")
    boolean cancel;

    @Option(names = "--action", paramLabel = "ACTION",
            description = "Exact action: cancel, terminate, terminate-immediate, disconnect-post-transaction, "
                    + "disconnect-immediate (what the engine supports; see doctor).")
    String actionText;

    @Option(names = "--dry-run", description = "Print the plan and the exact statements; end nothing.")
    boolean dryRun;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--wait", description = "Verify: wait until each session is gone and its waiters released.")
    boolean verify;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s",
            description = "How long one kill may wait for the session to go (default: ${DEFAULT-VALUE}).")
    String timeoutText;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", defaultValue = "15s",
            description = "How long --wait verifies before reporting not verified (default: ${DEFAULT-VALUE}).")
    String verifyTimeoutText;

    @Option(names = "--max", paramLabel = "N", description = "Act on at most N sessions; the rest are listed as skipped.")
    Integer max;

    @Option(names = "--order", paramLabel = "ORDER", defaultValue = "roots-first",
            description = "Order of a bulk kill: roots-first or oldest-first (default: ${DEFAULT-VALUE}).")
    String orderText;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded with each action).")
    String reason;

    @Mixin
    EscalateOptions escalateOptions;

    @Mixin
    HostAccessOptions hostOptions;

    @Mixin
    AuditOptions auditOptions;

    private List<SessionKey> keys;
    private KillAction action;
    private Duration timeout;
    private Duration verifyTimeout;
    private Order order;

    @Override
    void validate() {
        keys = new ArrayList<>();
        for (String k : keyTexts) {
            keys.add(SessionKey.parse("", k));
        }
        boolean byFilter = !filters.isEmpty() || rootsOnly;
        if (keys.isEmpty() && !byFilter) {
            throw new UserError("nothing selected; give session KEYs (from `sessions` or `blockers`) or filters such as "
                    + "--roots, --user, --state, --min-idle");
        }
        if (!keys.isEmpty() && byFilter) {
            throw new UserError("give either session KEYs or filters, not both");
        }
        if (cancel && actionText != null) {
            throw new UserError("--cancel and --action are exclusive");
        }
        action = cancel ? KillAction.CANCEL : actionText == null ? KillAction.TERMINATE : KillAction.parse(actionText);
        escalateOptions.validate();
        hostOptions.validate();
        if (escalateOptions.enabled() && dryRun) {
            throw new UserError("--escalate acts step by step on what it sees; use --dry-run without --escalate to see the first statements");
        }
        timeout = parseDuration("--timeout", timeoutText);
        verifyTimeout = parseDuration("--wait-timeout", verifyTimeoutText);
        if (max != null && max < 1) {
            throw new UserError("invalid --max '" + max + "'; expected a positive number");
        }
        order = switch (orderText.toLowerCase(java.util.Locale.ROOT)) {
            case "roots-first" -> Order.ROOTS_FIRST;
            case "oldest-first" -> Order.OLDEST_FIRST;
            default -> throw new UserError("invalid --order '" + orderText + "'; expected roots-first or oldest-first");
        };
        filters.toFilter();
    }

    private static Duration parseDuration(String option, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError(option + ": " + e.getMessage());
        }
    }

    @Override
    int run(TargetSpec target, TargetConnection connection) {
        PrintWriter out = out();
        HostAccess host = hostOptions.open(target);
        try {
            return run(target, connection, host, hostOptions.wrap(connection, target, host));
        } finally {
            if (host != null) {
                host.close();
            }
        }
    }

    /**
     * Only Oracle (RAC) keys carry an instance. On PostgreSQL and the MySQL family a key with {@code ,@N}
     * names no session: refuse it as bad input before anything is read or sent, rather than report
     * the session "already gone".
     */
    private void rejectInstancesOnEnginesWithout(dev.sessionctl.model.Engine engine) {
        if (engine.family() == dev.sessionctl.model.Engine.Family.ORACLE) {
            return;
        }
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).instance() > 0) {
                throw new UserError("invalid session key '" + keyTexts.get(i) + "': " + engine
                        + " has no instances, so its keys have no ,@INSTANCE part; expected ID,INCARNATION as"
                        + " `sessions` prints it. Nothing was done");
            }
        }
    }

    /** {@code acting} is the connection with OS-level actions added when host access is configured. */
    private int run(TargetSpec target, TargetConnection connection, HostAccess host, TargetConnection acting) {
        PrintWriter out = out();
        rejectInstancesOnEnginesWithout(connection.info().engine());
        if (!acting.supportedActions().contains(action)) {
            throw new UserError("--action " + action + " is not available on " + connection.info().engine()
                    + (action.isOsLevel() && host == null ? " without host access (--host-access local or ssh://USER@HOST;"
                    + " see docs/termination.md)" : "")
                    + (action == KillAction.OS_KILL && host != null
                       && connection.info().engine().family() == dev.sessionctl.model.Engine.Family.POSTGRESQL
                    ? " unless --allow-postgres-sigkill is given (SIGKILL of one backend makes the postmaster end"
                      + " every backend and recover; os-term is the safe OS-level step)" : "")
                    + "; available: " + acting.supportedActions());
        }
        GuardChain guards = GuardChain.standard(target.protection());
        Snapshot snap = guards.annotate(connection.snapshot());
        boolean byFilter = keys.isEmpty();
        if (byFilter) {
            SessionsCommand.noteWhenNoSqlIds(err(), snap, filters);
        }
        List<SessionKey> chosen = byFilter ? selectByFilter(snap, connection) : keys.stream()
                .map(k -> new SessionKey(snap.target(), k.instance(), k.sessionId(), k.incarnation())).toList();
        List<SessionKey> skipped = List.of();
        if (max != null && chosen.size() > max) {
            skipped = chosen.subList(max, chosen.size());
            chosen = chosen.subList(0, max);
        }
        if (chosen.isEmpty()) {
            if (output == OutputFormat.JSON) {
                Json.print(out, resultJson(snap, List.of()));
            } else if (output == OutputFormat.CSV) {
                printCsv(out, List.of());
            } else {
                out.println("No session matches; nothing to do.");
            }
            return ExitCode.OK;
        }
        KillRequest request = new KillRequest(action, dryRun, timeout, verify, verifyTimeout, reason);
        boolean planShown = false;
        if (!dryRun && !yes) {
            printPlan(err(), snap, chosen, guards);
            planShown = true;
            if (byFilter) {
                err().println("Selected by filter: pass --yes to act, or --dry-run to see the statements. Nothing was done.");
                err().flush();
                return notConfirmed(out, snap, chosen, skipped, "not done: selected by filter without --yes");
            }
            String answer = confirmer.apply(action.endsSession()
                    ? "End " + chosen.size() + " session(s) with " + action + "? [y/N] "
                    : "Cancel the statement of " + chosen.size() + " session(s)? [y/N] ");
            if (answer == null) {
                err().println("No terminal to confirm on: pass --yes to act. Nothing was done.");
                err().flush();
                return notConfirmed(out, snap, chosen, skipped, "not done: no terminal to confirm on and no --yes");
            }
            if (!answer.trim().equalsIgnoreCase("y") && !answer.trim().equalsIgnoreCase("yes")) {
                err().println("Not confirmed. Nothing was done.");
                err().flush();
                return notConfirmed(out, snap, chosen, skipped, "not done: declined at the prompt");
            }
        }
        if (byFilter && !planShown && output == OutputFormat.TABLE) {
            printPlan(out, snap, chosen, guards);
        }
        Verifier verifier = new Verifier(acting);
        if (host != null) {
            verifier = verifier.with(new ServerProcessGoneCheck(host));
        }
        if (filters.lockTable != null) {
            // aimed at a table's lock holders: prove each one let go of that table (docs/termination.md section 2)
            verifier = verifier.with(new LocksReleasedCheck(acting, filters.lockTable));
        }
        List<KillResult> results = new ArrayList<>();
        List<Map<String, Object>> escalations = new ArrayList<>();
        try (AuditTrail audit = dryRun ? null : auditOptions.open(target)) {
            if (escalateOptions.enabled()) {
                EscalationOutput printer = new EscalationOutput(out);
                Escalator escalator = Escalator.on(acting).guards(guards).killListener(audit).verifier(verifier)
                        .ladder(escalateOptions.ladder(connection.info().engine().family(), target))
                        .listener(both(output == OutputFormat.TABLE ? printer : null, audit)).build();
                KillPlan plan = new KillPlan(snap.target(), snap.serverTime(), action, KillPlan.Order.ROOTS_FIRST,
                        "the sessions named", chosen.stream().map(k -> new KillPlan.Entry(0,
                        snap.find(k.ref()).filter(s -> s.key().incarnation().equals(k.incarnation()))
                                .orElse(Session.builder(k).build()), "", null, null)).toList(), List.of(), null);
                BulkResult bulk = BulkExecutor.escalate(plan, escalator,
                        cancel ? Escalator.Goal.STOP_STATEMENT : Escalator.Goal.END_SESSION, reason, null);
                for (BulkResult.Item i : bulk.items()) {
                    results.add(i.result());
                    if (i.escalation() != null) {
                        escalations.add(EscalationOutput.json(i.escalation()));
                    }
                }
            } else {
                SessionKiller killer = new SessionKiller(acting, guards, audit, verifier);
                for (SessionKey key : chosen) {
                    KillResult r = killer.killOne(key, request);
                    results.add(r);
                    if (output == OutputFormat.TABLE) {
                        printResult(out, r);
                    }
                }
            }
        }
        for (SessionKey key : skipped) {
            KillResult r = KillResult.of(key, action, KillOutcome.SKIPPED, null, "skipped: over --max " + max);
            results.add(r);
            if (output == OutputFormat.TABLE) {
                printResult(out, r);
            }
        }
        if (output == OutputFormat.JSON) {
            Map<String, Object> m = resultJson(snap, results);
            if (escalateOptions.enabled()) {
                m.put("escalations", escalations);
            }
            Json.print(out, m);
        } else if (output == OutputFormat.CSV) {
            printCsv(out, results);
        } else {
            out.println(summary(results));
            out.flush();
        }
        return exitCode(results);
    }

    /**
     * Nothing was confirmed, so nothing was done: JSON and CSV still get their document, each planned
     * session {@code skipped}, so a script sees what would have happened (the plan itself is on stderr).
     */
    private int notConfirmed(PrintWriter out, Snapshot snap, List<SessionKey> chosen, List<SessionKey> overMax,
                             String why) {
        if (output == OutputFormat.TABLE) {
            return ExitCode.NOT_CONFIRMED;
        }
        List<KillResult> results = new ArrayList<>();
        for (SessionKey k : chosen) {
            results.add(KillResult.of(k, action, KillOutcome.SKIPPED, null, why + "; nothing was sent"));
        }
        for (SessionKey k : overMax) {
            results.add(KillResult.of(k, action, KillOutcome.SKIPPED, null, "skipped: over --max " + max));
        }
        if (output == OutputFormat.JSON) {
            Map<String, Object> m = resultJson(snap, results);
            m.put("exitCode", ExitCode.NOT_CONFIRMED);
            Json.print(out, m);
        } else {
            printCsv(out, results);
        }
        return ExitCode.NOT_CONFIRMED;
    }

    private List<SessionKey> selectByFilter(Snapshot snap, TargetConnection connection) {
        List<Session> candidates = SessionsCommand.select(snap, filters, connection, false).stream()
                .filter(s -> !snap.isOwn(s.ref())).toList();
        Map<SessionRef, Session> byRef = new LinkedHashMap<>();
        candidates.forEach(s -> byRef.put(s.ref(), s));
        BlockingReport report = BlockingAnalyzer.analyze(snap);
        Map<SessionRef, Integer> blockedCount = new LinkedHashMap<>();
        for (BlockingReport.Root r : report.roots()) {
            blockedCount.put(r.ref(), r.totalBlocked());
        }
        List<Session> picked = new ArrayList<>(byRef.values());
        if (rootsOnly) {
            picked.removeIf(s -> !blockedCount.containsKey(s.ref()));
        }
        Comparator<Session> oldest = Comparator.comparing(
                (Session s) -> Optional.ofNullable(s.timeInState(snap.serverTime())).orElse(Duration.ZERO)).reversed();
        Comparator<Session> cmp = order == Order.ROOTS_FIRST
                ? Comparator.comparing((Session s) -> -blockedCount.getOrDefault(s.ref(), 0)).thenComparing(oldest)
                : oldest;
        // sessions the guards will refuse go last, so that --max N spends its N on sessions it may end
        picked.sort(Comparator.comparing(Session::isProtected).thenComparing(cmp).thenComparing(Session::ref));
        return picked.stream().map(Session::key).toList();
    }

    private void printPlan(PrintWriter w, Snapshot snap, List<SessionKey> chosen, GuardChain guards) {
        w.println("Plan: " + action + " on " + chosen.size() + " session(s) of " + snap.target() + (dryRun ? " (dry run)" : "") + ":");
        for (SessionKey k : chosen) {
            Optional<Session> s = snap.find(k.ref());
            String what;
            if (s.isEmpty()) {
                what = "not found now (already gone?)";
            } else if (!s.get().key().incarnation().equals(k.incarnation())) {
                what = "id now used by another session: will be refused";
            } else {
                Session v = s.get();
                Optional<GuardChain.Refusal> refusal = guards.check(v, snap);
                what = Text.nz(v.user()) + " " + v.state().label() + " " + Text.age(v, snap.serverTime())
                        + (v.transactionSize() == null ? "" : " txn-size " + v.transactionSize())
                        + (refusal.map(r -> "  REFUSED by " + r.guard()).orElse(""))
                        + (v.sqlText() == null ? "" : "  " + Table.cut(Text.sql(v), 60));
            }
            w.println("  " + k.printable() + "  " + what);
        }
        w.flush();
    }

    /** The printer and the audit trail both hear the escalation (either may be null). */
    private static EscalationListener both(EscalationListener a, AuditTrail b) {
        return new EscalationListener() {
            @Override
            public void stepStarted(SessionKey key, dev.sessionctl.escalation.EscalationStep step, Session victim) {
                if (a != null) {
                    a.stepStarted(key, step, victim);
                }
            }

            @Override
            public void stepFinished(SessionKey key, dev.sessionctl.escalation.StepRecord r) {
                if (b != null) {
                    b.stepFinished(key, r);
                }
                if (a != null) {
                    a.stepFinished(key, r);
                }
            }

            @Override
            public void rollbackProgress(SessionKey key, dev.sessionctl.escalation.RollbackProgress p) {
                if (a != null) {
                    a.rollbackProgress(key, p);
                }
            }

            @Override
            public void finished(EscalationResult r) {
                if (b != null) {
                    b.finished(r);
                }
                if (a != null) {
                    a.finished(r);
                }
            }
        };
    }

    static void printResult(PrintWriter out, KillResult r) {
        out.println(String.format("%-17s %s  %s (%d ms)", r.outcome().label(), r.key().printable(),
                Text.nz(r.message()), r.elapsed().toMillis()));
        if (r.fix() != null) {
            out.println("    fix: " + r.fix());
        }
        for (Check c : r.checks()) {
            out.println("    " + (c.passed() ? "ok  " : "FAIL") + " " + c.name() + ": " + c.detail());
        }
        out.flush();
    }

    /** One row per session, for spreadsheets and scripts; checks are folded into one cell. */
    static void printCsv(PrintWriter out, List<KillResult> results) {
        out.println(Table.csv(List.of("key", "session_id", "action", "outcome", "succeeded", "message", "fix",
                "error_code", "elapsed_ms", "checks", "statement")));
        for (KillResult r : results) {
            String checks = r.checks().stream().map(c -> (c.passed() ? "ok " : "FAIL ") + c.name())
                    .collect(Collectors.joining("; "));
            out.println(Table.csv(List.of(r.key().printable(), Long.toString(r.key().sessionId()), r.action().label(),
                    r.outcome().label(), Boolean.toString(r.succeeded()), Text.nz(r.message()), Text.nz(r.fix()),
                    Text.nz(r.errorCode()), Long.toString(r.elapsed().toMillis()), checks, Text.nz(r.statement()))));
        }
        out.flush();
    }

    private Map<String, Object> resultJson(Snapshot snap, List<KillResult> results) {
        Map<String, Object> m = Json.snapshotHeader(snap);
        m.put("action", action.label());
        m.put("dryRun", dryRun);
        m.put("results", results.stream().map(Json::killResult).toList());
        m.put("exitCode", exitCode(results));
        return m;
    }

    static String summary(List<KillResult> results) {
        Map<KillOutcome, Long> counts = results.stream()
                .collect(Collectors.groupingBy(KillResult::outcome, LinkedHashMap::new, Collectors.counting()));
        return counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey().label())
                .collect(Collectors.joining(", "));
    }

    static int exitCode(List<KillResult> results) {
        if (results.isEmpty()) {
            return ExitCode.OK;
        }
        long ok = results.stream().filter(KillResult::succeeded).count();
        if (ok == results.size()) {
            return ExitCode.OK;
        }
        Set<KillOutcome> refusals = Set.of(KillOutcome.REFUSED_BY_GUARD, KillOutcome.REFUSED_PRIVILEGE,
                KillOutcome.IDENTITY_CHANGED);
        if (ok == 0) {
            return results.stream().allMatch(r -> refusals.contains(r.outcome())) ? ExitCode.REFUSED : ExitCode.ERROR;
        }
        return ExitCode.PARTIAL;
    }
}
