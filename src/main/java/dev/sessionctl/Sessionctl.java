package dev.sessionctl;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.audit.AuditSink;
import dev.sessionctl.audit.AuditTrail;
import dev.sessionctl.audit.JsonLinesAuditFile;
import dev.sessionctl.bulk.BulkExecutor;
import dev.sessionctl.bulk.BulkResult;
import dev.sessionctl.bulk.KillPlan;
import dev.sessionctl.bulk.KillPlanner;
import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.escalation.EscalationLadder;
import dev.sessionctl.escalation.EscalationListener;
import dev.sessionctl.escalation.EscalationResult;
import dev.sessionctl.escalation.Escalator;
import dev.sessionctl.explain.Explainer;
import dev.sessionctl.explain.Explanation;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.hostaccess.HostAccess;
import dev.sessionctl.hostaccess.HostAccessTarget;
import dev.sessionctl.hostaccess.OsProcessKiller;
import dev.sessionctl.hostaccess.ProcessExpectation;
import dev.sessionctl.hostaccess.ServerProcessGoneCheck;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.kill.Verifier;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetInfo;
import dev.sessionctl.target.TargetSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * sessionctl as a Java library: connect to one target, list sessions and blockers, end sessions
 * safely (guards, identity re-check, audit, verification), run the escalation ladder, explain why
 * a session will not die, and plan and run bulk kills. Every kill goes through the same kill path
 * as the CLI. Not thread-safe: one caller at a time per instance. See docs/library.md.
 *
 * <pre>{@code
 * try (Sessionctl ctl = Sessionctl.builder(spec).auditFile(Path.of("audit.jsonl")).connect()) {
 *     for (BlockingReport.Root root : ctl.blockers().roots()) {
 *         EscalationResult r = ctl.escalate(root.session().key(), "frozen checkout");
 *     }
 * }
 * }</pre>
 */
public final class Sessionctl implements AutoCloseable {

    private final TargetConnection target;
    private final GuardChain guards;
    private final AuditTrail audit;
    private final HostAccess host;
    private final EscalationLadder ladder;
    private final Verifier verifier;

    private Sessionctl(Builder b, TargetConnection raw) {
        this.guards = GuardChain.standard(b.spec.protection());
        this.host = b.host;
        TargetConnection t = raw;
        if (b.host != null && raw.info().engine().family() != Engine.Family.MYSQL) {
            OsProcessKiller os = new OsProcessKiller(b.host,
                    ProcessExpectation.forEngine(raw.info().engine().family(), b.databaseOsUser), b.sigtermWait, null);
            t = new HostAccessTarget(raw, os, b.allowPostgresSigkill);
        }
        this.target = t;
        List<AuditSink> optional = new ArrayList<>(b.extraSinks);
        this.audit = b.auditFile == null ? null
                : new AuditTrail(new JsonLinesAuditFile(b.auditFile), optional, null, b.origin, null);
        Verifier v = new Verifier(target);
        if (b.host != null) {
            v = v.with(new ServerProcessGoneCheck(b.host));
        }
        this.verifier = v;
        this.ladder = b.ladder != null ? b.ladder : EscalationLadder.defaultFor(target.info().engine().family());
    }

    /** Connects with the default options (no audit file, no host access). */
    public static Sessionctl connect(TargetSpec spec) {
        return builder(spec).connect();
    }

    public static Builder builder(TargetSpec spec) {
        return new Builder(spec);
    }

    /** What we are connected to. */
    public TargetInfo info() {
        return target.info();
    }

    /** The underlying port, for what the facade does not cover. */
    public TargetConnection target() {
        return target;
    }

    /** All sessions, with {@code protectedReason} filled by the same guards the kill path uses. */
    public Snapshot snapshot() {
        return guards.annotate(target.snapshot());
    }

    public List<Session> sessions() {
        return snapshot().sessions();
    }

    public List<Session> sessions(Predicate<Session> filter) {
        return snapshot().sessions().stream().filter(filter).toList();
    }

    /** Who blocks whom now: root blockers, their trees, deadlocks. */
    public BlockingReport blockers() {
        return BlockingAnalyzer.analyze(snapshot());
    }

    /** Parses a printed key (as shown by sessions/blockers) for this target. */
    public SessionKey key(String printable) {
        SessionKey k = SessionKey.parse(target.info().name(), printable);
        return new SessionKey(snapshot().target(), k.instance(), k.sessionId(), k.incarnation());
    }

    /** One action on one session, verified (session gone, waiters released, process gone with host access). */
    public KillResult kill(SessionKey key, KillAction action, String reason) {
        return killer().killOne(key, KillRequest.of(action).verify(true).reason(reason));
    }

    /** Several sessions with one request; each gets its own result, one failure never stops the rest. */
    public List<KillResult> kill(List<SessionKey> keys, KillRequest request) {
        return killer().kill(keys, request);
    }

    /** The engine's escalation ladder until the session is gone (see docs/termination.md). */
    public EscalationResult escalate(SessionKey key, String reason) {
        return escalate(key, Escalator.Goal.END_SESSION, reason, null);
    }

    public EscalationResult escalate(SessionKey key, Escalator.Goal goal, String reason, EscalationListener listener) {
        return escalator(listener).escalate(key, goal, reason);
    }

    /** Why the session will not die or is slow to, sampling progress over {@code sample}. */
    public Explanation explain(SessionKey key, Duration sample) {
        return explain(key, sample, "sessionctl -t " + target.info().name());
    }

    /** As {@link #explain(SessionKey, Duration)}, with the suggested commands starting with {@code commandPrefix}. */
    public Explanation explain(SessionKey key, Duration sample, String commandPrefix) {
        return new Explainer(target, guards, host, null).explain(key, sample, commandPrefix);
    }

    /** A bulk plan over the sessions matching {@code selection}; nothing is done yet. */
    public KillPlan plan(Predicate<Session> selection, String selectionText, KillAction action, KillPlan.Order order,
                         Integer max) {
        return new KillPlanner(target, guards).plan(target.snapshot(), selection, selectionText, action, order, max);
    }

    public BulkResult execute(KillPlan plan, KillRequest request) {
        return BulkExecutor.kill(plan, killer(), request, null);
    }

    public BulkResult escalate(KillPlan plan, String reason) {
        return BulkExecutor.escalate(plan, escalator(null), Escalator.Goal.END_SESSION, reason, null);
    }

    private SessionKiller killer() {
        return new SessionKiller(target, guards, audit == null ? KillListener.NONE : audit, verifier);
    }

    private Escalator escalator(EscalationListener listener) {
        EscalationListener both = listener == null && audit == null ? null : new EscalationListener() {
            @Override
            public void stepStarted(SessionKey key, dev.sessionctl.escalation.EscalationStep step, Session victim) {
                if (listener != null) {
                    listener.stepStarted(key, step, victim);
                }
            }

            @Override
            public void stepFinished(SessionKey key, dev.sessionctl.escalation.StepRecord record) {
                if (audit != null) {
                    audit.stepFinished(key, record);
                }
                if (listener != null) {
                    listener.stepFinished(key, record);
                }
            }

            @Override
            public void rollbackProgress(SessionKey key, dev.sessionctl.escalation.RollbackProgress progress) {
                if (listener != null) {
                    listener.rollbackProgress(key, progress);
                }
            }

            @Override
            public void finished(EscalationResult result) {
                if (audit != null) {
                    audit.finished(result);
                }
                if (listener != null) {
                    listener.finished(result);
                }
            }
        };
        return Escalator.on(target).guards(guards).killListener(audit).verifier(verifier).ladder(ladder)
                .listener(both).build();
    }

    @Override
    public void close() {
        try {
            target.close();
        } finally {
            if (audit != null) {
                audit.close();
            }
            if (host != null) {
                host.close();
            }
        }
    }

    /** Options for {@link Sessionctl}; only the target is required. */
    public static final class Builder {
        private final TargetSpec spec;
        private Path auditFile;
        private final List<AuditSink> extraSinks = new ArrayList<>();
        private HostAccess host;
        private String databaseOsUser;
        private Duration sigtermWait = Duration.ofSeconds(30);
        private boolean allowPostgresSigkill;
        private EscalationLadder ladder;
        private String origin = "library";
        private DialectRegistry dialects;

        private Builder(TargetSpec spec) {
            this.spec = Objects.requireNonNull(spec, "spec");
        }

        /** Every action is appended here (intent before, outcome after, fsync'd). */
        public Builder auditFile(Path file) { auditFile = file; return this; }
        /** More audit sinks (syslog, a database table); best effort. Needs {@link #auditFile}. */
        public Builder auditSink(AuditSink sink) { extraSinks.add(sink); return this; }
        /** Host access to the database's host: enables OS_TERM / OS_KILL and the server-process check. */
        public Builder hostAccess(HostAccess h) { host = h; return this; }
        /** The OS user the database runs as (Oracle default "oracle"; PostgreSQL: checked against the postmaster). */
        public Builder databaseOsUser(String user) { databaseOsUser = user; return this; }
        /** OS_KILL: how long after SIGTERM before SIGKILL. */
        public Builder sigtermWait(Duration d) { sigtermWait = d; return this; }
        /** Offer SIGKILL on PostgreSQL backends (it restarts every backend of the cluster). */
        public Builder allowPostgresSigkill(boolean v) { allowPostgresSigkill = v; return this; }
        public Builder ladder(EscalationLadder l) { ladder = l; return this; }
        /** Recorded in the audit trail as where actions come from ("library", "daemon", ...). */
        public Builder origin(String o) { origin = o; return this; }
        public Builder dialects(DialectRegistry r) { dialects = r; return this; }

        public Sessionctl connect() {
            if (auditFile == null && !extraSinks.isEmpty()) {
                throw new IllegalArgumentException("extra audit sinks need an audit file (the record that must never be lost)");
            }
            DialectRegistry registry = dialects == null ? DialectRegistry.load() : dialects;
            TargetConnection raw = registry.connect(spec);
            try {
                return new Sessionctl(this, raw);
            } catch (RuntimeException e) {
                raw.close();
                throw e;
            }
        }
    }

}
