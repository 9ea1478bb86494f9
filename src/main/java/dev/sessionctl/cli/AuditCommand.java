package dev.sessionctl.cli;

import dev.sessionctl.audit.AuditLog;
import dev.sessionctl.audit.AuditRecord;
import dev.sessionctl.model.Durations;
import dev.sessionctl.render.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"List what sessionctl did, newest last.",
                "One line per action: intent, outcome, verification.",
                "'unfinished' marks an action whose outcome was never recorded (sessionctl was stopped mid-way).",
                "Damaged lines (a torn write after a power loss) are reported, never hidden."},
        footer = {"", "Examples:",
                "  sessionctl audit --since 24h --outcome refused-by-guard",
                "  sessionctl audit --target prod --user alice -o json"})
final class AuditCommand implements Callable<Integer> {

    @Option(names = "--audit-file", paramLabel = "FILE", description = "Audit file (default: as for kill).")
    Path file;

    @Option(names = "--since", paramLabel = "WHEN", description = "Only actions since: a duration back (24h, 30m) or an ISO instant.")
    String sinceText;

    @Option(names = "--target", paramLabel = "NAME", description = "Only actions on this target.")
    String target;

    @Option(names = "--user", paramLabel = "USER", description = "Only actions by this OS user, or on sessions of this database user.")
    String user;

    @Option(names = "--outcome", paramLabel = "OUTCOME",
            description = "Only this outcome: terminated, cancelled, refused-by-guard, refused-privilege, not-verified, failed, unfinished, ...")
    String outcome;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Option(names = "--session", paramLabel = "KEY|ID",
            description = "Only actions on this session: its key (ID,INCARNATION[,@INSTANCE]) or its engine id.")
    String sessionText;

    @Option(names = {"-v", "--verbose"},
            description = "Also print, per action, the statement sent and what the session was doing (its SQL).")
    boolean verbose;

    @Option(names = "--limit", paramLabel = "N", description = "Only the last N actions.")
    Integer limit;

    @Spec
    CommandSpec spec;

    /** What a listed action's status can start with: a kill outcome, an escalation status, or unfinished. */
    static java.util.Set<String> knownOutcomes() {
        java.util.Set<String> known = new java.util.LinkedHashSet<>();
        for (dev.sessionctl.kill.KillOutcome o : dev.sessionctl.kill.KillOutcome.values()) {
            known.add(o.label());
        }
        for (dev.sessionctl.escalation.EscalationResult.Status st : dev.sessionctl.escalation.EscalationResult.Status.values()) {
            known.add(st.label());
        }
        known.add("unfinished");
        return known;
    }

    @Override
    public Integer call() {
        if (output == OutputFormat.CSV) {
            throw new UserError("audit prints table or json");
        }
        if (limit != null && limit < 1) {
            throw new UserError("invalid --limit '" + limit + "'; expected a positive number");
        }
        if (outcome != null && !knownOutcomes().contains(outcome.toLowerCase(java.util.Locale.ROOT).replace('_', '-'))) {
            throw new UserError("invalid --outcome '" + outcome + "'; expected one of " + String.join(", ", knownOutcomes()));
        }
        Instant since = parseSince(sinceText);
        Path f = file != null ? file : AuditOptions.defaultFile();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (Files.isDirectory(f)) {
            throw new UserError("--audit-file '" + f + "' is a directory; expected the audit file, e.g. " + f.resolve("audit.jsonl"));
        }
        if (!Files.exists(f)) {
            err.println("No audit file at " + f + " yet: nothing has been recorded.");
            err.flush();
            if (output == OutputFormat.JSON) {
                Json.print(out, Map.of("file", f.toString(), "actions", List.of(), "damagedLines", List.of()));
            }
            return ExitCode.OK;
        }
        AuditLog.Contents contents = AuditLog.read(f);
        List<AuditLog.Entry> entries = new ArrayList<>(contents.entries().stream()
                .filter(new AuditLog.Filter(since, target, user, outcome)::matches).toList());
        if (sessionText != null) {
            entries.removeIf(e -> !onSession(e.first(), sessionText.trim()));
        }
        if (limit != null && entries.size() > limit) {
            entries = entries.subList(entries.size() - limit, entries.size());
        }
        for (AuditLog.Damaged d : contents.damaged()) {
            err.println("warning: " + f + " line " + d.lineNumber() + " is not a complete record"
                    + (d.lastLine() ? " (torn last line: sessionctl or the host stopped mid-write)" : "") + ": "
                    + Table.cut(d.text(), 60));
        }
        err.flush();
        if (output == OutputFormat.JSON) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", f.toString());
            m.put("actions", entries.stream().map(AuditCommand::json).toList());
            m.put("damagedLines", contents.damaged().stream().map(AuditLog.Damaged::lineNumber).toList());
            Json.print(out, m);
        } else {
            if (entries.isEmpty()) {
                out.println("No recorded action matches.");
            }
            for (AuditLog.Entry e : entries) {
                AuditRecord r = e.first();
                String who = r.actor() == null ? "?" : r.actor().osUser() + "@" + r.actor().host();
                String session = r.session() == null ? "" : r.session().key() + " (" + Text.nz(r.session().user()) + ")";
                out.println(String.format("%s  %-22s %-10s %-20s %-28s by %s%s",
                        r.time() == null ? "" : r.time().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), e.status(), Text.nz(r.target()),
                        Text.nz(r.action()), session, who, r.reason() == null ? "" : "  reason: " + r.reason()));
                if (e.outcome() != null && e.outcome().message() != null && !"terminated".equals(e.outcome().outcome())) {
                    out.println("    " + Table.cut(e.outcome().message(), 110));
                }
                if (verbose) {
                    if (r.statement() != null) {
                        out.println("    statement: " + Table.oneLine(r.statement()));
                    }
                    if (r.session() != null && r.session().sqlText() != null) {
                        out.println("    its SQL:   " + Table.oneLine(r.session().sqlText()));
                    }
                }
            }
        }
        out.flush();
        return ExitCode.OK;
    }

    /** A key matches exactly; a bare number matches the engine id on any instance. */
    static boolean onSession(AuditRecord r, String wanted) {
        if (r.session() == null) {
            return false;
        }
        if (wanted.matches("\\d{1,19}")) {
            return r.session().sessionId() == Long.parseLong(wanted);
        }
        return wanted.equals(r.session().key());
    }

    private static Instant parseSince(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException notAnInstant) {
            try {
                return Instant.now().minus(Durations.parse(text));
            } catch (IllegalArgumentException e) {
                throw new UserError("invalid --since '" + text + "'; expected a duration back (24h, 30m) or an ISO instant"
                        + " (2026-11-22T03:00:00Z)");
            }
        }
    }

    private static Map<String, Object> json(AuditLog.Entry e) {
        return Json.auditEntry(e);
    }
}
