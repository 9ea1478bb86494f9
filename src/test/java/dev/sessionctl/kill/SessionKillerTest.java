package dev.sessionctl.kill;

import static dev.sessionctl.testing.Sessions.client;
import static dev.sessionctl.testing.Sessions.ref;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.testing.InMemoryTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Core kill path on an in-memory target (test double): guards, identity, listener order, verification. */
class SessionKillerTest {

    private final Session blocker = client(10, "app", SessionState.IDLE_IN_TRANSACTION).build();
    private final Session waiter = client(11, "app", SessionState.ACTIVE, ref(10)).build();
    private final Session own = client(1, "dba", SessionState.ACTIVE).build();
    private final Session autovacuum = client(2, null, SessionState.ACTIVE).kind(SessionKind.BACKGROUND)
            .backendType("autovacuum launcher").build();
    private final Session replicator = client(3, "replicator", SessionState.ACTIVE).build();
    private final Session ending = client(4, "app", SessionState.TERMINATING).build();

    private final InMemoryTarget target = new InMemoryTarget(Set.of(ref(1)), blocker, waiter, own, autovacuum,
            replicator, ending);
    private final GuardChain guards = GuardChain.standard(new ProtectionPolicy(List.of("repl*"), List.of(), List.of()));

    @Test
    void terminatesAndVerifiesWaitersReleased() {
        SessionKiller killer = new SessionKiller(target, guards, null);
        KillResult r = killer.killOne(blocker.key(), KillRequest.of(KillAction.TERMINATE).verify(true)
                .verifyTimeout(Duration.ofSeconds(1)));
        assertThat(r.outcome()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(r.checks()).extracting(Check::name).containsExactly("session-gone", "waiters-released");
        assertThat(r.checks()).allMatch(Check::passed);
        assertThat(target.executed()).containsExactly("terminate 10,inc10");
    }

    @Test
    void everyGuardRefusesWithItsNameAndNothingIsSent() {
        SessionKiller killer = new SessionKiller(target, guards, null);
        assertThat(killer.killOne(own.key(), KillRequest.of(KillAction.TERMINATE)).guard()).isEqualTo("own-connection");
        assertThat(killer.killOne(autovacuum.key(), KillRequest.of(KillAction.TERMINATE)).guard()).isEqualTo("not-a-client");
        assertThat(killer.killOne(replicator.key(), KillRequest.of(KillAction.TERMINATE)).guard()).isEqualTo("protected-user");
        KillResult again = killer.killOne(ending.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(again.guard()).isEqualTo("already-terminating");
        assertThat(again.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
        assertThat(target.executed()).isEmpty();
    }

    @Test
    void staleIncarnationIsNeverHit() {
        SessionKiller killer = new SessionKiller(target, guards, null);
        KillResult r = killer.killOne(new SessionKey("mem", 0, 10, "older"), KillRequest.of(KillAction.TERMINATE));
        assertThat(r.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
        assertThat(r.message()).contains("10,inc10");
        assertThat(target.executed()).isEmpty();
        assertThat(target.snapshot().find(ref(10))).isPresent();
    }

    @Test
    void missingSessionIsAlreadyGone() {
        KillResult r = new SessionKiller(target, guards, null)
                .killOne(new SessionKey("mem", 0, 999, "x"), KillRequest.of(KillAction.TERMINATE));
        assertThat(r.outcome()).isEqualTo(KillOutcome.ALREADY_GONE);
        assertThat(r.succeeded()).isTrue();
        assertThat(target.executed()).isEmpty();
    }

    @Test
    void dryRunShowsStatementAndSendsNothing() {
        KillResult r = new SessionKiller(target, guards, null)
                .killOne(blocker.key(), KillRequest.of(KillAction.TERMINATE).dryRun(true));
        assertThat(r.outcome()).isEqualTo(KillOutcome.DRY_RUN);
        assertThat(r.statement()).isEqualTo("terminate 10,inc10");
        assertThat(target.executed()).isEmpty();
    }

    @Test
    void listenerRecordsIntentBeforeTheStatementAndOutcomeAfter() {
        List<String> events = new ArrayList<>();
        KillListener listener = new KillListener() {
            @Override
            public void beforeAction(String t, Session victim, KillAction action, String statement, String reason) {
                events.add("before " + statement + " executed=" + target.executed().size() + " reason=" + reason);
            }

            @Override
            public void afterAction(String t, Session victim, KillResult result) {
                events.add("after " + result.outcome());
            }
        };
        new SessionKiller(target, guards, listener).killOne(blocker.key(),
                KillRequest.of(KillAction.TERMINATE).reason("idle blocker"));
        assertThat(events).containsExactly("before terminate 10,inc10 executed=0 reason=idle blocker", "after TERMINATED");
    }

    @Test
    void aListenerThatCannotRecordStopsTheAction() {
        KillListener failing = new KillListener() {
            @Override
            public void beforeAction(String t, Session victim, KillAction action, String statement, String reason) {
                throw new IllegalStateException("audit disk full");
            }
        };
        KillResult r = new SessionKiller(target, guards, failing).killOne(blocker.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(r.outcome()).isEqualTo(KillOutcome.FAILED);
        assertThat(r.message()).contains("audit disk full");
        assertThat(target.executed()).isEmpty();
    }

    @Test
    void oneFailureDoesNotStopTheRest() {
        List<KillResult> rs = new SessionKiller(target, guards, null).kill(List.of(own.key(), blocker.key(), waiter.key()),
                KillRequest.of(KillAction.TERMINATE));
        assertThat(rs).extracting(KillResult::outcome)
                .containsExactly(KillOutcome.REFUSED_BY_GUARD, KillOutcome.TERMINATED, KillOutcome.TERMINATED);
    }

    @Test
    void annotateMarksProtectedButNotTerminating() {
        var snap = guards.annotate(target.snapshot());
        assertThat(snap.find(ref(1)).orElseThrow().protectedReason()).startsWith("own-connection");
        assertThat(snap.find(ref(3)).orElseThrow().protectedReason()).contains("pattern 'repl*'");
        assertThat(snap.find(ref(4)).orElseThrow().isProtected()).isFalse();
        assertThat(snap.find(ref(10)).orElseThrow().isProtected()).isFalse();
    }
}
