package dev.sessionctl.audit;

import dev.sessionctl.escalation.EscalationListener;
import dev.sessionctl.escalation.EscalationResult;
import dev.sessionctl.escalation.StepRecord;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit hook on the kill path. {@link #beforeAction} appends the intent to the required sink
 * (the JSON lines file) and returns only once it is on disk; if it cannot be written, it throws
 * and the kill path does not act. Optional sinks (a database table, syslog) are best effort: a
 * failure there is logged, never blocks an action.
 */
public final class AuditTrail implements KillListener, EscalationListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);

    private final AuditSink required;
    private final List<AuditSink> optional;
    private final AuditRecord.Actor actor;
    private final String origin;
    private final Clock clock;
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<String, String> lastIdByKey = new HashMap<>();
    // what the escalation summary needs to say whom it ended and why ("who killed my session and why")
    private final Map<String, Session> victimByKey = new HashMap<>();
    private final Map<String, String> reasonByKey = new HashMap<>();

    private record Pending(String id, long startedNanos, AuditRecord intent) {
    }

    /**
     * @param origin where the action comes from: "cli", "daemon", "http", "library"
     */
    public AuditTrail(AuditSink required, List<AuditSink> optional, AuditRecord.Actor actor, String origin, Clock clock) {
        this.required = required;
        this.optional = List.copyOf(optional);
        this.actor = actor == null ? AuditRecord.Actor.current() : actor;
        this.origin = origin == null ? "library" : origin;
        this.clock = clock == null ? Clock.systemUTC() : clock;
    }

    public static AuditTrail toFile(java.nio.file.Path file, String origin) {
        return new AuditTrail(new JsonLinesAuditFile(file), List.of(), null, origin, null);
    }

    @Override
    public synchronized void beforeAction(String target, Session victim, KillAction action, String statement,
                                          String reason) {
        String id = UUID.randomUUID().toString();
        AuditRecord intent = new AuditRecord(id, AuditRecord.INTENT, clock.instant(), actor, origin, target,
                AuditRecord.SessionInfo.of(victim), action.label(), statement, reason, null, null, null, null, null, null);
        required.append(intent); // throws: the action must not run unrecorded
        pending.put(slot(target, victim.key(), action), new Pending(id, System.nanoTime(), intent));
        lastIdByKey.put(target + "|" + victim.key().printable(), id);
        victimByKey.put(target + "|" + victim.key().printable(), victim);
        if (reason != null) {
            reasonByKey.put(target + "|" + victim.key().printable(), reason);
        }
        fanOut(intent);
    }

    @Override
    public synchronized void afterAction(String target, Session victim, KillResult result) {
        Pending p = pending.remove(slot(target, victim.key(), result.action()));
        String id = p == null ? UUID.randomUUID().toString() : p.id();
        long ms = p == null ? result.elapsed().toMillis() : (System.nanoTime() - p.startedNanos()) / 1_000_000;
        AuditRecord outcome = new AuditRecord(id, AuditRecord.OUTCOME, clock.instant(), actor, origin, target,
                AuditRecord.SessionInfo.of(victim), result.action().label(), result.statement(), null,
                result.outcome().label(), result.message(), result.guard(), result.errorCode(), ms,
                AuditRecord.CheckInfo.of(result.checks()));
        appendAfter(outcome);
    }

    @Override
    public synchronized void stepStarted(SessionKey key, dev.sessionctl.escalation.EscalationStep step, Session victim) {
        if (victim != null) {
            victimByKey.put(key.target() + "|" + key.printable(), victim);
        }
    }

    @Override
    public synchronized void stepFinished(SessionKey key, StepRecord record) {
        if (!record.performed() || record.checks().isEmpty()) {
            return;
        }
        String id = lastIdByKey.getOrDefault(key.target() + "|" + key.printable(), UUID.randomUUID().toString());
        AuditRecord verification = new AuditRecord(id, AuditRecord.VERIFICATION, clock.instant(), actor, origin,
                key.target(), null, record.step().action().label(), null, null,
                record.done() ? "verified" : "not-verified", record.note(), null, null, record.elapsed().toMillis(),
                AuditRecord.CheckInfo.of(record.checks()));
        appendAfter(verification);
    }

    @Override
    public synchronized void finished(EscalationResult result) {
        List<String> steps = new ArrayList<>();
        for (StepRecord s : result.steps()) {
            steps.add(s.step().action().label() + "=" + (s.performed() ? s.result().outcome().label() : "skipped"));
        }
        String slot = result.key().target() + "|" + result.key().printable();
        Session victim = victimByKey.remove(slot);
        String reason = reasonByKey.remove(slot);
        lastIdByKey.remove(slot);
        AuditRecord summary = new AuditRecord(UUID.randomUUID().toString(), AuditRecord.ESCALATION, clock.instant(),
                actor, origin, result.key().target(),
                victim != null ? AuditRecord.SessionInfo.of(victim) : AuditRecord.SessionInfo.keyOnly(result.key()),
                "escalate", String.join(" ", steps), reason,
                result.status().label(), result.message() + " [session " + result.key().printable() + "]", null, null,
                result.elapsed().toMillis(), AuditRecord.CheckInfo.of(result.checks()));
        appendAfter(summary);
    }

    /** Records after the fact: the action already happened, so a failure is logged loudly rather than thrown. */
    private void appendAfter(AuditRecord r) {
        try {
            required.append(r);
        } catch (RuntimeException e) {
            LOG.error("audit: could not record the {} of action {} on {}: {}", r.phase(), r.id(), r.target(), e.getMessage());
        }
        fanOut(r);
    }

    private void fanOut(AuditRecord r) {
        for (AuditSink s : optional) {
            try {
                s.append(r);
            } catch (RuntimeException e) {
                LOG.warn("audit: optional sink {} failed for record {}: {}", s.describe(), r.id(), e.getMessage());
            }
        }
    }

    private static String slot(String target, SessionKey key, KillAction action) {
        return target + "|" + key.printable() + "|" + action.label();
    }

    @Override
    public void close() {
        required.close();
        for (AuditSink s : optional) {
            s.close();
        }
    }
}
