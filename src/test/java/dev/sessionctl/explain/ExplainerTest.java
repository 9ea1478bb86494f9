package dev.sessionctl.explain;

import static dev.sessionctl.testing.FakeTargetConnection.client;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.testing.FakeTargetConnection;
import dev.sessionctl.testing.FakeTicker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Explanations on the test double (Oracle states); the PostgreSQL path runs on a real server in EscalationPostgresTest. */
class ExplainerTest {

    private final FakeTicker ticker = new FakeTicker();

    private Explainer explainer(FakeTargetConnection t, ProtectionPolicy p) {
        return new Explainer(t, GuardChain.standard(p), null, ticker);
    }

    private static FakeTargetConnection oracle() {
        return new FakeTargetConnection(Engine.ORACLE, List.of(KillAction.TERMINATE, KillAction.TERMINATE_IMMEDIATE));
    }

    @Test
    void killedSessionRollingBackSaysWaitWithEta() {
        Session s = client(125, "4892").state(SessionState.TERMINATING).transactionSize(10_000L)
                .waitEvent("db file sequential read").waitEventType("User I/O").build();
        Session waiter = client(130, "77").addBlocker(s.ref()).build();
        FakeTargetConnection t = oracle().add(s).add(waiter).rollbackPerPoll(s.ref(), 500);

        Explanation e = explainer(t, ProtectionPolicy.none()).explain(s.key(), Duration.ofSeconds(10), "sessionctl -t prod");

        assertThat(e.gone()).isFalse();
        assertThat(e.state()).isEqualTo("terminating");
        assertThat(e.rollback().remaining()).isEqualTo(9_000L);
        assertThat(e.rollback().perSecond()).isEqualTo(50.0);
        assertThat(e.rollback().eta()).isEqualTo(Duration.ofSeconds(180));
        assertThat(e.findings().get(0).code()).isEqualTo("rolling-back");
        assertThat(e.findings()).extracting(Explanation.Finding::code).contains("blocking");
        assertThat(e.blocked()).extracting(Explanation.Blocked::key).containsExactly("130,77");
        assertThat(e.next().action()).isEqualTo("wait");
        assertThat(e.next().command()).isEqualTo("sessionctl explain 125,4892 -t prod --sample 30s");
        assertThat(e.waitEvent()).isEqualTo("User I/O: db file sequential read");
    }

    @Test
    void stalledKilledSessionOnDblinkSaysEscalate() {
        Session s = client(125, "4892").state(SessionState.TERMINATING).transactionSize(800L)
                .waitEvent("SQL*Net message from dblink").waitEventType("Network")
                .attribute(Explainer.ATTR_DISTRIBUTED, "12.34.5678").attribute("server", "DEDICATED").build();
        FakeTargetConnection t = oracle().add(s).rollbackPerPoll(s.ref(), 0);

        Explanation e = explainer(t, ProtectionPolicy.none()).explain(s.key(), Duration.ofSeconds(30), null);

        assertThat(e.findings().get(0).code()).isEqualTo("stalled");
        assertThat(e.findings()).extracting(Explanation.Finding::code)
                .contains("network-wait", "distributed-transaction");
        assertThat(e.distributed()).isEqualTo("12.34.5678");
        assertThat(e.next().action()).isEqualTo("escalate");
        // a distributed transaction: the ladder stops before the OS kill, which could leave it in doubt
        assertThat(e.next().command())
                .isEqualTo("sessionctl kill 125,4892 --escalate --ladder terminate-immediate:1m,disconnect-immediate:1m");
        assertThat(e.next().why()).contains("KILL SESSION IMMEDIATE").contains("no OS kill").contains("DBA_2PC_PENDING");
    }

    @Test
    void stalledKilledSessionWithoutDistributedTransactionKeepsTheFullLadder() {
        Session s = client(125, "4892").state(SessionState.TERMINATING).transactionSize(800L)
                .attribute("server", "DEDICATED").build();
        FakeTargetConnection t = oracle().add(s).rollbackPerPoll(s.ref(), 0);

        Explanation e = explainer(t, ProtectionPolicy.none()).explain(s.key(), Duration.ofSeconds(30), null);

        assertThat(e.next().action()).isEqualTo("escalate");
        assertThat(e.next().command()).isEqualTo("sessionctl kill 125,4892 --escalate");
        assertThat(e.next().why()).contains("then an OS kill of its server process");
    }

    @Test
    void sharedServerRulesOutTheOsKill() {
        Session s = client(125, "4892").state(SessionState.TERMINATING).attribute("server", "SHARED").build();
        FakeTargetConnection t = oracle().add(s);
        Explanation e = explainer(t, ProtectionPolicy.none()).explain(s.key(), Duration.ofSeconds(5), null);
        assertThat(e.findings()).extracting(Explanation.Finding::code).contains("shared-server");
        assertThat(e.next().why()).contains("no OS kill");
    }

    @Test
    void idleInTransactionBlockerSaysTerminate() {
        Session s = client(42, "1700").state(SessionState.IDLE_IN_TRANSACTION)
                .transactionStart(Instant.parse("2026-11-22T02:00:00Z")).build();
        Session w1 = client(43, "1").addBlocker(s.ref()).build();
        Session w2 = client(44, "1").addBlocker(SessionRef.of(43)).build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.POSTGRESQL, List.of(KillAction.TERMINATE))
                .add(s).add(w1).add(w2);

        Explanation e = explainer(t, ProtectionPolicy.none()).explain(s.key(), Duration.ZERO, "sessionctl --url jdbc:postgresql://db/app");

        assertThat(e.findings().get(0).code()).isEqualTo("idle-in-transaction");
        assertThat(e.blocked()).extracting(Explanation.Blocked::key).containsExactly("43,1", "44,1");
        assertThat(e.blocked()).extracting(Explanation.Blocked::level).containsExactly(1, 2);
        assertThat(e.next().command()).isEqualTo("sessionctl kill 42,1700 --url jdbc:postgresql://db/app --wait");
        assertThat(e.rollback()).isNull();
    }

    @Test
    void protectedSessionHasNoCommand() {
        Session s = client(7, "1").user("replicator").state(SessionState.ACTIVE).build();
        FakeTargetConnection t = oracle().add(s);
        Explanation e = explainer(t, new ProtectionPolicy(List.of("replicator"), List.of(), List.of()))
                .explain(s.key(), Duration.ZERO, null);
        assertThat(e.findings().get(0).code()).isEqualTo("protected");
        assertThat(e.guardRefusal()).startsWith("protected-user");
        assertThat(e.next().command()).isNull();
    }

    @Test
    void goneOrReplacedSession() {
        FakeTargetConnection t = oracle().add(client(125, "4893").build());
        Explanation e = explainer(t, ProtectionPolicy.none()).explain(new SessionKey("fake", 0, 125, "4892"),
                Duration.ZERO, null);
        assertThat(e.gone()).isTrue();
        assertThat(e.findings()).singleElement().extracting(Explanation.Finding::text).asString()
                .contains("now belongs to another session (125,4893)");
        assertThat(e.next().action()).isEqualTo("none");
    }

    @Test
    void longStatementSaysCancelFirst() {
        Session s = client(9, "1").state(SessionState.ACTIVE).transactionSize(123L)
                .attributes(Map.of()).build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.MARIADB, List.of(KillAction.CANCEL, KillAction.TERMINATE)).add(s);
        Explanation e = explainer(t, ProtectionPolicy.none()).explain(s.key(), Duration.ZERO, null);
        assertThat(e.findings()).extracting(Explanation.Finding::code).containsExactly("long-statement", "large-transaction");
        assertThat(e.transactionUnit()).isEqualTo("rows");
        assertThat(e.next().command()).isEqualTo("sessionctl kill 9,1 --cancel --wait");
        assertThat(e.processNote()).contains("threads");
    }

    @Test
    void waiterPointsAtItsRootBlockerNotAtCancellingItself() {
        Session root = client(42, "1700").user("app").state(SessionState.IDLE_IN_TRANSACTION)
                .transactionStart(Instant.parse("2026-11-22T02:00:00Z")).build();
        Session w1 = client(43, "1").state(SessionState.ACTIVE).waitEvent("transactionid").waitEventType("Lock")
                .addBlocker(root.ref()).build();
        Session w2 = client(44, "1").state(SessionState.ACTIVE).addBlocker(w1.ref()).build();
        FakeTargetConnection t = new FakeTargetConnection(Engine.POSTGRESQL, List.of(KillAction.CANCEL, KillAction.TERMINATE))
                .add(root).add(w1).add(w2);

        Explanation e = explainer(t, ProtectionPolicy.none()).explain(w2.key(), Duration.ZERO, "sessionctl -t prod");

        assertThat(e.findings().get(0).code()).isEqualTo("waiting-on-blocker");
        assertThat(e.findings().get(0).text()).contains("root blocker 42,1700").contains("idle in transaction");
        assertThat(e.next().action()).isEqualTo("explain-blocker");
        assertThat(e.next().command()).isEqualTo("sessionctl explain 42,1700 -t prod --sample 0");
        assertThat(e.next().why()).contains("sessionctl kill 44,1 -t prod --cancel --wait");
    }

    @Test
    void suggestedCommandsPutTargetOptionsAfterTheCommandSoTheyRunAsPrinted() {
        assertThat(Explainer.command("sessionctl --url jdbc:postgresql://h:5432/db -U app", "kill", "7,1", "--wait"))
                .isEqualTo("sessionctl kill 7,1 --url jdbc:postgresql://h:5432/db -U app --wait");
        assertThat(Explainer.command("sessionctl", "explain", "7,1", "--sample 30s"))
                .isEqualTo("sessionctl explain 7,1 --sample 30s");
    }
}
