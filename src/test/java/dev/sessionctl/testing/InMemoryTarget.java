package dev.sessionctl.testing;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TEST DOUBLE: an in-memory target for core logic tests (guards, kill path, CLI option handling).
 * Engine behaviour is tested against real servers in the dialect packages; this only records
 * which actions reached it, so a test can prove that a refused kill never sent anything.
 */
public final class InMemoryTarget implements TargetConnection {

    private final Map<SessionRef, Session> sessions = new LinkedHashMap<>();
    private final Set<SessionRef> own;
    private final List<String> executed = new ArrayList<>();
    private Instant now = Instant.parse("2026-11-22T12:00:00Z");

    public InMemoryTarget(Set<SessionRef> own, Session... initial) {
        this.own = own;
        for (Session s : initial) {
            sessions.put(s.ref(), s);
        }
    }

    public void put(Session s) {
        sessions.put(s.ref(), s);
    }

    public void advance(Duration d) {
        now = now.plus(d);
    }

    /** Statements that reached the "server", in order. */
    public List<String> executed() {
        return executed;
    }

    @Override
    public TargetInfo info() {
        return new TargetInfo("mem", Engine.POSTGRESQL, "16", "mem://", "tester", 1);
    }

    @Override
    public Snapshot snapshot() {
        return new Snapshot("mem", Engine.POSTGRESQL, "16", now, List.copyOf(sessions.values()), own);
    }

    @Override
    public List<KillAction> supportedActions() {
        return List.of(KillAction.CANCEL, KillAction.TERMINATE);
    }

    @Override
    public String statementFor(KillAction action, Session victim) {
        return action.label() + " " + victim.key().printable();
    }

    @Override
    public KillResult execute(KillAction action, Session victim, Duration timeout) {
        String stmt = statementFor(action, victim);
        executed.add(stmt);
        Session cur = sessions.get(victim.ref());
        if (cur == null) {
            return KillResult.of(victim.key(), action, KillOutcome.ALREADY_GONE, stmt, "gone");
        }
        if (!cur.key().incarnation().equals(victim.key().incarnation())) {
            return KillResult.of(victim.key(), action, KillOutcome.IDENTITY_CHANGED, stmt, "changed");
        }
        if (action == KillAction.CANCEL) {
            return KillResult.of(victim.key(), action, KillOutcome.CANCELLED, stmt, "cancelled");
        }
        sessions.remove(victim.ref());
        List<Session> released = new ArrayList<>();
        for (Session s : sessions.values()) {
            if (s.blockedBy().contains(victim.ref())) {
                released.add(s.withBlockedBy(s.blockedBy().stream().filter(r -> !r.equals(victim.ref())).toList()));
            }
        }
        released.forEach(this::put);
        return KillResult.of(victim.key(), action, KillOutcome.TERMINATED, stmt, "terminated");
    }

    @Override
    public DoctorReport doctor() {
        return new DoctorReport(info(), List.of(DoctorReport.Item.ok("in memory", "everything")));
    }

    @Override
    public void close() {
    }
}
