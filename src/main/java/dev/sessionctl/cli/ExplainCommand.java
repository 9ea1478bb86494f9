package dev.sessionctl.cli;

import dev.sessionctl.escalation.RollbackProgress;
import dev.sessionctl.explain.Explainer;
import dev.sessionctl.explain.Explanation;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.hostaccess.HostAccess;
import dev.sessionctl.model.Durations;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.render.Json;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Why a session will not die, or is slow to, and the next step.",
                "Shows its state, wait, transaction size and rollback progress (measured over --sample),",
                "distributed transaction, instance, server process, what it holds and who still waits on it,",
                "and the next step with the exact command. Ends nothing."},
        footer = {"", "Examples:",
                "  sessionctl explain 125,4892,@2 -t prod --sample 30s",
                "  sessionctl explain 4711,1732280412345678 --url jdbc:postgresql://db/app -U postgres --host-access local"})
final class ExplainCommand extends TargetCommand {

    @Parameters(paramLabel = "KEY", description = "Session key: ID,INCARNATION[,@INSTANCE].")
    String keyText;

    @Option(names = "--sample", paramLabel = "DURATION", defaultValue = "5s",
            description = "Read the session twice this far apart to measure rollback progress (0 = once; default: ${DEFAULT-VALUE}).")
    String sampleText;

    @Mixin
    HostAccessOptions hostOptions;

    private SessionKey key;
    private Duration sample;

    @Override
    void validate() {
        if (output == OutputFormat.CSV) {
            throw new UserError("explain prints a report: use --output table or json");
        }
        key = SessionKey.parse("", keyText);
        hostOptions.validate();
        try {
            sample = sampleText.trim().equals("0") ? Duration.ZERO : Durations.parse(sampleText);
        } catch (IllegalArgumentException e) {
            throw new UserError("--sample: " + e.getMessage());
        }
    }

    @Override
    int run(TargetSpec target, TargetConnection connection) {
        HostAccess host = hostOptions.open(target);
        try {
            SessionKey k = new SessionKey(connection.info().name(), key.instance(), key.sessionId(), key.incarnation());
            Explanation e = new Explainer(connection, GuardChain.standard(target.protection()), host, null)
                    .explain(k, sample, commandPrefix());
            if (output == OutputFormat.JSON) {
                Json.print(out(), json(e));
            } else {
                print(out(), e);
            }
            return ExitCode.OK;
        } finally {
            if (host != null) {
                host.close();
            }
        }
    }

    /** How the user called us, so the suggested command works as typed (URL redacted, no password). */
    private String commandPrefix() {
        if (targetOptions.target != null) {
            return "sessionctl -t " + targetOptions.target;
        }
        String p = "sessionctl --url " + TargetSpec.redact(targetOptions.url);
        return targetOptions.user == null ? p : p + " -U " + targetOptions.user;
    }

    static void print(PrintWriter out, Explanation e) {
        out.println("session " + e.key().printable() + (e.instance() > 0 ? " on instance " + e.instance() : ""));
        if (e.gone()) {
            e.findings().forEach(f -> out.println("  " + f.text()));
            out.flush();
            return;
        }
        var s = e.session();
        line(out, "state", e.state() + (e.timeInState() == null ? "" : " for " + Durations.format(e.timeInState())));
        line(out, "user", Text.nz(s.user()) + (s.program() == null ? "" : " (" + s.program() + ")"));
        line(out, "wait", e.waitEvent());
        line(out, "transaction", e.transactionSize() == null ? null : e.transactionSize() + " " + e.transactionUnit());
        RollbackProgress p = e.rollback();
        line(out, "rollback", p == null ? null : p.describe());
        line(out, "distributed", e.distributed());
        line(out, "server process", e.serverProcess() == null ? null : e.serverProcess()
                + (e.processNote() == null ? "" : " (" + e.processNote() + ")")
                + (e.process() == null ? "" : " " + Table.cut(e.process().commandLine(), 50)));
        line(out, "locks held", e.locksHeld());
        line(out, "blocks", e.blocked().isEmpty() ? null : e.blocked().size() + " session(s): "
                + String.join(" ", e.blocked().stream().limit(10).map(Explanation.Blocked::key).toList())
                + (e.blocked().size() > 10 ? " ..." : ""));
        line(out, "guard", e.guardRefusal());
        line(out, "sql", s.sqlText() == null ? null : Table.cut(Table.oneLine(s.sqlText()), 70));
        out.println("why:");
        e.findings().forEach(f -> out.println("  - [" + f.code() + "] " + f.text()));
        out.println("next: " + e.next().action() + ": " + e.next().why());
        if (e.next().command() != null) {
            out.println("  " + e.next().command());
        }
        out.flush();
    }

    private static void line(PrintWriter out, String name, String value) {
        if (value != null) {
            out.println(String.format("  %-15s %s", name, value));
        }
    }

    static Map<String, Object> json(Explanation e) {
        return Json.explanation(e);
    }

}
