package dev.sessionctl;

import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.escalation.EscalationResult;
import dev.sessionctl.explain.Explanation;
import dev.sessionctl.hostaccess.LocalHostAccess;
import dev.sessionctl.target.TargetSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The example of docs/library.md, compiled and run by {@link LibraryExampleTest} so it cannot rot.
 * The text between the markers must match the code block in docs/library.md (the test checks it).
 */
final class LibraryExample {

    private LibraryExample() {
    }

    static int endIdleBlockers(TargetSpec spec, Path auditFile, PrintStream out) {
        int ended = 0;
        // --- example start
        try (Sessionctl ctl = Sessionctl.builder(spec)
                .auditFile(auditFile)                 // intent before, outcome after, fsync'd
                .hostAccess(new LocalHostAccess())    // the database runs on this host
                .connect()) {
            BlockingReport report = ctl.blockers();
            for (BlockingReport.Root root : report.roots()) {
                if (root.session() == null || !root.idleInTransaction()) {
                    continue;                         // only idle-in-transaction root blockers
                }
                Explanation why = ctl.explain(root.session().key(), Duration.ZERO);
                out.println(root.session().key() + ": " + why.findings().get(0).text());
                EscalationResult r = ctl.escalate(root.session().key(),
                        "idle blocker of " + root.totalBlocked() + " session(s)");
                out.println(r.status() + ": " + r.message());
                r.checks().forEach(c -> out.println("  " + (c.passed() ? "ok   " : "FAIL ") + c.name()));
                if (r.succeeded()) {
                    ended++;
                }
            }
        }
        // --- example end
        return ended;
    }
}
