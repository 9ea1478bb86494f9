package dev.sessionctl.render;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.audit.AuditLog;
import dev.sessionctl.escalation.RollbackProgress;
import dev.sessionctl.explain.Explanation;
import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.DoctorReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of the CLI (and the HTTP API), built explicitly so field names are stable and
 * documented in docs/cli.md. Instants are ISO-8601 UTC strings; durations are seconds (decimals).
 */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    public static void print(PrintWriter out, Object value) {
        try {
            out.println(MAPPER.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
        out.flush();
    }

    public static Map<String, Object> snapshotHeader(Snapshot snap) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", snap.target());
        m.put("engine", snap.engine() == null ? null : snap.engine().label());
        m.put("serverVersion", snap.serverVersion());
        m.put("serverTime", snap.serverTime());
        return m;
    }

    public static Map<String, Object> session(Session s, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", s.key().printable());
        m.put("sessionId", s.key().sessionId());
        m.put("instance", s.key().instance());
        m.put("incarnation", s.key().incarnation());
        m.put("user", s.user());
        m.put("database", s.database());
        m.put("state", s.state().cliName());
        m.put("clientHost", s.clientHost());
        m.put("program", s.program());
        m.put("logonTime", s.logonTime());
        m.put("stateSince", s.stateSince());
        m.put("secondsInState", seconds(s.timeInState(now)));
        m.put("transactionStart", s.transactionStart());
        m.put("transactionAgeSeconds", seconds(s.transactionAge(now)));
        m.put("queryStart", s.queryStart());
        m.put("sqlId", s.sqlId());
        m.put("sqlText", s.sqlText());
        m.put("waitEventType", s.waitEventType());
        m.put("waitEvent", s.waitEvent());
        m.put("blockedBy", s.blockedBy().stream().map(SessionRef::toString).toList());
        m.put("kind", s.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        m.put("backendType", s.backendType());
        m.put("serverProcess", s.serverProcess());
        m.put("parent", s.parent() == null ? null : s.parent().toString());
        m.put("transactionSize", s.transactionSize());
        m.put("protected", s.isProtected());
        m.put("protectedReason", s.protectedReason());
        m.put("attributes", s.attributes());
        return m;
    }

    public static Map<String, Object> sessions(Snapshot snap, List<Session> shown) {
        Map<String, Object> m = snapshotHeader(snap);
        m.put("count", shown.size());
        m.put("sessions", shown.stream().map(s -> session(s, snap.serverTime())).toList());
        return m;
    }

    public static Map<String, Object> blockers(Snapshot snap, BlockingReport report) {
        Map<String, Object> m = snapshotHeader(snap);
        m.put("waitingSessions", report.waitingSessions());
        List<Object> roots = new ArrayList<>();
        for (BlockingReport.Root r : report.roots()) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("key", r.session() == null ? null : r.session().key().printable());
            root.put("sessionId", r.ref().sessionId());
            root.put("instance", r.ref().instance());
            root.put("inSnapshot", r.session() != null);
            root.put("session", r.session() == null ? null : session(r.session(), snap.serverTime()));
            root.put("directlyBlocked", r.directlyBlocked());
            root.put("totalBlocked", r.totalBlocked());
            root.put("depth", r.depth());
            root.put("longestWaitSeconds", seconds(r.longestWait()));
            root.put("idleInTransaction", r.idleInTransaction());
            List<Object> waiters = new ArrayList<>();
            for (BlockingReport.Waiter w : r.waiters()) {
                Map<String, Object> wm = new LinkedHashMap<>();
                wm.put("key", w.session().key().printable());
                wm.put("sessionId", w.session().key().sessionId());
                wm.put("blockedBy", w.parent().toString());
                wm.put("level", w.level());
                wm.put("waitedSeconds", seconds(w.waited()));
                wm.put("session", session(w.session(), snap.serverTime()));
                waiters.add(wm);
            }
            root.put("waiters", waiters);
            roots.add(root);
        }
        m.put("roots", roots);
        List<Object> deadlocks = new ArrayList<>();
        for (BlockingReport.Deadlock d : report.deadlocks()) {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("members", d.members().stream().map(s -> session(s, snap.serverTime())).toList());
            dm.put("blockedBehind", d.blockedBehind().stream().map(s -> s.key().printable()).toList());
            deadlocks.add(dm);
        }
        m.put("deadlocks", deadlocks);
        return m;
    }

    public static Map<String, Object> killResult(KillResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", r.key().printable());
        m.put("sessionId", r.key().sessionId());
        m.put("action", r.action().label());
        m.put("outcome", r.outcome().label());
        m.put("succeeded", r.succeeded());
        m.put("statement", r.statement());
        m.put("message", r.message());
        m.put("guard", r.guard());
        m.put("fix", r.fix());
        m.put("errorCode", r.errorCode());
        m.put("elapsedMillis", r.elapsed().toMillis());
        List<Object> checks = new ArrayList<>();
        for (Check c : r.checks()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("name", c.name());
            cm.put("passed", c.passed());
            cm.put("detail", c.detail());
            checks.add(cm);
        }
        m.put("checks", checks);
        return m;
    }

    public static Map<String, Object> doctor(DoctorReport report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", report.target().name());
        m.put("engine", report.target().engine().label());
        m.put("serverVersion", report.target().serverVersion());
        m.put("url", report.target().redactedUrl());
        m.put("user", report.target().user());
        m.put("instances", report.target().instances());
        m.put("allOk", report.allOk());
        m.put("checks", report.checks().stream().map(i -> {
            Map<String, Object> im = new LinkedHashMap<>();
            im.put("name", i.name());
            im.put("status", i.status().name().toLowerCase(java.util.Locale.ROOT));
            im.put("detail", i.detail());
            im.put("fix", i.fix());
            return im;
        }).toList());
        return m;
    }

    /** The shape of {@code explain -o json} and of the API's explain. */
    public static Map<String, Object> explanation(Explanation e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", e.key().printable());
        m.put("gone", e.gone());
        m.put("state", e.state());
        m.put("secondsInState", seconds(e.timeInState()));
        m.put("waitEvent", e.waitEvent());
        m.put("transactionSize", e.transactionSize());
        m.put("transactionUnit", e.transactionUnit());
        RollbackProgress p = e.rollback();
        if (p != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("remaining", p.remaining());
            r.put("first", p.first());
            r.put("unit", p.unit());
            r.put("perSecond", p.perSecond());
            r.put("etaSeconds", seconds(p.eta()));
            r.put("progressing", p.progressing());
            r.put("stalledSeconds", seconds(p.stalledFor()));
            m.put("rollback", r);
        } else {
            m.put("rollback", null);
        }
        m.put("distributedTransaction", e.distributed());
        m.put("instance", e.instance());
        m.put("serverProcess", e.serverProcess());
        m.put("processState", e.process() == null ? null : e.process().state());
        m.put("processNote", e.processNote());
        m.put("locksHeld", e.locksHeld());
        m.put("blocked", e.blocked().stream().map(b -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("key", b.key());
            x.put("user", b.user());
            x.put("level", b.level());
            x.put("waitedSeconds", seconds(b.waited()));
            return x;
        }).toList());
        m.put("guard", e.guardRefusal());
        m.put("findings", e.findings().stream().map(f -> Map.of("code", f.code(), "text", f.text())).toList());
        Map<String, Object> next = new LinkedHashMap<>();
        next.put("action", e.next().action());
        next.put("command", e.next().command());
        next.put("why", e.next().why());
        m.put("next", next);
        return m;
    }

    /** One action of the audit trail, as {@code audit -o json} and the API list it. */
    public static Map<String, Object> auditEntry(AuditLog.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("status", e.status());
        m.put("intent", e.intent());
        m.put("outcome", e.outcome());
        m.put("verification", e.verification());
        m.put("escalation", e.escalation());
        return m;
    }

    public static Double seconds(Duration d) {
        return d == null ? null : d.toMillis() / 1000.0;
    }
}
