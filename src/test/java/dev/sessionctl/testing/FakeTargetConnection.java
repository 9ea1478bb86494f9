package dev.sessionctl.testing;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * TEST DOUBLE: an in-memory TargetConnection with scripted reactions to each action, used where
 * no real server can show the behaviour (Oracle's KILLED-with-rollback, ORA-00031). Each
 * {@link #snapshot()} is one "poll": terminating sessions roll back by their scripted amount.
 * It re-checks the incarnation in {@link #execute} like a real dialect must.
 */
public final class FakeTargetConnection implements TargetConnection {

    /** What a session does when an action reaches it. */
    public enum Reaction {
        /** Gone at once (TERMINATED). */
        GONE,
        /** ORA-00031 style: marked for kill, state TERMINATING, rolls back by rollbackPerPoll per poll. */
        MARK_FOR_KILL,
        /** Nothing happens; the engine says TIMED_OUT. */
        IGNORE,
        /** The statement stops, the session becomes idle (CANCELLED). */
        STOP_STATEMENT,
        /** The server refuses for lack of privilege. */
        REFUSE_PRIVILEGE,
        /** The driver blows up (an unexpected exception). */
        THROW
    }

    private final Engine engine;
    private final Map<SessionRef, Session> sessions = new LinkedHashMap<>();
    private final Map<SessionRef, Map<KillAction, Reaction>> reactions = new HashMap<>();
    private final Map<SessionRef, Long> rollbackPerPoll = new HashMap<>();
    private final List<String> executed = new ArrayList<>();
    private List<KillAction> supported;
    private Set<SessionRef> own = Set.of();
    private Instant serverTime = Instant.parse("2026-11-22T03:00:00Z");
    private int polls;
    private Function<Session, Session> onPoll = Function.identity();

    public FakeTargetConnection(Engine engine, List<KillAction> supported) {
        this.engine = engine;
        this.supported = List.copyOf(supported);
    }

    public FakeTargetConnection add(Session s) {
        sessions.put(s.ref(), s);
        return this;
    }

    public FakeTargetConnection remove(SessionRef ref) {
        sessions.remove(ref);
        return this;
    }

    public FakeTargetConnection react(SessionRef ref, KillAction action, Reaction r) {
        reactions.computeIfAbsent(ref, k -> new EnumMap<>(KillAction.class)).put(action, r);
        return this;
    }

    public FakeTargetConnection rollbackPerPoll(SessionRef ref, long perPoll) {
        rollbackPerPoll.put(ref, perPoll);
        return this;
    }

    public FakeTargetConnection own(Set<SessionRef> refs) {
        own = Set.copyOf(refs);
        return this;
    }

    public FakeTargetConnection supported(List<KillAction> actions) {
        supported = List.copyOf(actions);
        return this;
    }

    /** Applied to every session at each poll (e.g. to replace a session with a new incarnation). */
    public FakeTargetConnection onPoll(Function<Session, Session> f) {
        onPoll = f;
        return this;
    }

    /** "ACTION id" for each execute() that reached the engine, in order. */
    public List<String> executed() {
        return List.copyOf(executed);
    }

    public List<KillAction> executedActions() {
        return executed.stream().map(e -> KillAction.parse(e.substring(0, e.indexOf(' ')))).toList();
    }

    public int polls() {
        return polls;
    }

    public Session session(SessionRef ref) {
        return sessions.get(ref);
    }

    @Override
    public TargetInfo info() {
        return new TargetInfo("fake", engine, "fake-1", "fake://", "tester", 1);
    }

    @Override
    public Snapshot snapshot() {
        polls++;
        serverTime = serverTime.plusSeconds(1);
        for (SessionRef ref : new ArrayList<>(sessions.keySet())) {
            Session s = onPoll.apply(sessions.get(ref));
            if (s == null) {
                sessions.remove(ref);
                continue;
            }
            if (s.state() == SessionState.TERMINATING && s.transactionSize() != null) {
                long left = s.transactionSize() - rollbackPerPoll.getOrDefault(ref, 0L);
                if (left <= 0) {
                    sessions.remove(ref);
                    continue;
                }
                s = s.toBuilder().transactionSize(left).build();
            }
            sessions.put(ref, s);
        }
        return new Snapshot("fake", engine, "fake-1", serverTime, List.copyOf(sessions.values()), own);
    }

    @Override
    public List<KillAction> supportedActions() {
        return supported;
    }

    @Override
    public String statementFor(KillAction action, Session victim) {
        return "FAKE " + action.label() + " " + victim.key().printable();
    }

    @Override
    public KillResult execute(KillAction action, Session victim, Duration timeout) {
        SessionKey key = victim.key();
        Session now = sessions.get(key.ref());
        String stmt = statementFor(action, victim);
        if (now == null) {
            return KillResult.of(key, action, KillOutcome.ALREADY_GONE, stmt, "no such session");
        }
        if (!now.key().incarnation().equals(key.incarnation())) {
            return KillResult.of(key, action, KillOutcome.IDENTITY_CHANGED, stmt, "incarnation differs");
        }
        executed.add(action.label() + " " + key.printable());
        Reaction r = reactions.getOrDefault(key.ref(), Map.of()).getOrDefault(action, Reaction.IGNORE);
        switch (r) {
            case GONE -> {
                sessions.remove(key.ref());
                return KillResult.of(key, action, KillOutcome.TERMINATED, stmt, "terminated");
            }
            case MARK_FOR_KILL -> {
                sessions.put(key.ref(), now.toBuilder().state(SessionState.TERMINATING).build());
                return KillResult.of(key, action, KillOutcome.MARKED_FOR_KILL, stmt, "session marked for kill")
                        .withErrorCode("ORA-00031");
            }
            case STOP_STATEMENT -> {
                sessions.put(key.ref(), now.toBuilder().state(SessionState.IDLE).queryStart(null).build());
                return KillResult.of(key, action, KillOutcome.CANCELLED, stmt, "cancelled");
            }
            case THROW -> throw new IllegalStateException("driver exploded on " + key.printable());
            case REFUSE_PRIVILEGE -> {
                return KillResult.of(key, action, KillOutcome.REFUSED_PRIVILEGE, stmt, "permission denied")
                        .withErrorCode("42501").withFix("GRANT pg_signal_backend TO tester");
            }
            default -> {
                return KillResult.of(key, action, KillOutcome.TIMED_OUT, stmt, "did not go in time");
            }
        }
    }

    @Override
    public DoctorReport doctor() {
        throw new TargetException(TargetException.Kind.UNSUPPORTED, "fake target has no doctor");
    }

    @Override
    public void close() {
    }

    /** A client session with sensible defaults. */
    public static Session.Builder client(long id, String incarnation) {
        return Session.builder(new SessionKey("fake", 0, id, incarnation)).user("app").database("db")
                .program("app-server").state(SessionState.ACTIVE)
                .queryStart(Instant.parse("2026-11-22T02:00:00Z")).sqlText("update orders set x = 1");
    }
}
