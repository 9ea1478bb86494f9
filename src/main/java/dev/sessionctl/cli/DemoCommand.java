package dev.sessionctl.cli;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The whole job on an embedded server, with the same code paths a user's {@code blockers} and
 * {@code kill --wait} take: nothing here is special-cased for the demo except starting the server
 * and the workload.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole job on an embedded database.",
                "Starts it, builds a blocking chain, finds and ends its root, proves the waiters moved on."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "postgresql",
            description = "postgresql or mariadb (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--waiters", paramLabel = "N", defaultValue = "3",
            description = "Sessions waiting directly on the blocker (default: ${DEFAULT-VALUE}).")
    int waiters;

    @Spec
    CommandSpec spec;

    /** An embedded server the demo can run against. */
    interface DemoServer extends AutoCloseable {
        String jdbcUrl();

        String user();

        String password();

        String description();

        @Override
        void close();
    }

    @Override
    public Integer call() throws Exception {
        if (waiters < 1 || waiters > 50) {
            throw new UserError("invalid --waiters '" + waiters + "'; expected 1 to 50");
        }
        if (!java.util.Set.of("postgresql", "postgres", "pg", "mariadb", "mysql")
                .contains(engine.toLowerCase(java.util.Locale.ROOT))) {
            // before anything is printed or started
            throw new UserError("invalid --engine '" + engine + "'; expected postgresql or mariadb");
        }
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        step(out, "Starting an embedded " + engine + " server (real server binaries from Maven Central)...");
        try (DemoServer server = startServer(engine)) {
            step(out, server.description() + " is up at " + server.jdbcUrl() + " (" + ms(t0) + " ms)");
            TargetSpec target = new TargetSpec("demo", server.jdbcUrl(), server.user(), server.password(), Map.of(),
                    ProtectionPolicy.none());
            step(out, "Building a blocking chain: 1 session idle in transaction holding a row lock, " + waiters
                    + " sessions waiting on it, and 1 more waiting on the first waiter.");
            try (var workload = dev.sessionctl.embedded.BlockingWorkload.start(server.jdbcUrl(), server.user(),
                    server.password(), waiters, true);
                 TargetConnection connection = DialectRegistry.load().connect(target)) {
                int expectedWaiting = waiters + 1;
                Snapshot snap = awaitWaiting(connection, expectedWaiting, Duration.ofSeconds(15));
                GuardChain guards = GuardChain.standard(target.protection());
                snap = guards.annotate(snap);
                out.println();
                step(out, "$ sessionctl sessions --url " + target.redactedUrl() + " -U " + target.user());
                SessionsCommand.render(out, snap, snap.sessions().stream()
                        .filter(s -> s.kind() == dev.sessionctl.model.SessionKind.CLIENT)
                        .sorted(java.util.Comparator.comparing(Session::ref)).toList(), OutputFormat.TABLE, false);
                out.println();
                step(out, "$ sessionctl blockers --url " + target.redactedUrl() + " -U " + target.user());
                BlockingReport report = BlockingAnalyzer.analyze(snap);
                BlockersCommand.printTree(out, snap, report, 20, false, target);
                if (report.roots().size() != 1 || report.roots().get(0).session() == null) {
                    out.println("demo: expected exactly one root blocker, found " + report.roots().size());
                    return ExitCode.ERROR;
                }
                Session root = report.roots().get(0).session();
                out.println();
                step(out, "$ sessionctl kill " + root.key().printable() + " --url " + target.redactedUrl() + " -U "
                        + target.user() + " --wait --yes");
                long killStart = System.nanoTime();
                KillResult result = new SessionKiller(connection, guards, null).killOne(root.key(),
                        KillRequest.of(KillAction.TERMINATE).verify(true).verifyTimeout(Duration.ofSeconds(10))
                                .reason("demo: idle-in-transaction root blocker"));
                KillCommand.printResult(out, result);
                boolean finished = workload.awaitWaitersFinished(Duration.ofSeconds(15));
                out.println();
                if (!result.succeeded() || !finished) {
                    step(out, "FAILED: outcome " + result.outcome().label() + ", waiters finished: "
                            + workload.finishedCount() + " of " + workload.blockedSessionCount()
                            + (workload.failures().isEmpty() ? "" : "; " + workload.failures()));
                    return ExitCode.ERROR;
                }
                step(out, "All " + workload.blockedSessionCount() + " blocked sessions completed their UPDATE within "
                        + ms(killStart) + " ms of the kill.");
                Snapshot after = connection.snapshot();
                out.println();
                step(out, "$ sessionctl blockers   (again)");
                BlockersCommand.printTree(out, after, BlockingAnalyzer.analyze(after), 20, false, target);
            }
            out.println();
            step(out, "Stopping the embedded server.");
        }
        step(out, "Demo finished in " + ms(t0) + " ms.");
        return ExitCode.OK;
    }

    private static DemoServer startServer(String engine) {
        return switch (engine.toLowerCase(java.util.Locale.ROOT)) {
            case "postgresql", "postgres", "pg" -> {
                var pg = dev.sessionctl.embedded.EmbeddedPostgresServer.start();
                yield new DemoServer() {
                    public String jdbcUrl() { return pg.jdbcUrl(); }
                    public String user() { return pg.superuser(); }
                    public String password() { return pg.password(); }
                    public String description() { return "PostgreSQL"; }
                    public void close() { pg.close(); }
                };
            }
            case "mariadb", "mysql" -> {
                var m = dev.sessionctl.embedded.EmbeddedMariaDbServer.start();
                yield new DemoServer() {
                    public String jdbcUrl() { return m.jdbcUrl(); }
                    public String user() { return m.user(); }
                    public String password() { return m.password(); }
                    public String description() { return "MariaDB"; }
                    public void close() { m.close(); }
                };
            }
            default -> throw new UserError("invalid --engine '" + engine + "'; expected postgresql or mariadb");
        };
    }

    /** The server registers lock waits a moment after the statements are sent: poll until all show. */
    private static Snapshot awaitWaiting(TargetConnection connection, int expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Snapshot snap = connection.snapshot();
            long waiting = snap.sessions().stream().filter(Session::isWaitingOnSession).count();
            if (waiting >= expected || System.nanoTime() > deadline) {
                return snap;
            }
            Thread.sleep(50);
        }
    }

    private static void step(PrintWriter out, String line) {
        out.println("==> " + line);
        out.flush();
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

}
