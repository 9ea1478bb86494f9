package dev.sessionctl.cli;

import dev.sessionctl.escalation.EscalationListener;
import dev.sessionctl.escalation.EscalationResult;
import dev.sessionctl.escalation.EscalationStep;
import dev.sessionctl.escalation.RollbackProgress;
import dev.sessionctl.escalation.StepRecord;
import dev.sessionctl.kill.Check;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.render.Json;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code kill --escalate} prints: each step as it starts and ends, rollback progress (at most
 * one line per 10 polls, so a long rollback does not flood the terminal), the final status; and
 * the JSON shape of an {@link EscalationResult}.
 */
final class EscalationOutput implements EscalationListener {

    private final PrintWriter out;
    private int polls;

    EscalationOutput(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void stepStarted(SessionKey key, EscalationStep step, Session victim) {
        out.println(key.printable() + "  step " + step + "  (state " + victim.state() + ")");
        out.flush();
    }

    @Override
    public void stepFinished(SessionKey key, StepRecord r) {
        if (!r.performed()) {
            out.println(key.printable() + "  skip " + r.step().action() + ": " + r.note());
        } else {
            out.println(key.printable() + "  " + r.step().action() + " -> " + r.result().outcome().label()
                    + (r.done() ? " (done)" : "") + ": " + r.note());
            if (r.result().fix() != null) {
                out.println("    fix: " + r.result().fix());
            }
            for (Check c : r.checks()) {
                out.println("    " + (c.passed() ? "ok  " : "FAIL") + " " + c.name() + ": " + c.detail());
            }
        }
        out.flush();
    }

    @Override
    public void rollbackProgress(SessionKey key, RollbackProgress p) {
        if (polls++ % 10 == 0) {
            out.println(key.printable() + "  " + p.describe());
            out.flush();
        }
    }

    @Override
    public void finished(EscalationResult r) {
        out.println(r.key().printable() + "  " + r.status().label().toUpperCase(java.util.Locale.ROOT) + ": " + r.message());
        for (Check c : r.checks()) {
            out.println("    " + (c.passed() ? "ok  " : "FAIL") + " " + c.name() + ": " + c.detail());
        }
        out.flush();
    }

    static Map<String, Object> json(EscalationResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", r.key().printable());
        m.put("status", r.status().label());
        m.put("message", r.message());
        m.put("elapsedSeconds", Json.seconds(r.elapsed()));
        m.put("steps", r.steps().stream().map(s -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("action", s.step().action().label());
            x.put("boundSeconds", Json.seconds(s.step().bound()));
            x.put("performed", s.performed());
            x.put("done", s.done());
            x.put("note", s.note());
            x.put("result", s.result() == null ? null : Json.killResult(s.result()));
            return x;
        }).toList());
        if (r.rollback() != null) {
            RollbackProgress p = r.rollback();
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("remaining", p.remaining());
            x.put("unit", p.unit());
            x.put("perSecond", p.perSecond());
            x.put("etaSeconds", Json.seconds(p.eta()));
            m.put("rollback", x);
        } else {
            m.put("rollback", null);
        }
        m.put("checks", r.checks().stream().map(c -> Map.of("name", c.name(), "passed", c.passed(), "detail", c.detail())).toList());
        return m;
    }
}
