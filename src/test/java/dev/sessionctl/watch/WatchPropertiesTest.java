package dev.sessionctl.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the watchdog whatever the policy: a protected session is never a victim (neither
 * in the decisions nor on the kill path), and under a lock convoy only the root is chosen. Each
 * try builds a random policy and a random snapshot from one seed (jqwik prints the failing seed).
 */
class WatchPropertiesTest {

    private static final Instant NOW = Instant.parse("2026-11-22T13:00:00Z");
    private static final String[] USERS = {"app", "batch", "report", "admin", "replicator"};
    private static final String[] PROGRAMS = {"psql", "api", "cron-nightly", "pgbouncer", "pg_dump"};
    private static final String[] HOSTS = {"10.0.0.1", "10.0.0.2", "10.9.1.1", "192.168.5.5"};
    private static final String[] DATABASES = {"app", "sales", "postgres"};
    private static final Set<Decision.Verdict> VICTIM_VERDICTS = EnumSet.of(Decision.Verdict.ACT, Decision.Verdict.DRY_RUN,
            Decision.Verdict.REPORT, Decision.Verdict.PENDING, Decision.Verdict.TOO_LARGE, Decision.Verdict.RATE_LIMITED);

    @Property(tries = 300)
    void aProtectedSessionIsNeverAVictimOfAnyPolicy(@ForAll long seed) {
        Random rnd = new Random(seed);
        Policy policy = randomPolicy(rnd, rnd.nextBoolean());
        Snapshot snap = randomSnapshot(rnd, NOW);
        Evaluation ev = Evaluator.evaluate(policy, snap, WatchGuards.forTarget(policy, null), new WatchState(), NOW);
        boolean protectedMatched = false;
        for (Decision d : ev.decisions()) {
            if (VICTIM_VERDICTS.contains(d.verdict())) {
                assertThat(protectedBecause(policy, snap, d.session())).as("decision %s on %s", d, d.session()).isNull();
            }
            protectedMatched |= d.verdict() == Decision.Verdict.PROTECTED;
        }
        // the property must meet protected sessions that a rule really matched, not only pass vacuously
        Statistics.label("protected matched").collect(protectedMatched);
        Statistics.label("protected matched").coverage(c -> c.check(true).percentage(p -> p >= 10));
    }

    @Property(tries = 40)
    void theKillPathNeverEndsAProtectedSession(@ForAll long seed) {
        Random rnd = new Random(seed);
        Policy random = randomPolicy(rnd, rnd.nextBoolean()).withDryRun(false);
        // plus one rule that acts on every idle session: the kill path must be busy, not idle, for this to mean anything
        List<Rule> rules = new ArrayList<>(random.rules());
        rules.add(new Rule("every-idle", null, new Rule.Thresholds(null, Duration.ZERO, null, null, null, null), null,
                Victims.ALL, WatchAction.KILL, null, false, rnd.nextBoolean(), 0));
        Policy policy = Policy.of(rules).withProtection(random.protection(), random.protectedHosts());
        Instant now = Instant.now();
        Snapshot snap = randomSnapshot(rnd, now);
        FakeTarget target = new FakeTarget("db1", snap.sessions());
        try (Watchdog dog = new Watchdog(policy, List.of(new dev.sessionctl.target.TargetSpec("db1", "fake:", "u", null,
                null, ProtectionPolicy.none())), spec -> target, null, null, null, Watchdog.Options.defaults(), null)) {
            dog.runOnce();
        }
        for (FakeTarget.Kill k : target.kills) {
            assertThat(protectedBecause(policy, snap, k.victim())).as("killed %s", k.victim()).isNull();
        }
        Statistics.label("kills").collect(target.kills.isEmpty() ? "none" : "some");
        Statistics.label("kills").coverage(c -> c.check("some").percentage(p -> p >= 30));
    }

    @Property(tries = 300)
    void underAConvoyOnlyTheRootIsChosen(@ForAll long seed) {
        Random rnd = new Random(seed);
        Policy policy = randomPolicy(rnd, false);
        List<Session> sessions = new ArrayList<>(randomSnapshot(rnd, NOW).sessions());
        sessions.removeIf(s -> s.sessionId() >= 1000 || !s.blockedBy().isEmpty());
        // one root holding N waiters on the same row; each waiter also waits on some queued before it
        Session root = session(1000, USERS[rnd.nextInt(USERS.length)], rnd.nextBoolean()
                ? SessionState.IDLE_IN_TRANSACTION : SessionState.ACTIVE, NOW.minusSeconds(1 + rnd.nextInt(600)), rnd).build();
        sessions.add(root);
        int n = 2 + rnd.nextInt(60);
        Set<SessionRef> convoy = new HashSet<>();
        convoy.add(root.ref());
        for (int i = 1; i <= n; i++) {
            Session.Builder w = session(1000 + i, USERS[rnd.nextInt(USERS.length)], SessionState.ACTIVE,
                    NOW.minusSeconds(rnd.nextInt(600)), rnd).waitEventType("Lock").waitEvent("tuple")
                    .addBlocker(root.ref());
            for (int j = 1; j < i; j++) {
                if (rnd.nextInt(4) == 0) {
                    w.addBlocker(SessionRef.of(1000 + j));
                }
            }
            Session ws = w.build();
            convoy.add(ws.ref());
            sessions.add(ws);
        }
        Snapshot snap = new Snapshot("db1", Engine.POSTGRESQL, "16", NOW, sessions, Set.of(SessionRef.of(1)));
        BlockingReport report = BlockingAnalyzer.analyze(snap);
        assertThat(report.roots()).extracting(BlockingReport.Root::ref).contains(root.ref());
        Evaluation ev = Evaluator.evaluate(policy, snap, WatchGuards.forTarget(policy, null), new WatchState(), NOW);
        boolean waiterMatched = ev.decisions().stream().anyMatch(d -> convoy.contains(d.session().ref())
                && !d.session().ref().equals(root.ref()) && d.verdict() == Decision.Verdict.SPARED);
        Statistics.label("convoy waiter matched and spared").collect(waiterMatched);
        Statistics.label("convoy waiter matched and spared").coverage(c -> c.check(true).percentage(p -> p >= 5));
        for (Decision d : ev.decisions()) {
            if (convoy.contains(d.session().ref()) && (d.verdict() == Decision.Verdict.ACT
                    || d.verdict() == Decision.Verdict.DRY_RUN || d.verdict() == Decision.Verdict.PENDING)) {
                assertThat(d.session().ref()).as("rule %s chose %s", d.rule(), d).isEqualTo(root.ref());
            }
        }
    }

    // ------------------------------------------------------------------ oracle

    /** Independent of GuardChain: why this session must never be a victim, or null. */
    static String protectedBecause(Policy p, Snapshot snap, Session s) {
        if (snap.isOwn(s.ref())) {
            return "own";
        }
        if (s.kind() != SessionKind.CLIENT) {
            return "not a client";
        }
        if (s.state() == SessionState.TERMINATING) {
            return "terminating";
        }
        if (s.protectedReason() != null) {
            return "engine";
        }
        if (matchesAny(p.protection().users(), s.user()) || matchesAny(p.protection().applications(), s.program())
                || matchesAny(p.protection().databases(), s.database()) || matchesAny(p.protectedHosts(), s.clientHost())) {
            return "configured";
        }
        return null;
    }

    private static boolean matchesAny(List<String> globs, String v) {
        if (v == null) {
            return false;
        }
        for (String g : globs) {
            String regex = "(?i)" + String.join(".*", java.util.Arrays.stream(g.split("\\*", -1)).map(Pattern::quote).toList());
            if (v.matches(regex)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ generators

    static Policy randomPolicy(Random rnd, boolean allowWaitersSometimes) {
        List<Rule> rules = new ArrayList<>();
        int count = 1 + rnd.nextInt(4);
        for (int i = 0; i < count; i++) {
            Rule.Match match = new Rule.Match(some(rnd, USERS), some(rnd, DATABASES), some(rnd, PROGRAMS), some(rnd, HOSTS),
                    null, rnd.nextInt(5) == 0 ? Pattern.compile("update", Pattern.CASE_INSENSITIVE) : null, null,
                    rnd.nextInt(3) == 0 ? Set.of(SessionState.values()[rnd.nextInt(4)]) : null, null);
            Rule.Thresholds t;
            do {
                t = new Rule.Thresholds(dur(rnd), dur(rnd), dur(rnd), dur(rnd),
                        rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : null, dur(rnd));
            } while (t.isEmpty());
            rules.add(new Rule("r" + i, match, t, rnd.nextInt(4) == 0 ? (long) rnd.nextInt(1000) : null,
                    Victims.values()[rnd.nextInt(Victims.values().length)],
                    WatchAction.values()[rnd.nextInt(WatchAction.values().length)],
                    rnd.nextInt(4) == 0 ? new Rule.Limit(1 + rnd.nextInt(3), Duration.ofMinutes(1)) : null,
                    rnd.nextInt(5) == 0, allowWaitersSometimes && rnd.nextBoolean(), 0));
        }
        ProtectionPolicy protect = new ProtectionPolicy(some(rnd, USERS), some(rnd, PROGRAMS), some(rnd, DATABASES));
        return Policy.of(rules).withProtection(protect, some(rnd, new String[] {"10.9.*", "192.168.*"}))
                .withDryRun(rnd.nextInt(4) == 0);
    }

    static Snapshot randomSnapshot(Random rnd, Instant now) {
        int n = 1 + rnd.nextInt(40);
        List<Session> sessions = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            SessionState state = SessionState.values()[rnd.nextInt(4)];
            Session.Builder b = session(i, USERS[rnd.nextInt(USERS.length)], state, now.minusMillis(rnd.nextInt(300_000)), rnd);
            if (rnd.nextInt(8) == 0) {
                b.kind(SessionKind.values()[rnd.nextInt(SessionKind.values().length)]);
            }
            if (rnd.nextInt(10) == 0) {
                b.protectedReason("hidden from this account");
            }
            int edges = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(2) : 0;
            for (int e = 0; e < edges; e++) {
                b.addBlocker(SessionRef.of(1 + rnd.nextInt(n)));
            }
            sessions.add(b.build());
        }
        return new Snapshot("db1", Engine.POSTGRESQL, "16", now, sessions, Set.of(SessionRef.of(1)));
    }

    private static Session.Builder session(long id, String user, SessionState state, Instant since, Random rnd) {
        return Session.builder(new SessionKey("db1", 0, id, "i" + id)).user(user)
                .database(DATABASES[rnd.nextInt(DATABASES.length)]).program(PROGRAMS[rnd.nextInt(PROGRAMS.length)])
                .clientHost(HOSTS[rnd.nextInt(HOSTS.length)]).state(state).stateSince(since).queryStart(since)
                .transactionStart(state == SessionState.IDLE ? null : since.minusMillis(rnd.nextInt(60_000)))
                .sqlText(rnd.nextBoolean() ? "update t set v = 1" : "select 1")
                .transactionSize(rnd.nextBoolean() ? null : (long) rnd.nextInt(5000));
    }

    private static List<String> some(Random rnd, String[] pool) {
        List<String> out = new ArrayList<>();
        if (rnd.nextInt(3) == 0) {
            for (String s : pool) {
                if (rnd.nextInt(3) == 0) {
                    out.add(rnd.nextBoolean() ? s : s.substring(0, Math.max(1, s.length() - 2)) + "*");
                }
            }
        }
        return out;
    }

    private static Duration dur(Random rnd) {
        return rnd.nextInt(3) == 0 ? Duration.ofMillis(rnd.nextInt(120_000)) : null;
    }
}
