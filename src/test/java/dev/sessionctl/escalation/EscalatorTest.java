package dev.sessionctl.escalation;

import static dev.sessionctl.kill.KillAction.CANCEL;
import static dev.sessionctl.kill.KillAction.DISCONNECT_IMMEDIATE;
import static dev.sessionctl.kill.KillAction.TERMINATE;
import static dev.sessionctl.kill.KillAction.TERMINATE_IMMEDIATE;
import static dev.sessionctl.testing.FakeTargetConnection.Reaction.GONE;
import static dev.sessionctl.testing.FakeTargetConnection.Reaction.IGNORE;
import static dev.sessionctl.testing.FakeTargetConnection.Reaction.MARK_FOR_KILL;
import static dev.sessionctl.testing.FakeTargetConnection.Reaction.REFUSE_PRIVILEGE;
import static dev.sessionctl.testing.FakeTargetConnection.Reaction.STOP_STATEMENT;
import static dev.sessionctl.testing.FakeTargetConnection.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.Verifier;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.testing.FakeTargetConnection;
import dev.sessionctl.testing.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Ladder logic on the in-memory test double (Oracle's KILLED/rollback behaviour cannot run here;
 * the PostgreSQL paths are proven on a real server in EscalationPostgresIT).
 */
class EscalatorTest {

    private static final List<KillAction> ORACLE_ACTIONS =
            List.of(CANCEL, TERMINATE, TERMINATE_IMMEDIATE, DISCONNECT_IMMEDIATE);

    private final FakeTicker ticker = new FakeTicker();
    private final List<String> events = new ArrayList<>();
    private final List<RollbackProgress> progress = new ArrayList<>();

    private final EscalationListener recorder = new EscalationListener() {
        @Override
        public void stepStarted(SessionKey key, EscalationStep step, Session victim) {
            events.add("start " + step.action());
        }

        @Override
        public void stepFinished(SessionKey key, StepRecord r) {
            events.add((r.performed() ? "done=" + r.done() : "skipped") + " " + r.step().action());
        }

        @Override
        public void rollbackProgress(SessionKey key, RollbackProgress p) {
            progress.add(p);
        }
    };

    private Escalator escalator(FakeTargetConnection t, EscalationLadder ladder, ProtectionPolicy policy) {
        return Escalator.on(t).guards(GuardChain.standard(policy)).ladder(ladder).listener(recorder).ticker(ticker)
                .verifier(new Verifier(t)).build();
    }

    private static EscalationLadder oracleLadder() {
        return EscalationLadder.defaultFor(Engine.Family.ORACLE).withPollInterval(Duration.ofSeconds(5))
                .withRollbackStall(Duration.ofSeconds(60)).withRollbackMaxWait(Duration.ofMinutes(30))
                .withVerifyTimeout(Duration.ofMillis(50));
    }

    @Test
    void oracleSessionRollingBackIsWatchedNeverKilledAgain() {
        Session s = client(125, "4892").transactionSize(1000L).build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.ORACLE, ORACLE_ACTIONS).add(s)
                .react(s.ref(), TERMINATE, MARK_FOR_KILL).rollbackPerPoll(s.ref(), 40);

        EscalationResult r = escalator(t, oracleLadder(), ProtectionPolicy.none())
                .escalate(s.key(), Escalator.Goal.END_SESSION, "blocking 40 sessions");

        assertThat(r.status()).isEqualTo(EscalationResult.Status.DONE);
        assertThat(t.executedActions()).containsExactly(TERMINATE);
        assertThat(r.steps()).first().satisfies(st -> {
            assertThat(st.step().action()).isEqualTo(CANCEL);
            assertThat(st.performed()).isFalse();
        });
        assertThat(r.performed()).singleElement().satisfies(st ->
                assertThat(st.result().outcome()).isEqualTo(KillOutcome.MARKED_FOR_KILL));
        assertThat(r.steps().get(1).result().errorCode()).isEqualTo("ORA-00031");
        // progress is measured: remaining shrinks, a rate and an ETA appear
        assertThat(progress).hasSizeGreaterThan(3);
        assertThat(progress.get(progress.size() - 1).remaining()).isLessThan(progress.get(0).remaining());
        RollbackProgress mid = progress.get(progress.size() / 2);
        assertThat(mid.perSecond()).isGreaterThan(0.0);
        assertThat(mid.eta()).isNotNull();
        assertThat(mid.describe()).contains("undo blocks left").contains("ETA");
        assertThat(r.checks()).extracting(Check::name).contains("session-gone");
    }

    @Test
    void stalledKilledSessionEscalatesToImmediateThenDisconnect() {
        Session s = client(125, "4892").transactionSize(500L).build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.ORACLE, ORACLE_ACTIONS).add(s)
                .react(s.ref(), TERMINATE, MARK_FOR_KILL)            // ORA-00031
                .react(s.ref(), TERMINATE_IMMEDIATE, MARK_FOR_KILL)  // still stuck
                .react(s.ref(), DISCONNECT_IMMEDIATE, GONE)
                .rollbackPerPoll(s.ref(), 0);                        // no progress at all

        EscalationResult r = escalator(t, oracleLadder(), ProtectionPolicy.none())
                .escalate(s.key(), Escalator.Goal.END_SESSION, "zombie");

        assertThat(r.status()).isEqualTo(EscalationResult.Status.DONE);
        assertThat(t.executedActions()).containsExactly(TERMINATE, TERMINATE_IMMEDIATE, DISCONNECT_IMMEDIATE);
        assertThat(progress).isNotEmpty().allSatisfy(p -> assertThat(p.remaining()).isEqualTo(500L));
        assertThat(progress.get(progress.size() - 1).describe()).contains("no progress");
        assertThat(events).containsExactly("skipped cancel", "start terminate", "done=false terminate",
                "start terminate-immediate", "done=false terminate-immediate", "start disconnect-immediate",
                "done=true disconnect-immediate");
    }

    @Test
    void rollbackStillProgressingAtMaxWaitIsLeftAloneWithEta() {
        Session s = client(125, "4892").transactionSize(1_000_000L).build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.ORACLE, ORACLE_ACTIONS).add(s)
                .react(s.ref(), TERMINATE, MARK_FOR_KILL).rollbackPerPoll(s.ref(), 10);

        EscalationResult r = escalator(t, oracleLadder().withRollbackMaxWait(Duration.ofMinutes(5)),
                ProtectionPolicy.none()).escalate(s.key(), Escalator.Goal.END_SESSION, "big batch");

        assertThat(r.status()).isEqualTo(EscalationResult.Status.ROLLING_BACK);
        assertThat(r.succeeded()).isFalse();
        assertThat(t.executedActions()).containsExactly(TERMINATE);
        assertThat(r.rollback().eta()).isGreaterThan(Duration.ofMinutes(30));
        assertThat(r.message()).contains("left alone");
    }

    @Test
    void alreadyTerminatingSessionIsWatchedNotHit() {
        Session s = client(125, "4892").state(SessionState.TERMINATING).transactionSize(300L).build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.ORACLE, ORACLE_ACTIONS).add(s)
                .rollbackPerPoll(s.ref(), 30);

        EscalationResult r = escalator(t, oracleLadder(), ProtectionPolicy.none())
                .escalate(s.key(), Escalator.Goal.END_SESSION, null);

        assertThat(t.executed()).isEmpty();
        assertThat(r.performed()).isEmpty();
        assertThat(r.status()).isEqualTo(EscalationResult.Status.ALREADY_GONE);
        assertThat(progress).isNotEmpty();
    }

    @Test
    void guardRefusalStopsTheLadder() {
        Session s = client(7, "70").user("replicator").build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.ORACLE, ORACLE_ACTIONS).add(s)
                .react(s.ref(), TERMINATE, GONE);

        EscalationResult r = escalator(t, oracleLadder(),
                new ProtectionPolicy(List.of("replicator"), List.of(), List.of()))
                .escalate(s.key(), Escalator.Goal.END_SESSION, null);

        assertThat(r.status()).isEqualTo(EscalationResult.Status.REFUSED);
        assertThat(r.message()).contains("protected-user");
        assertThat(t.executed()).isEmpty();
    }

    @Test
    void newIncarnationBetweenStepsIsNeverTouched() {
        Session s = client(125, "4892").build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.ORACLE, ORACLE_ACTIONS).add(s)
                .react(s.ref(), TERMINATE, IGNORE);
        // after the first action, SID 125 is reused by another session (SERIAL# 4893)
        t.onPoll(x -> t.executed().isEmpty() ? x
                : Session.builder(new SessionKey("fake", 0, 125, "4893")).user("other").state(SessionState.ACTIVE).build());

        EscalationResult r = escalator(t, oracleLadder(), ProtectionPolicy.none())
                .escalate(s.key(), Escalator.Goal.END_SESSION, null);

        assertThat(t.executed()).containsExactly("terminate 125,4892");
        assertThat(r.status()).isEqualTo(EscalationResult.Status.DONE);
        assertThat(t.session(SessionRef.of(125)).key().incarnation()).isEqualTo("4893");
    }

    @Test
    void cancelGoalStopsAtCancelWhenTheStatementStops() {
        Session s = client(42, "1700000000").build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.POSTGRESQL, List.of(CANCEL, TERMINATE)).add(s)
                .react(s.ref(), CANCEL, STOP_STATEMENT);

        EscalationResult r = escalator(t, EscalationLadder.defaultFor(Engine.Family.POSTGRESQL)
                .withVerifyTimeout(Duration.ofMillis(50)), ProtectionPolicy.none())
                .escalate(s.key(), Escalator.Goal.STOP_STATEMENT, null);

        assertThat(r.status()).isEqualTo(EscalationResult.Status.STATEMENT_STOPPED);
        assertThat(t.executedActions()).containsExactly(CANCEL);
        assertThat(t.session(s.ref())).isNotNull();
    }

    @Test
    void cancelThatDoesNotStopTheStatementEscalatesToTerminate() {
        Session s = client(42, "1700000000").build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.POSTGRESQL, List.of(CANCEL, TERMINATE)).add(s)
                .react(s.ref(), CANCEL, IGNORE).react(s.ref(), TERMINATE, GONE);

        EscalationResult r = escalator(t, EscalationLadder.defaultFor(Engine.Family.POSTGRESQL)
                .withVerifyTimeout(Duration.ofMillis(50)), ProtectionPolicy.none())
                .escalate(s.key(), Escalator.Goal.STOP_STATEMENT, null);

        assertThat(r.status()).isEqualTo(EscalationResult.Status.DONE);
        assertThat(t.executedActions()).containsExactly(CANCEL, TERMINATE);
        // OS_TERM is in the PostgreSQL ladder but this target has no host access: skipped is never reached
        assertThat(r.steps()).extracting(st -> st.step().action()).containsExactly(CANCEL, TERMINATE);
    }

    @Test
    void unavailableStepsAreSkippedAndReportedAndLadderEndsNotDone() {
        Session s = client(42, "1700000000").build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.POSTGRESQL, List.of(CANCEL, TERMINATE)).add(s)
                .react(s.ref(), TERMINATE, IGNORE);

        EscalationResult r = escalator(t, EscalationLadder.defaultFor(Engine.Family.POSTGRESQL)
                .withPollInterval(Duration.ofSeconds(1)), ProtectionPolicy.none())
                .escalate(s.key(), Escalator.Goal.END_SESSION, null);

        assertThat(r.status()).isEqualTo(EscalationResult.Status.NOT_DONE);
        assertThat(r.steps()).extracting(StepRecord::note).last().asString().contains("os-term is not available");
        assertThat(r.message()).contains("explain");
    }

    @Test
    void privilegeRefusalMovesOnToTheNextStep() {
        Session s = client(125, "4892").build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.ORACLE, ORACLE_ACTIONS).add(s)
                .react(s.ref(), TERMINATE, REFUSE_PRIVILEGE).react(s.ref(), TERMINATE_IMMEDIATE, GONE);

        EscalationResult r = escalator(t, oracleLadder(), ProtectionPolicy.none())
                .escalate(s.key(), Escalator.Goal.END_SESSION, null);

        assertThat(r.status()).isEqualTo(EscalationResult.Status.DONE);
        assertThat(r.performed()).extracting(st -> st.result().outcome())
                .containsExactly(KillOutcome.REFUSED_PRIVILEGE, KillOutcome.TERMINATED);
    }

    @Test
    void mysqlKilledConnectionRollingBackRowsIsWatchedToTheEnd() {
        Session s = client(88, "a1b2c3").transactionSize(200L).build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.MARIADB, List.of(CANCEL, TERMINATE)).add(s)
                .react(s.ref(), TERMINATE, MARK_FOR_KILL).rollbackPerPoll(s.ref(), 5);

        EscalationResult r = escalator(t, EscalationLadder.defaultFor(Engine.Family.MYSQL)
                .withPollInterval(Duration.ofSeconds(2)).withVerifyTimeout(Duration.ofMillis(50)),
                ProtectionPolicy.none()).escalate(s.key(), Escalator.Goal.END_SESSION, null);

        assertThat(r.status()).isEqualTo(EscalationResult.Status.DONE);
        assertThat(t.executedActions()).containsExactly(TERMINATE);
        assertThat(progress).isNotEmpty().allSatisfy(p -> assertThat(p.unit()).isEqualTo("rows"));
    }

    @Test
    void failedVerificationIsNotDoneAndTheNextStepRuns() {
        Session s = client(125, "4892").build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.ORACLE, ORACLE_ACTIONS).add(s)
                .react(s.ref(), TERMINATE, GONE);
        Verifier.ExtraCheck processStillThere = (victim, now) ->
                Optional.of(Check.fail("server-process-gone", "process 4242 still runs"));
        Escalator e = Escalator.on(t).guards(GuardChain.standard(ProtectionPolicy.none()))
                .ladder(oracleLadder()).ticker(ticker).listener(recorder)
                .verifier(new Verifier(t).with(processStillThere)).build();

        EscalationResult r = e.escalate(s.key(), Escalator.Goal.END_SESSION, null);

        assertThat(r.status()).isEqualTo(EscalationResult.Status.NOT_DONE);
        assertThat(r.steps().get(1).done()).isFalse();
        assertThat(r.steps().get(1).result().outcome()).isEqualTo(KillOutcome.NOT_VERIFIED);
        assertThat(r.checks()).extracting(Check::name).contains("server-process-gone");
    }

    @Test
    void ladderParsesAndRejectsBadInput() {
        EscalationLadder l = EscalationLadder.parse("terminate:30s, terminate-immediate:1m,os-kill:500ms,cancel");
        assertThat(l.steps()).extracting(EscalationStep::action)
                .containsExactly(TERMINATE, TERMINATE_IMMEDIATE, KillAction.OS_KILL, CANCEL);
        assertThat(l.steps().get(1).bound()).isEqualTo(Duration.ofMinutes(1));
        assertThat(l.steps().get(3).done()).isEqualTo(EscalationStep.Done.STATEMENT_STOPPED);
        assertThat(l.toString()).isEqualTo("terminate:30s,terminate-immediate:1m,os-kill:500ms,cancel:30s");
        assertThatThrownBy(() -> EscalationLadder.parse("terminate:30x"))
                .hasMessageContaining("'terminate:30x'").hasMessageContaining("ACTION[:BOUND]");
        assertThatThrownBy(() -> EscalationLadder.parse("explode:3s")).hasMessageContaining("invalid action 'explode'");
        assertThatThrownBy(() -> EscalationLadder.parse("")).hasMessageContaining("empty");
        assertThat(EscalationLadder.defaultFor(Engine.Family.POSTGRESQL).steps()).extracting(EscalationStep::action)
                .containsExactly(CANCEL, TERMINATE, KillAction.OS_TERM).doesNotContain(KillAction.OS_KILL);
        assertThat(EscalationLadder.defaultFor(Engine.Family.MYSQL).steps()).extracting(EscalationStep::action)
                .noneMatch(KillAction::isOsLevel);
    }
}
