package dev.sessionctl.watch;

import static dev.sessionctl.watch.Sessions.idleInTx;
import static dev.sessionctl.watch.Sessions.session;
import static dev.sessionctl.watch.Sessions.waiter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    private static final Instant NOW = Instant.parse("2026-11-22T13:00:00Z");

    private static Policy policy(String yaml) {
        return PolicyFile.parse(Path.of("p.yaml"), yaml, Map.<String, String>of()::get);
    }

    private static Snapshot snap(Session... sessions) {
        return new Snapshot("db1", Engine.POSTGRESQL, "16", NOW, List.of(sessions), Set.of(SessionRef.of(1)));
    }

    private static Evaluation eval(Policy p, Snapshot s) {
        return Evaluator.evaluate(p, s, WatchGuards.forTarget(p, ProtectionPolicy.none()), new WatchState(), NOW);
    }

    private static Decision only(Evaluation ev, long id) {
        List<Decision> ds = ev.decisions().stream().filter(d -> d.session().sessionId() == id).toList();
        assertThat(ds).hasSize(1);
        return ds.get(0);
    }

    static final String IDLE_BLOCKERS = """
            rules:
              - name: idle-blockers
                when: {idleInTransaction: 30s, waiters: 1}
                victims: root-blocker
                action: kill
            """;

    @Test
    void anIdleBlockerPastItsThresholdIsKilledWithAReason() {
        Snapshot s = snap(idleInTx("db1", 10, NOW.minusSeconds(45)), waiter("db1", 11, NOW.minusSeconds(40), 10));
        Evaluation ev = eval(policy(IDLE_BLOCKERS), s);
        Decision d = only(ev, 10);
        assertThat(d.verdict()).isEqualTo(Decision.Verdict.ACT);
        assertThat(d.action()).isEqualTo(WatchAction.KILL);
        assertThat(d.reason()).contains("idle in transaction 45s (idleInTransaction >= 30s)")
                .contains("root blocker of 1 session(s) (waiters >= 1)");
        assertThat(d.crossesAt()).isEqualTo(NOW.minusSeconds(15));
        assertThat(d.waiters()).containsExactly(SessionRef.of(11));
        assertThat(ev.decisions()).noneMatch(x -> x.session().sessionId() == 11);
    }

    @Test
    void beforeItsThresholdItIsPendingWithTheExactServerMomentItCrosses() {
        Snapshot s = snap(idleInTx("db1", 10, NOW.minusMillis(29_250)), waiter("db1", 11, NOW.minusSeconds(2), 10));
        Decision d = only(eval(policy(IDLE_BLOCKERS), s), 10);
        assertThat(d.verdict()).isEqualTo(Decision.Verdict.PENDING);
        assertThat(d.crossesAt()).isEqualTo(NOW.plusMillis(750));
        assertThat(d.reason()).contains("crosses in 750ms");
    }

    @Test
    void anIdleTransactionThatBlocksNoOneIsNotARootBlockerVictim() {
        Evaluation ev = eval(policy(IDLE_BLOCKERS), snap(idleInTx("db1", 10, NOW.minusSeconds(300))));
        assertThat(ev.decisions()).isEmpty();
    }

    @Test
    void theLatestOfSeveralThresholdsDecidesTheCrossing() {
        Policy p = policy("""
                rules:
                  - name: r
                    when: {idleInTransaction: 10s, transactionAge: 1m}
                    victims: all
                    action: kill
                """);
        Session s = idleInTx("db1", 10, NOW.minusSeconds(20)).toBuilder().transactionStart(NOW.minusSeconds(50)).build();
        Decision d = only(eval(p, snap(s)), 10);
        assertThat(d.verdict()).isEqualTo(Decision.Verdict.PENDING);
        assertThat(d.crossesAt()).isEqualTo(NOW.plusSeconds(10));
    }

    @Test
    void blockingTimeIsMeasuredFromTheLongestWaiter() {
        Policy p = policy("""
                rules:
                  - name: long-blockers
                    when: {blocking: 1m}
                    action: kill
                """);
        Session root = session("db1", 10, SessionState.ACTIVE, NOW.minusSeconds(500)).build();
        Session w1 = waiter("db1", 11, NOW.minusSeconds(20), 10);
        Session w2 = waiter("db1", 12, NOW.minusSeconds(45), 10, 11)
                .toBuilder().attribute(Evaluator.LOCK_WAIT_START, NOW.minusSeconds(70).toString()).build();
        Decision d = only(eval(p, snap(root, w1, w2)), 10);
        assertThat(d.verdict()).isEqualTo(Decision.Verdict.ACT);
        assertThat(d.crossesAt()).isEqualTo(NOW.minusSeconds(10));
        assertThat(d.reason()).contains("blocking 1m10s (blocking >= 1m00s)").contains("root blocker of 2 session(s)");
    }

    @Test
    void aWaiterIsSparedUnlessTheRuleAllowsWaiters() {
        String yaml = """
                rules:
                  - name: runaway
                    when: {busy: 10s}
                    victims: all
                    action: cancel
                """;
        Snapshot s = snap(idleInTx("db1", 10, NOW.minusSeconds(60)), waiter("db1", 11, NOW.minusSeconds(30), 10));
        Decision d = only(eval(policy(yaml), s), 11);
        assertThat(d.verdict()).isEqualTo(Decision.Verdict.SPARED);
        assertThat(d.reason()).contains("waits on 10").contains("root blocker is the cause");
        Decision allowed = only(eval(policy(yaml.replace("action: cancel", "action: cancel\n    allowWaiters: true")), s), 11);
        assertThat(allowed.verdict()).isEqualTo(Decision.Verdict.ACT);
    }

    @Test
    void protectionAlwaysWins() {
        String yaml = IDLE_BLOCKERS + "protect: {users: [batch], hosts: ['10.9.*']}\n";
        Session byUser = idleInTx("db1", 10, NOW.minusSeconds(60)).toBuilder().user("batch").build();
        Session byHost = idleInTx("db1", 20, NOW.minusSeconds(60)).toBuilder().clientHost("10.9.1.1").build();
        Session byEngine = idleInTx("db1", 30, NOW.minusSeconds(60)).toBuilder().protectedReason("hidden").build();
        Session notClient = idleInTx("db1", 40, NOW.minusSeconds(60)).toBuilder().kind(SessionKind.BACKGROUND).build();
        Session own = idleInTx("db1", 1, NOW.minusSeconds(60));
        Evaluation ev = eval(policy(yaml), snap(byUser, byHost, byEngine, notClient, own,
                waiter("db1", 11, NOW, 10), waiter("db1", 21, NOW, 20), waiter("db1", 31, NOW, 30),
                waiter("db1", 41, NOW, 40), waiter("db1", 2, NOW, 1)));
        assertThat(only(ev, 10).verdict()).isEqualTo(Decision.Verdict.PROTECTED);
        assertThat(only(ev, 10).reason()).contains("protected-user");
        assertThat(only(ev, 20).reason()).contains("protected-host");
        assertThat(only(ev, 30).reason()).contains("engine-protected");
        assertThat(ev.decisions()).noneMatch(d -> d.session().sessionId() == 40 || d.session().sessionId() == 1);
        assertThat(ev.with(Decision.Verdict.ACT)).isEmpty();
    }

    @Test
    void aTransactionTooLargeToRollBackIsSkipped() {
        Policy p = policy(IDLE_BLOCKERS.replace("action: kill", "action: kill\n    maxTransactionSize: 1000"));
        Session big = idleInTx("db1", 10, NOW.minusSeconds(60)).toBuilder().transactionSize(5000L).build();
        Decision d = only(eval(p, snap(big, waiter("db1", 11, NOW, 10))), 10);
        assertThat(d.verdict()).isEqualTo(Decision.Verdict.TOO_LARGE);
        assertThat(d.reason()).contains("transaction size 5000 exceeds maxTransactionSize 1000");
    }

    @Test
    void dryRunPerRuleAndGlobal() {
        Snapshot s = snap(idleInTx("db1", 10, NOW.minusSeconds(60)), waiter("db1", 11, NOW, 10));
        assertThat(only(eval(policy(IDLE_BLOCKERS.replace("action: kill", "action: kill\n    dryRun: true")), s), 10)
                .verdict()).isEqualTo(Decision.Verdict.DRY_RUN);
        Decision d = only(eval(policy(IDLE_BLOCKERS).withDryRun(true), s), 10);
        assertThat(d.verdict()).isEqualTo(Decision.Verdict.DRY_RUN);
        assertThat(d.reason()).contains("dry run: would kill");
    }

    @Test
    void theLimitPerIntervalCountsPastAndCurrentActions() {
        Policy p = policy("""
                rules:
                  - name: r
                    when: {idle: 1m}
                    victims: all
                    action: kill
                    limit: {actions: 2, per: 1m}
                """);
        Snapshot s = snap(session("db1", 10, SessionState.IDLE, NOW.minusSeconds(300)).build(),
                session("db1", 11, SessionState.IDLE, NOW.minusSeconds(200)).build(),
                session("db1", 12, SessionState.IDLE, NOW.minusSeconds(100)).build());
        WatchState state = new WatchState();
        Evaluation ev = Evaluator.evaluate(p, s, WatchGuards.forTarget(p, null), state, NOW);
        assertThat(ev.decisions()).extracting(Decision::verdict).containsExactly(Decision.Verdict.ACT,
                Decision.Verdict.ACT, Decision.Verdict.RATE_LIMITED);
        assertThat(state.tryAcquire(p.rules().get(0), NOW)).isTrue();
        Evaluation after = Evaluator.evaluate(p, s, WatchGuards.forTarget(p, null), state, NOW.plusSeconds(1));
        assertThat(after.decisions()).extracting(Decision::verdict).containsExactly(Decision.Verdict.ACT,
                Decision.Verdict.RATE_LIMITED, Decision.Verdict.RATE_LIMITED);
        Evaluation later = Evaluator.evaluate(p, s, WatchGuards.forTarget(p, null), state, NOW.plusSeconds(61));
        assertThat(later.with(Decision.Verdict.ACT)).hasSize(2);
    }

    @Test
    void oldestAndAllButOldest() {
        Snapshot s = snap(session("db1", 10, SessionState.IDLE, NOW.minusSeconds(100)).build(),
                session("db1", 11, SessionState.IDLE, NOW.minusSeconds(300)).build(),
                session("db1", 12, SessionState.IDLE, NOW.minusSeconds(200)).build());
        String yaml = "rules:\n  - name: r\n    when: {idle: 1m}\n    victims: %s\n    action: kill\n";
        Evaluation oldest = eval(policy(yaml.formatted("oldest")), s);
        assertThat(oldest.with(Decision.Verdict.ACT)).extracting(d -> d.session().sessionId()).containsExactly(11L);
        Evaluation allBut = eval(policy(yaml.formatted("all-but-oldest")), s);
        assertThat(allBut.with(Decision.Verdict.ACT)).extracting(d -> d.session().sessionId()).containsExactly(12L, 10L);
        assertThat(only(allBut, 11).verdict()).isEqualTo(Decision.Verdict.SPARED);
        assertThat(only(allBut, 11).reason()).contains("kept as the oldest");
    }

    @Test
    void matchersCombine() {
        Policy p = policy("""
                rules:
                  - name: r
                    match:
                      users: ["rep*"]
                      databases: [sales]
                      programs: ["cron*"]
                      hosts: ["10.0.*"]
                      modules: [NIGHTLY]
                      sql: "from\\\\s+orders"
                      sqlIds: [abc123]
                      states: [active]
                      waitEvents: [IO]
                    when: {busy: 1s}
                    victims: all
                    action: cancel
                """);
        Session good = session("db1", 10, SessionState.ACTIVE, NOW.minusSeconds(5)).user("Reporter").database("sales")
                .program("cron-nightly").clientHost("10.0.3.4").attribute("module", "nightly").sqlId("ABC123")
                .sqlText("select * FROM   orders").waitEventType("IO").waitEvent("DataFileRead").build();
        assertThat(only(eval(p, snap(good)), 10).verdict()).isEqualTo(Decision.Verdict.ACT);
        assertThat(eval(p, snap(good.toBuilder().sqlText("select 1").build())).decisions()).isEmpty();
        assertThat(eval(p, snap(good.toBuilder().attributes(Map.of()).build())).decisions()).isEmpty();
        assertThat(eval(p, snap(good.toBuilder().sqlId("zzz").build())).decisions()).isEmpty();
        assertThat(eval(p, snap(good.toBuilder().user("app").build())).decisions()).isEmpty();
        assertThat(eval(p, snap(good.toBuilder().clientHost("192.168.1.1").build())).decisions()).isEmpty();
        assertThat(eval(p, snap(good.toBuilder().waitEventType("Lock").waitEvent("tuple").build())).decisions()).isEmpty();
    }

    @Test
    void theFirstRuleThatActsWinsAndReportsDoNotAct() {
        Policy p = policy("""
                rules:
                  - name: first
                    when: {idle: 1m}
                    victims: all
                    action: cancel
                  - name: second
                    when: {idle: 1m}
                    victims: all
                    action: kill
                  - name: tell
                    when: {idle: 1m}
                    victims: all
                    action: report
                """);
        Evaluation ev = eval(p, snap(session("db1", 10, SessionState.IDLE, NOW.minusSeconds(100)).build()));
        assertThat(ev.decisions()).extracting(Decision::rule, Decision::verdict).containsExactly(
                org.assertj.core.groups.Tuple.tuple("first", Decision.Verdict.ACT),
                org.assertj.core.groups.Tuple.tuple("second", Decision.Verdict.SPARED),
                org.assertj.core.groups.Tuple.tuple("tell", Decision.Verdict.REPORT));
    }

    @Test
    void busyIsMeasuredFromQueryStartOnTheServerClock() {
        Policy p = policy("rules:\n  - name: r\n    when: {busy: 1m}\n    victims: all\n    action: cancel\n");
        Session s = session("db1", 10, SessionState.ACTIVE, NOW.minusSeconds(5)).queryStart(NOW.minusSeconds(90)).build();
        Decision d = only(eval(p, snap(s)), 10);
        assertThat(d.verdict()).isEqualTo(Decision.Verdict.ACT);
        assertThat(d.reason()).contains("busy 1m30s");
        Session idle = session("db1", 10, SessionState.IDLE, NOW.minusSeconds(500)).build();
        assertThat(eval(p, snap(idle)).decisions()).isEmpty();
    }
}
