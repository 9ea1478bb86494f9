package dev.sessionctl.cli;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.render.Json;
import dev.sessionctl.target.TargetSpec;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "blockers", mixinStandardHelpOptions = true,
        description = {"Who blocks whom: root blockers and the sessions waiting behind them.",
                "A root blocker blocks others and waits for no one; ending it frees the tree.",
                "Shows waits, SQL and the command that ends each root."})
final class BlockersCommand extends TargetCommand {

    @Option(names = "--max-waiters", paramLabel = "N", defaultValue = "20",
            description = "Waiters shown per root in table output (default: ${DEFAULT-VALUE}); JSON has all.")
    int maxWaiters;

    @Override
    void validate() {
        if (maxWaiters < 0) {
            throw new UserError("invalid --max-waiters '" + maxWaiters + "'; expected 0 or more");
        }
        if (output == OutputFormat.CSV) {
            throw new UserError("blockers prints a tree: use --output table or json");
        }
    }

    @Override
    int run(TargetSpec target, TargetConnection connection) {
        Snapshot snap = protectedSnapshot(target, connection);
        BlockingReport report = BlockingAnalyzer.analyze(snap);
        if (output == OutputFormat.JSON) {
            Json.print(out(), Json.blockers(snap, report));
        } else {
            printTree(out(), snap, report, maxWaiters, wide, target);
        }
        return ExitCode.OK;
    }

    static void printTree(PrintWriter out, Snapshot snap, BlockingReport report, int maxWaiters, boolean wide,
                          TargetSpec target) {
        Instant now = snap.serverTime();
        int width = wide ? Integer.MAX_VALUE : Table.terminalWidth();
        if (report.roots().isEmpty() && report.deadlocks().isEmpty()) {
            out.println("No session is blocked on " + snap.target() + ".");
            out.flush();
            return;
        }
        for (BlockingReport.Root root : report.roots()) {
            Session s = root.session();
            if (s == null) {
                out.println("ROOT " + root.ref() + "  (not a visible session: a prepared transaction, another instance,"
                        + " or a session this account cannot see)");
            } else {
                out.println(Table.cut("ROOT " + s.key().printable() + "  " + Text.nz(s.user()) + "@" + Text.nz(s.database())
                        + "  " + s.state().label() + " " + Text.age(s, now)
                        + (s.program() == null || s.program().isBlank() ? "" : "  " + s.program())
                        + (s.clientHost() == null ? "" : "  from " + s.clientHost()), width));
            }
            out.println("  blocks " + root.totalBlocked() + " session(s): " + root.directlyBlocked() + " directly, chain depth "
                    + root.depth() + (root.longestWait() == null ? "" : ", longest wait " + Durations.format(root.longestWait())));
            if (root.idleInTransaction()) {
                out.println("  ! idle in transaction while blocking: it holds its locks and is doing nothing");
            }
            if (s != null && s.sqlText() != null) {
                out.println(Table.cut("  last SQL: " + Text.sql(s), width));
            }
            if (s != null) {
                if (s.isProtected()) {
                    out.println("  protected: " + s.protectedReason());
                } else {
                    out.println("  end it:    sessionctl kill " + s.key().printable() + " " + targetArgs(target) + " --wait");
                }
            }
            int shown = 0;
            for (BlockingReport.Waiter w : root.waiters()) {
                if (shown++ >= maxWaiters) {
                    out.println("  ... and " + (root.waiters().size() - maxWaiters) + " more (use --max-waiters or -o json)");
                    break;
                }
                Session ws = w.session();
                String indent = "  " + "  ".repeat(w.level() - 1) + "\\- ";
                out.println(Table.cut(indent + ws.key().printable() + "  " + Text.nz(ws.user()) + "  "
                        + Text.state(ws) + " " + Durations.format(w.waited()) + "  " + Text.waitOf(ws) + "  " + Text.sql(ws),
                        width));
            }
            out.println();
        }
        for (BlockingReport.Deadlock d : report.deadlocks()) {
            out.println("DEADLOCK between " + String.join(", ", d.members().stream().map(m -> m.key().printable()).toList())
                    + (d.blockedBehind().isEmpty() ? "" : "; " + d.blockedBehind().size() + " more session(s) wait behind it"));
            out.println("  the engine's deadlock detector normally ends one member; ending any one member breaks the cycle");
        }
        out.println(report.roots().size() + " root blocker(s), " + report.waitingSessions() + " waiting session(s) on "
                + snap.target());
        out.flush();
    }

    static String targetArgs(TargetSpec target) {
        if (!UrlTargetName.isUrlName(target.name()) && !"demo".equals(target.name())) {
            return "-t " + target.name();
        }
        return "--url " + target.redactedUrl() + (target.user() == null ? "" : " -U " + target.user());
    }

}
