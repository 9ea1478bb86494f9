package dev.sessionctl.http;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.render.Json;
import dev.sessionctl.target.TargetSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The console's explanation of one session, read from one snapshot: what it is doing, whom it
 * waits for, whom it blocks, its transaction and what ending it would cost, and the next step.
 * (The termination engine's {@code explain} adds rollback progress, locks still held and the
 * server process; this is what a snapshot alone can tell.)
 */
final class Explanation {

    private Explanation() {
    }

    static Map<String, Object> of(Snapshot snap, Session s, TargetSpec spec, Principal viewer) {
        Map<String, Object> m = Json.snapshotHeader(snap);
        m.put("key", s.key().printable());
        m.put("session", Json.session(s, snap.serverTime()));
        List<String> findings = new ArrayList<>();
        Duration inState = s.timeInState(snap.serverTime());
        findings.add("state " + s.state().label() + (inState == null ? "" : " for " + Durations.format(inState)));
        if (s.waitEvent() != null) {
            findings.add("waiting on " + (s.waitEventType() == null ? "" : s.waitEventType() + ": ") + s.waitEvent());
        }
        List<Map<String, Object>> waitsFor = new ArrayList<>();
        for (SessionRef b : s.blockedBy()) {
            Optional<Session> bs = snap.find(b);
            Map<String, Object> bm = new LinkedHashMap<>();
            bm.put("sessionId", b.toString());
            bm.put("key", bs.map(x -> x.key().printable()).orElse(null));
            bm.put("user", bs.map(Session::user).orElse(null));
            bm.put("state", bs.map(x -> x.state().cliName()).orElse(null));
            waitsFor.add(bm);
        }
        m.put("waitsFor", waitsFor);
        if (!waitsFor.isEmpty()) {
            findings.add("blocked by " + waitsFor.size() + " session(s): "
                    + String.join(", ", s.blockedBy().stream().map(SessionRef::toString).toList()));
        }
        BlockingReport report = BlockingAnalyzer.analyze(snap);
        Optional<BlockingReport.Root> root = report.roots().stream().filter(r -> r.ref().equals(s.ref())).findFirst();
        List<String> blocking = root.map(r -> r.waiters().stream().map(w -> w.session().key().printable()).toList())
                .orElse(SessionService.waitersOf(snap, s.ref()).stream().map(SessionRef::toString).toList());
        m.put("blocks", blocking);
        m.put("isRootBlocker", root.isPresent());
        if (root.isPresent()) {
            findings.add("root blocker: " + root.get().totalBlocked() + " session(s) wait behind it"
                    + (root.get().longestWait() == null ? "" : ", longest for " + Durations.format(root.get().longestWait())));
        } else if (!blocking.isEmpty()) {
            findings.add(blocking.size() + " session(s) wait on it directly");
        }
        m.put("transactionSize", s.transactionSize());
        m.put("transactionAgeSeconds", Json.seconds(s.transactionAge(snap.serverTime())));
        m.put("rollbackEstimate", RollbackEstimate.describe(snap.engine(), s, snap.serverTime()));
        if (s.isProtected()) {
            findings.add("protected: " + s.protectedReason());
        }
        m.put("findings", findings);
        String cli = "sessionctl kill " + s.key().printable() + " -t " + spec.name() + " --wait";
        String next;
        String action;
        if (s.isProtected()) {
            next = "sessionctl will not end it (" + s.protectedReason() + ")";
            action = null;
        } else if (s.state() == SessionState.TERMINATING) {
            next = "it is already ending (rolling back or cleaning up); ending it again would not help: wait, and"
                    + " use `sessionctl explain` / `kill --escalate` from the CLI if it stalls";
            action = null;
        } else if (root.isPresent() && s.state() == SessionState.IDLE_IN_TRANSACTION) {
            next = "idle in transaction while blocking others: end it (terminate); its transaction rolls back and"
                    + " the waiters move on";
            action = "terminate";
        } else if (root.isPresent()) {
            next = "it blocks others while running a statement: cancel the statement first; terminate if the"
                    + " waiters stay blocked";
            action = "cancel";
        } else if (s.state() == SessionState.ACTIVE && s.isWaitingOnSession()) {
            next = "it is a victim, not the cause: look at the session(s) it waits for";
            action = null;
        } else if (s.state() == SessionState.ACTIVE) {
            next = "a long statement can be stopped with cancel; the session stays connected";
            action = "cancel";
        } else {
            next = "nothing blocks on it; end it only if it should not be there";
            action = null;
        }
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("text", next);
        rec.put("action", action);
        rec.put("command", action == null ? null : viewer.isAdmin()
                ? ("cancel".equals(action) ? cli.replace(" --wait", " --cancel") : cli) : null);
        m.put("recommendation", rec);
        return m;
    }
}
