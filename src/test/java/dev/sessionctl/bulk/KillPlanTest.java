package dev.sessionctl.bulk;

import static dev.sessionctl.testing.FakeTargetConnection.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.escalation.EscalationLadder;
import dev.sessionctl.escalation.Escalator;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.testing.FakeTargetConnection;
import dev.sessionctl.testing.FakeTicker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KillPlanTest {

    private static final Instant T = Instant.parse("2026-11-22T02:00:00Z");

    /** batch sessions: 10 is a root blocking 11 (and 12 through 11), 20 a second root blocking 21, 30 and 31 idle, 40 protected, 99 our own. */
    private static FakeTargetConnection scene() {
        FakeTargetConnection t = new FakeTargetConnection(Engine.POSTGRESQL, List.of(KillAction.CANCEL, KillAction.TERMINATE));
        t.add(client(10, "1").user("batch").state(SessionState.IDLE_IN_TRANSACTION).stateSince(T.plusSeconds(600)).build());
        t.add(client(11, "1").user("batch").addBlocker(SessionRef.of(10)).stateSince(T.plusSeconds(700)).build());
        t.add(client(12, "1").user("web").addBlocker(SessionRef.of(11)).stateSince(T.plusSeconds(800)).build());
        t.add(client(20, "1").user("batch").state(SessionState.IDLE_IN_TRANSACTION).stateSince(T.plusSeconds(500)).build());
        t.add(client(21, "1").user("web").addBlocker(SessionRef.of(20)).stateSince(T.plusSeconds(900)).build());
        t.add(client(30, "1").user("batch").state(SessionState.IDLE).stateSince(T).build());
        t.add(client(31, "1").user("batch").state(SessionState.IDLE).stateSince(T.plusSeconds(60)).build());
        t.add(client(40, "1").user("batch").program("backup-agent").state(SessionState.IDLE).stateSince(T).build());
        t.add(client(99, "1").user("batch").state(SessionState.ACTIVE).build());
        t.own(Set.of(SessionRef.of(99)));
        for (Session s : t.snapshot().sessions()) {
            t.react(s.ref(), KillAction.TERMINATE, FakeTargetConnection.Reaction.GONE);
        }
        return t;
    }

    private static final ProtectionPolicy PROTECT_BACKUP = new ProtectionPolicy(List.of(), List.of("backup*"), List.of());

    @Test
    void rootsFirstThenOtherBlockersThenOldestWithMax() {
        FakeTargetConnection t = scene();
        KillPlanner planner = new KillPlanner(t, GuardChain.standard(PROTECT_BACKUP));
        KillPlan plan = planner.plan(t.snapshot(), KillPlanner.byUser("batch"), "--user batch", KillAction.TERMINATE,
                KillPlan.Order.ROOTS_FIRST, 4);

        assertThat(plan.entries()).extracting(e -> e.session().sessionId()).containsExactly(10L, 20L, 11L, 30L);
        assertThat(plan.overMax()).extracting(e -> e.session().sessionId()).containsExactly(40L, 31L);
        assertThat(plan.entries().get(0).why()).contains("root blocker: 2 session(s) wait on it");
        assertThat(plan.entries().get(2).why()).contains("blocks 1 session(s) but waits itself");
        assertThat(plan.entries().get(0).statement()).isEqualTo("FAKE terminate 10,1");
        assertThat(plan.overMax().get(0).refusal()).startsWith("protected-application");
        assertThat(plan.overMax().get(0).statement()).isNull();
        // sessionctl's own connection is never in a plan
        assertThat(plan.entries()).extracting(e -> e.session().sessionId()).doesNotContain(99L);
    }

    @Test
    void oldestFirst() {
        FakeTargetConnection t = scene();
        KillPlan plan = new KillPlanner(t, GuardChain.standard(PROTECT_BACKUP)).plan(t.snapshot(),
                KillPlanner.byUser("batch"), "--user batch", KillAction.TERMINATE, KillPlan.Order.OLDEST_FIRST, null);
        assertThat(plan.entries()).extracting(e -> e.session().sessionId()).startsWith(30L, 40L, 31L);
        assertThat(plan.overMax()).isEmpty();
        assertThatThrownBy(() -> KillPlan.Order.parse("newest")).hasMessageContaining("invalid order 'newest'");
    }

    @Test
    void executionGoesOnAfterAFailureAndReportsEachSession() {
        FakeTargetConnection t = scene();
        t.react(SessionRef.of(20), KillAction.TERMINATE, FakeTargetConnection.Reaction.THROW);
        t.react(SessionRef.of(11), KillAction.TERMINATE, FakeTargetConnection.Reaction.REFUSE_PRIVILEGE);
        GuardChain guards = GuardChain.standard(PROTECT_BACKUP);
        KillPlan plan = new KillPlanner(t, guards).plan(t.snapshot(), KillPlanner.byUser("batch"), "--user batch",
                KillAction.TERMINATE, KillPlan.Order.ROOTS_FIRST, 5);
        List<String> printed = new ArrayList<>();

        BulkResult r = BulkExecutor.kill(plan, new SessionKiller(t, guards, null),
                KillRequest.of(KillAction.TERMINATE), i -> printed.add(i.entry().session().sessionId() + " " + i.result().outcome()));

        assertThat(printed).containsExactly("10 TERMINATED", "20 FAILED", "11 REFUSED_PRIVILEGE", "30 TERMINATED",
                "40 REFUSED_BY_GUARD", "31 SKIPPED");
        assertThat(r.items().get(1).result().message()).contains("driver exploded");
        assertThat(r.succeeded()).isEqualTo(3); // 10, 30 and the skipped 31
        assertThat(r.failed()).isEqualTo(3);
        assertThat(r.skipped()).isEqualTo(1);
        assertThat(t.session(SessionRef.of(31))).isNotNull();
        assertThat(t.session(SessionRef.of(40))).isNotNull();
    }

    @Test
    void bulkEscalation() {
        FakeTargetConnection t = scene();
        GuardChain guards = GuardChain.standard(PROTECT_BACKUP);
        KillPlan plan = new KillPlanner(t, guards).plan(t.snapshot(), s -> s.state() == SessionState.IDLE_IN_TRANSACTION,
                "--state idle-in-transaction", KillAction.TERMINATE, KillPlan.Order.ROOTS_FIRST, null);
        Escalator esc = Escalator.on(t).guards(guards).ticker(new FakeTicker())
                .ladder(EscalationLadder.defaultFor(Engine.Family.POSTGRESQL).withVerifyTimeout(Duration.ofMillis(50))).build();

        BulkResult r = BulkExecutor.escalate(plan, esc, Escalator.Goal.END_SESSION, "cleanup", null);

        assertThat(r.items()).hasSize(2).allSatisfy(i -> {
            assertThat(i.succeeded()).isTrue();
            assertThat(i.result().outcome()).isEqualTo(KillOutcome.TERMINATED);
            assertThat(i.escalation().performed()).hasSize(1);
        });
    }
}
