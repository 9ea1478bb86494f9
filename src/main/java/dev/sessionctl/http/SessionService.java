package dev.sessionctl.http;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.audit.AuditLog;
import dev.sessionctl.audit.AuditRecord;
import dev.sessionctl.explain.Explainer;
import dev.sessionctl.explain.Explanation;
import dev.sessionctl.guard.Guard;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.render.Json;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What the console and the API may do, with the authorization rules enforced here (not in the
 * browser): a self-service user sees only their target and their own sessions, never another
 * user's SQL, and can end only sessions whose database user is theirs. Every kill runs through
 * {@link SessionKiller} on the server's DBA connection, with the standard guards plus, for
 * self-service, an owner guard evaluated on the killer's fresh snapshot; every action is audited
 * with the signed-in user.
 *
 * <p>Results use the CLI's JSON shapes ({@link Json}) so API and CLI agree.
 */
public final class SessionService {

    /** The guard name reported when a self-service user names someone else's session. */
    public static final String OWNER_GUARD = "self-service-owner";

    private static final Set<KillAction> SELF_SERVICE_ACTIONS = Set.of(KillAction.CANCEL, KillAction.TERMINATE);
    private static final Duration MAX_SAMPLE = Duration.ofSeconds(10);
    static final List<String> AUDIT_EVENTS = List.of("action", "login", "login-failed", "login-throttled", "logout",
            "kill-refused");

    private final TargetPool pool;
    private final ConsoleAudit audit;
    private final ServeConfig config;

    public SessionService(TargetPool pool, ConsoleAudit audit, ServeConfig config) {
        this.pool = pool;
        this.audit = audit;
        this.config = config;
    }

    // ---- targets -------------------------------------------------------------------------------

    public Map<String, Object> targets(Principal p) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : pool.names()) {
            if (!p.isAdmin() && !name.equals(p.target())) {
                continue;
            }
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", name);
            if (p.isAdmin()) {
                TargetSpec spec = pool.spec(name);
                t.put("url", spec.redactedUrl());
                t.put("user", spec.user());
            }
            t.put("selfService", config.selfServiceAllowed(name));
            out.add(t);
        }
        return Map.of("targets", out);
    }

    /** Target names open to self-service sign-in (shown on the sign-in page). */
    public List<String> selfServiceTargets() {
        return pool.names().stream().filter(config::selfServiceAllowed).toList();
    }

    // ---- sessions ------------------------------------------------------------------------------

    public Map<String, Object> sessions(Principal p, String target, SessionQuery q) {
        checkTarget(p, target);
        TargetSpec spec = pool.spec(target);
        return pool.with(target, c -> {
            Snapshot snap = GuardChain.standard(spec.protection()).annotate(c.snapshot());
            var f = q.filter();
            if (q.lockTable() != null) {
                f = f.withLockHolders(c.lockHolders(q.lockTable()));
            }
            var keep = f.predicate(snap.serverTime());
            List<Session> shown = snap.sessions().stream()
                    .filter(keep)
                    .filter(s -> (q.all() && p.isAdmin()) || s.kind() == SessionKind.CLIENT)
                    .filter(s -> p.isAdmin() || owns(p, s))
                    .sorted(Comparator.comparing(Session::ref))
                    .toList();
            Map<String, Object> m = Json.sessions(snap, shown);
            m.put("viewer", viewer(p));
            return m;
        });
    }

    public Map<String, Object> session(Principal p, String target, String keyText) {
        checkTarget(p, target);
        SessionKey key = parseKey(target, keyText);
        TargetSpec spec = pool.spec(target);
        return pool.with(target, c -> {
            Snapshot snap = GuardChain.standard(spec.protection()).annotate(c.snapshot());
            Session s = visibleSession(p, snap, key);
            Map<String, Object> m = Json.snapshotHeader(snap);
            m.put("session", Json.session(s, snap.serverTime()));
            return m;
        });
    }

    // ---- blocking trees ------------------------------------------------------------------------

    public Map<String, Object> blockers(Principal p, String target) {
        checkTarget(p, target);
        TargetSpec spec = pool.spec(target);
        return pool.with(target, c -> {
            Snapshot snap = GuardChain.standard(spec.protection()).annotate(c.snapshot());
            BlockingReport report = BlockingAnalyzer.analyze(snap);
            if (p.isAdmin()) {
                Map<String, Object> m = Json.blockers(snap, report);
                m.put("viewer", viewer(p));
                return m;
            }
            // self-service: only the trees that involve one of their sessions; other users' sessions
            // in them keep their place (who blocks whom) but lose SQL, program and host
            List<BlockingReport.Root> mine = new ArrayList<>();
            for (BlockingReport.Root r : report.roots()) {
                boolean involved = (r.session() != null && owns(p, r.session()))
                        || r.waiters().stream().anyMatch(w -> owns(p, w.session()));
                if (involved) {
                    List<BlockingReport.Waiter> ws = r.waiters().stream().map(w -> new BlockingReport.Waiter(
                            redact(p, w.session()), w.parent(), w.level(), w.waited())).toList();
                    mine.add(new BlockingReport.Root(r.session() == null ? null : redact(p, r.session()), r.ref(), ws,
                            r.directlyBlocked(), r.depth(), r.longestWait(), r.idleInTransaction()));
                }
            }
            List<BlockingReport.Deadlock> deadlocks = report.deadlocks().stream()
                    .filter(d -> d.members().stream().anyMatch(s -> owns(p, s))
                            || d.blockedBehind().stream().anyMatch(s -> owns(p, s)))
                    .map(d -> new BlockingReport.Deadlock(d.members().stream().map(s -> redact(p, s)).toList(),
                            d.blockedBehind().stream().map(s -> redact(p, s)).toList()))
                    .toList();
            long waitingMine = snap.sessions().stream().filter(s -> owns(p, s) && s.isWaitingOnSession()).count();
            Map<String, Object> m = Json.blockers(snap, new BlockingReport(report.serverTime(), mine, deadlocks,
                    (int) waitingMine));
            m.put("viewer", viewer(p));
            return m;
        });
    }

    // ---- kill preview (dry run), kill, explain ------------------------------------------------

    /**
     * What a kill would do, without doing it: the exact statement (from the kill path's own dry
     * run, so guards and identity are checked the same way), the transaction's size and age, a
     * rollback estimate and the sessions waiting on it.
     */
    public Map<String, Object> preview(Principal p, String target, String keyText, String actionText) {
        checkTarget(p, target);
        SessionKey key = parseKey(target, keyText);
        KillAction action = parseAction(p, actionText);
        TargetSpec spec = pool.spec(target);
        return pool.with(target, c -> {
            Snapshot snap = c.snapshot();
            Session s = visibleSession(p, snap, key);
            requireOwner(p, s, key);
            KillResult dry = killer(p, spec, c, null).killOne(key, KillRequest.of(action).dryRun(true));
            BlockingReport report = BlockingAnalyzer.analyze(snap);
            int blocked = report.roots().stream().filter(r -> r.ref().equals(s.ref()))
                    .mapToInt(BlockingReport.Root::totalBlocked).findFirst().orElse((int) snap.sessions().stream()
                            .filter(w -> w.blockedBy().contains(s.ref())).count());
            Map<String, Object> m = Json.snapshotHeader(snap);
            m.put("action", action.label());
            m.put("allowed", dry.outcome() == KillOutcome.DRY_RUN);
            m.put("statement", dry.statement());
            m.put("message", dry.message());
            m.put("guard", dry.guard());
            m.put("session", Json.session(s, snap.serverTime()));
            m.put("transactionSize", s.transactionSize());
            m.put("transactionAgeSeconds", Json.seconds(s.transactionAge(snap.serverTime())));
            m.put("rollbackEstimate", action == KillAction.CANCEL
                    ? "cancel stops the current statement only; " + RollbackEstimate.describe(snap.engine(), s,
                    snap.serverTime()).replace("nothing to roll back", "the session stays connected")
                    : RollbackEstimate.describe(snap.engine(), s, snap.serverTime()));
            m.put("sessionsBlocked", blocked);
            m.put("supportedActions", allowedActions(p, c).stream().map(KillAction::label).toList());
            return m;
        });
    }

    /**
     * Ends (or cancels) one session through the core kill path. Refuses with 403 when a self-service
     * user names a session of another database user, before anything is sent.
     */
    public Map<String, Object> kill(Principal p, String target, KillCommand cmd, String address) {
        checkTarget(p, target);
        SessionKey key = parseKey(target, cmd.key());
        KillAction action = parseAction(p, cmd.action());
        if (cmd.reason() != null && cmd.reason().length() > 500) {
            throw ApiException.badRequest("reason is " + cmd.reason().length() + " characters; expected at most 500");
        }
        TargetSpec spec = pool.spec(target);
        return pool.with(target, c -> {
            Snapshot snap = c.snapshot();
            Optional<Session> current = snap.find(key.ref());
            if (!p.isAdmin() && current.isPresent() && !owns(p, current.get())) {
                audit.event("kill-refused", p, null, target, address, "session " + key.printable()
                        + " belongs to another database user");
                throw ApiException.forbidden("you may end only sessions of database user " + p.name()
                        + "; session " + key.printable() + " belongs to another user. Nothing was done.");
            }
            KillRequest request = new KillRequest(action, cmd.dryRun(), Duration.ofSeconds(5), cmd.verify(),
                    Duration.ofSeconds(15), reasonFor(p, cmd.reason()));
            KillResult r = killer(p, spec, c, audit.listenerFor(p, address)).killOne(key, request);
            if (OWNER_GUARD.equals(r.guard())) {
                // the killer's fresh snapshot saw another user's session under this key: same refusal
                audit.event("kill-refused", p, null, target, address, "session " + key.printable()
                        + " belongs to another database user (refused by the owner guard)");
                throw ApiException.forbidden("you may end only sessions of database user " + p.name()
                        + "; session " + key.printable() + " belongs to another user. Nothing was done.");
            }
            if (!p.isAdmin() && r.outcome() == KillOutcome.IDENTITY_CHANGED) {
                // do not show a self-service user the key of whoever reuses the id now
                r = r.withOutcome(KillOutcome.IDENTITY_CHANGED, "the session " + key.printable()
                        + " you named is gone; its id is in use by another session. Nothing was done.");
            }
            Map<String, Object> m = Json.snapshotHeader(snap);
            m.put("action", action.label());
            m.put("dryRun", cmd.dryRun());
            m.put("result", Json.killResult(r));
            return m;
        });
    }

    /**
     * Why a session is where it is, and what to do next: the termination engine's {@link Explainer}
     * (state, wait, transaction and rollback progress over an optional sample window, whom it
     * blocks, the guard that would refuse it, the next step with its command), plus the console's
     * pre-kill rollback estimate. Self-service users get no CLI command (it needs the DBA account).
     */
    public Map<String, Object> explain(Principal p, String target, String keyText, String sampleText) {
        checkTarget(p, target);
        SessionKey key = parseKey(target, keyText);
        Duration sample = Duration.ZERO;
        if (sampleText != null) {
            try {
                sample = Durations.parse(sampleText);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("sample: " + e.getMessage());
            }
            if (sample.compareTo(MAX_SAMPLE) > 0) {
                throw ApiException.badRequest("sample '" + sampleText + "' is too long; expected at most 10s");
            }
        }
        Duration window = sample;
        TargetSpec spec = pool.spec(target);
        return pool.with(target, c -> {
            Snapshot snap = GuardChain.standard(spec.protection()).annotate(c.snapshot());
            Session s = visibleSession(p, snap, key);
            Explanation e = new Explainer(c, guards(p, spec), null, null).explain(s.key(), window,
                    "sessionctl -t " + target);
            Map<String, Object> m = Json.explanation(e);
            m.put("rollbackEstimate", e.gone() ? null : RollbackEstimate.describe(snap.engine(), s, snap.serverTime()));
            if (!p.isAdmin() && m.get("next") instanceof Map<?, ?> next) {
                Map<String, Object> n = new LinkedHashMap<>();
                next.forEach((k, v) -> n.put(String.valueOf(k), "command".equals(k) ? null : v));
                m.put("next", n);
            }
            return m;
        });
    }

    // ---- audit ---------------------------------------------------------------------------------

    public Map<String, Object> audit(Principal p, Map<String, List<String>> params) {
        for (String name : params.keySet()) {
            if (!List.of("limit", "target", "user", "event").contains(name)) {
                throw ApiException.badRequest("unknown query parameter '" + name + "'; expected limit, target, user, event");
            }
        }
        int limit = 200;
        String limitText = first(params, "limit");
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 5000) {
                throw ApiException.badRequest("invalid limit '" + limitText + "'; expected a number from 1 to 5000");
            }
        }
        String target = first(params, "target");
        String user = first(params, "user");
        String event = first(params, "event");
        if (event != null && !AUDIT_EVENTS.contains(event)) {
            throw ApiException.badRequest("invalid event '" + event + "'; expected one of " + String.join(", ", AUDIT_EVENTS));
        }
        Predicate<AuditLog.Entry> actions = event != null && !event.equals("action") ? null : e -> {
            AuditRecord f = e.first();
            if (!p.isAdmin() && !ConsoleAudit.bySelfService(e, p)) {
                return false;
            }
            boolean userMatches = user == null
                    || (f.actor() != null && user.equalsIgnoreCase(f.actor().osUser()))
                    || (f.session() != null && user.equalsIgnoreCase(f.session().user()));
            return (target == null || target.equalsIgnoreCase(f.target())) && userMatches;
        };
        Predicate<Map<String, Object>> access = "action".equals(event) ? null : e -> {
            Map<?, ?> actor = e.get("actor") instanceof Map<?, ?> a ? a : Map.of();
            if (!p.isAdmin() && !(p.name().equals(actor.get("user")) && "self-service".equals(actor.get("role"))
                    && p.target().equals(actor.get("signedInTarget")))) {
                return false;
            }
            return (target == null || target.equals(e.get("target")))
                    && (user == null || user.equalsIgnoreCase(String.valueOf(actor.get("user"))))
                    && (event == null || event.equals(e.get("event")));
        };
        List<Map<String, Object>> records = audit.read(actions, access, limit);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", records.size());
        m.put("records", records);
        return m;
    }

    // ---- rules ---------------------------------------------------------------------------------

    /** A kill request from the API: the key, the action, and options. */
    public record KillCommand(String key, String action, String reason, boolean dryRun, boolean verify) {
    }

    static boolean owns(Principal p, Session s) {
        return s != null && UserNames.same(s.user(), p.name());
    }

    private void checkTarget(Principal p, String target) {
        pool.spec(target);
        if (!p.isAdmin() && !target.equals(p.target())) {
            throw ApiException.forbidden("you signed in for target '" + p.target() + "' only; sign in again for '"
                    + target + "'");
        }
    }

    private static SessionKey parseKey(String target, String text) {
        try {
            return SessionKey.parse(target, text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static KillAction parseAction(Principal p, String text) {
        KillAction a;
        try {
            a = text == null || text.isBlank() ? KillAction.TERMINATE : KillAction.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (a.isOsLevel()) {
            throw ApiException.badRequest("action '" + a + "' needs host access and the escalation engine; use the CLI"
                    + " (sessionctl kill --escalate); the console offers cancel, terminate"
                    + (p.isAdmin() ? ", terminate-immediate, disconnect-post-transaction, disconnect-immediate" : ""));
        }
        if (!p.isAdmin() && !SELF_SERVICE_ACTIONS.contains(a)) {
            throw ApiException.badRequest("action '" + a + "' is for administrators; expected cancel or terminate");
        }
        return a;
    }

    private static List<KillAction> allowedActions(Principal p, TargetConnection c) {
        return c.supportedActions().stream().filter(a -> !a.isOsLevel())
                .filter(a -> p.isAdmin() || SELF_SERVICE_ACTIONS.contains(a)).toList();
    }

    /** The session under this key if the principal may see it (404 otherwise, so others' sessions are not probed). */
    private static Session visibleSession(Principal p, Snapshot snap, SessionKey key) {
        Optional<Session> s = snap.find(key.ref())
                .filter(x -> x.key().incarnation().equals(key.incarnation()))
                .filter(x -> p.isAdmin() || owns(p, x));
        return s.orElseThrow(() -> ApiException.notFound("no-such-session", "no session " + key.printable()
                + " on " + snap.target() + (p.isAdmin() ? "" : " among the sessions of " + p.name())
                + "; it may have ended (refresh the list)"));
    }

    private static void requireOwner(Principal p, Session s, SessionKey key) {
        if (!p.isAdmin() && !owns(p, s)) {
            throw ApiException.forbidden("session " + key.printable() + " belongs to another user");
        }
    }

    private static SessionKiller killer(Principal p, TargetSpec spec, TargetConnection c,
                                        dev.sessionctl.kill.KillListener listener) {
        return new SessionKiller(c, guards(p, spec), listener);
    }

    /** The standard guards, plus the owner guard for a self-service user. */
    private static GuardChain guards(Principal p, TargetSpec spec) {
        GuardChain guards = GuardChain.standard(spec.protection());
        return p.isAdmin() ? guards : guards.with(ownerGuard(p));
    }

    /** Refuses any session whose database user is not the signed-in self-service user. */
    static Guard ownerGuard(Principal p) {
        return new Guard() {
            @Override
            public String name() {
                return OWNER_GUARD;
            }

            @Override
            public Optional<String> refuse(Session session, Snapshot snapshot) {
                return owns(p, session) ? Optional.empty()
                        : Optional.of("self-service user " + p.name() + " may end only their own sessions");
            }
        };
    }

    /** Another user's session as a self-service user sees it in a blocking tree: place kept, content hidden. */
    private static Session redact(Principal p, Session s) {
        if (s == null || owns(p, s)) {
            return s;
        }
        return s.toBuilder().sqlText(null).sqlId(null).program(null).clientHost(null)
                .attributes(Map.of("redacted", "another user's session: SQL, program and host hidden")).build();
    }

    /** The user's reason as typed; who acted is the audit record's actor, not part of the reason. */
    private static String reasonFor(Principal p, String reason) {
        return reason == null || reason.isBlank() ? null : reason.strip();
    }

    private static Map<String, Object> viewer(Principal p) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("user", p.name());
        v.put("role", p.role().label());
        v.put("target", p.target());
        return v;
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
