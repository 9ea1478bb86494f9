package dev.sessionctl.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.escalation.EscalationLadder;
import dev.sessionctl.escalation.EscalationResult;
import dev.sessionctl.escalation.Escalator;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.kill.Verifier;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.testing.FakeTargetConnection;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditTrailTest {

    @TempDir
    Path dir;

    private static final AuditRecord.Actor ACTOR = new AuditRecord.Actor("dba", "ops1", 4711, "ssh from 10.0.0.9");

    private FakeTargetConnection target(Session... sessions) {
        FakeTargetConnection t = new FakeTargetConnection(Engine.POSTGRESQL, List.of(KillAction.CANCEL, KillAction.TERMINATE));
        for (Session s : sessions) {
            t.add(s).react(s.ref(), KillAction.TERMINATE, FakeTargetConnection.Reaction.GONE);
        }
        return t;
    }

    @Test
    void intentBeforeAndOutcomeAfterWithTheSameId() {
        Path file = dir.resolve("audit.jsonl");
        Session s = FakeTargetConnection.client(42, "1700000000").user("app").sqlId("abc123").build();
        FakeTargetConnection t = target(s);
        try (AuditTrail trail = new AuditTrail(new JsonLinesAuditFile(file), List.of(), ACTOR, "cli", null)) {
            KillResult r = new SessionKiller(t, GuardChain.standard(ProtectionPolicy.none()), trail)
                    .killOne(s.key(), KillRequest.of(KillAction.TERMINATE).reason("INC-1234 frozen checkout"));
            assertThat(r.outcome()).isEqualTo(KillOutcome.TERMINATED);
        }
        AuditLog.Contents c = AuditLog.read(file);
        assertThat(c.damaged()).isEmpty();
        assertThat(c.records()).extracting(AuditRecord::phase).containsExactly("intent", "outcome");
        AuditRecord intent = c.records().get(0);
        AuditRecord outcome = c.records().get(1);
        assertThat(outcome.id()).isEqualTo(intent.id());
        assertThat(intent.actor()).isEqualTo(ACTOR);
        assertThat(intent.origin()).isEqualTo("cli");
        assertThat(intent.target()).isEqualTo("fake");
        assertThat(intent.session().key()).isEqualTo("42,1700000000");
        assertThat(intent.session().user()).isEqualTo("app");
        assertThat(intent.session().sqlText()).isEqualTo("update orders set x = 1");
        assertThat(intent.session().state()).isEqualTo("active");
        assertThat(intent.statement()).isEqualTo("FAKE terminate 42,1700000000");
        assertThat(intent.reason()).isEqualTo("INC-1234 frozen checkout");
        assertThat(intent.outcome()).isNull();
        assertThat(outcome.outcome()).isEqualTo("terminated");
        assertThat(outcome.durationMs()).isNotNull();
        assertThat(c.entries()).singleElement().satisfies(e -> assertThat(e.status()).isEqualTo("terminated"));
    }

    @Test
    void unwritableAuditFileStopsTheAction() throws Exception {
        Path notAFile = Files.createDirectory(dir.resolve("is-a-directory"));
        Session s = FakeTargetConnection.client(42, "1700000000").build();
        FakeTargetConnection t = target(s);
        AuditTrail trail = new AuditTrail(new JsonLinesAuditFile(notAFile), List.of(), ACTOR, "cli", null);
        SessionKiller killer = new SessionKiller(t, GuardChain.standard(ProtectionPolicy.none()), trail);
        KillResult r = killer.killOne(s.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(r.outcome()).isEqualTo(KillOutcome.FAILED);
        assertThat(r.message()).contains("intent could not be recorded").contains("action was not performed");
        assertThat(t.executed()).isEmpty();
        assertThat(t.session(s.ref())).isNotNull();
    }

    @Test
    void tornLastLineIsToleratedByTheReaderAndRepairedByTheNextAppend() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        JsonLinesAuditFile sink = new JsonLinesAuditFile(file);
        sink.append(record("a", "intent", "t1", null));
        sink.append(record("a", "outcome", "t1", "terminated"));
        Files.writeString(file, "{\"id\":\"b\",\"phase\":\"inte", StandardOpenOption.APPEND); // power cut mid-write

        AuditLog.Contents torn = AuditLog.read(file);
        assertThat(torn.records()).hasSize(2);
        assertThat(torn.damaged()).singleElement().satisfies(d -> {
            assertThat(d.lastLine()).isTrue();
            assertThat(d.lineNumber()).isEqualTo(3);
        });

        sink.append(record("c", "intent", "t1", null));
        AuditLog.Contents repaired = AuditLog.read(file);
        assertThat(repaired.damaged()).isEmpty();
        assertThat(repaired.records()).extracting(AuditRecord::id).containsExactly("a", "a", "c");
        assertThat(Files.readString(file.resolveSibling("audit.jsonl.torn"))).contains("\"phase\":\"inte");
        assertThat(repaired.entries()).extracting(AuditLog.Entry::status).containsExactly("terminated", "unfinished");
    }

    @Test
    void filtersBySinceTargetUserAndOutcome() {
        Path file = dir.resolve("audit.jsonl");
        JsonLinesAuditFile sink = new JsonLinesAuditFile(file);
        sink.append(withTime(record("1", "intent", "prod", null), "2026-11-20T10:00:00Z"));
        sink.append(withTime(record("1", "outcome", "prod", "terminated"), "2026-11-20T10:00:01Z"));
        sink.append(withTime(record("2", "intent", "stage", null), "2026-11-21T10:00:00Z"));
        sink.append(withTime(record("2", "outcome", "stage", "refused-privilege"), "2026-11-21T10:00:01Z"));
        sink.append(withTime(record("3", "intent", "prod", null), "2026-11-22T10:00:00Z"));

        assertThat(AuditLog.entries(file, AuditLog.Filter.all())).hasSize(3);
        assertThat(AuditLog.entries(file, new AuditLog.Filter(Instant.parse("2026-11-21T00:00:00Z"), null, null, null)))
                .extracting(AuditLog.Entry::id).containsExactly("2", "3");
        assertThat(AuditLog.entries(file, new AuditLog.Filter(null, "prod", null, null)))
                .extracting(AuditLog.Entry::id).containsExactly("1", "3");
        assertThat(AuditLog.entries(file, new AuditLog.Filter(null, null, "dba", null))).hasSize(3);
        assertThat(AuditLog.entries(file, new AuditLog.Filter(null, null, "nobody", null))).isEmpty();
        assertThat(AuditLog.entries(file, new AuditLog.Filter(null, null, null, "refused_privilege")))
                .extracting(AuditLog.Entry::id).containsExactly("2");
        assertThat(AuditLog.entries(file, new AuditLog.Filter(null, null, null, "unfinished")))
                .extracting(AuditLog.Entry::id).containsExactly("3");
    }

    @Test
    void syslogGetsRfc5424Messages() throws Exception {
        try (DatagramSocket receiver = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
             SyslogAuditSink sink = new SyslogAuditSink("127.0.0.1", receiver.getLocalPort())) {
            receiver.setSoTimeout(5000);
            sink.append(record("x1", "outcome", "prod", "refused-privilege"));
            DatagramPacket p = new DatagramPacket(new byte[9000], 9000);
            receiver.receive(p);
            String msg = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
            // authpriv (10) * 8 + warning (4) = 84 for a failed outcome
            assertThat(msg).matches("<84>1 2026-11-22T03:00:00Z \\S+ sessionctl 4711 outcome - \\{.*\\}");
            assertThat(msg).contains("\"id\":\"x1\"").contains("\"outcome\":\"refused-privilege\"");
            sink.append(record("x2", "intent", "prod", null));
            receiver.receive(p);
            assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)).startsWith("<85>1 ");
        }
    }

    private static AuditRecord record(String id, String phase, String target, String outcome) {
        return new AuditRecord(id, phase, Instant.parse("2026-11-22T03:00:00Z"), ACTOR, "cli", target,
                new AuditRecord.SessionInfo("42,17", 0, 42, "app", "db", "active", "psql", "10.0.0.1", null, "select 1",
                        null, null, "4242"), "terminate", "select pg_terminate_backend(42)", "test", outcome, null, null, null,
                outcome == null ? null : 12L, null);
    }

    private static AuditRecord withTime(AuditRecord r, String t) {
        return new AuditRecord(r.id(), r.phase(), Instant.parse(t), r.actor(), r.origin(), r.target(), r.session(),
                r.action(), r.statement(), r.reason(), r.outcome(), r.message(), r.guard(), r.errorCode(), r.durationMs(),
                r.checks());
    }

    @Test
    void escalationSummaryNamesTheSessionAndTheReason() {
        Path file = dir.resolve("audit.jsonl");
        Session s = FakeTargetConnection.client(42, "1700000000").user("app").build();
        FakeTargetConnection t = target(s);
        try (AuditTrail trail = new AuditTrail(new JsonLinesAuditFile(file), List.of(), ACTOR, "cli", null)) {
            EscalationResult r = Escalator.on(t).guards(GuardChain.standard(ProtectionPolicy.none()))
                    .ladder(EscalationLadder.defaultFor(Engine.Family.POSTGRESQL).withVerifyTimeout(Duration.ofMillis(50))
                            .withPollInterval(Duration.ofMillis(1)))
                    .killListener(trail).listener(trail).verifier(new Verifier(t))
                    .ticker(new dev.sessionctl.testing.FakeTicker()).build()
                    .escalate(s.key(), Escalator.Goal.END_SESSION, "INC-77 checkout frozen");
            assertThat(r.status()).isEqualTo(EscalationResult.Status.DONE);
        }
        AuditLog.Entry summary = AuditLog.read(file).entries().stream()
                .filter(e -> e.escalation() != null).findFirst().orElseThrow();
        assertThat(summary.first().session()).isNotNull();
        assertThat(summary.first().session().key()).isEqualTo("42,1700000000");
        assertThat(summary.first().session().user()).isEqualTo("app");
        assertThat(summary.first().reason()).isEqualTo("INC-77 checkout frozen");
        // the DBA's question "what happened to app's sessions" finds the summary too
        assertThat(AuditLog.entries(file, new AuditLog.Filter(null, null, "app", "done"))).hasSize(1);
    }
}
