package dev.sessionctl.audit;

import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.testing.FakeTargetConnection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child process for {@link AuditCrashTest}: a bulk kill of many sessions on the test double,
 * through the real kill path with the real audit trail. Prints "EXECUTED id" the moment an
 * action reaches the engine, so the parent knows which actions started before it SIGKILLs us.
 */
public final class AuditCrashChild {

    private AuditCrashChild() {
    }

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        FakeTargetConnection fake = new FakeTargetConnection(Engine.POSTGRESQL, List.of(KillAction.TERMINATE));
        List<SessionKey> keys = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            var s = FakeTargetConnection.client(i, "17000" + i).build();
            fake.add(s).react(s.ref(), KillAction.TERMINATE, FakeTargetConnection.Reaction.GONE);
            keys.add(s.key());
        }
        var printing = new dev.sessionctl.target.TargetConnection() {
            public dev.sessionctl.target.TargetInfo info() { return fake.info(); }
            public dev.sessionctl.model.Snapshot snapshot() { return fake.snapshot(); }
            public List<KillAction> supportedActions() { return fake.supportedActions(); }
            public String statementFor(KillAction a, dev.sessionctl.model.Session v) { return fake.statementFor(a, v); }
            public KillResult execute(KillAction a, dev.sessionctl.model.Session v, java.time.Duration t) {
                System.out.println("EXECUTED " + v.sessionId());
                System.out.flush();
                return fake.execute(a, v, t);
            }
            public dev.sessionctl.target.DoctorReport doctor() { return fake.doctor(); }
            public void close() { }
        };
        try (AuditTrail trail = AuditTrail.toFile(file, "test-child")) {
            SessionKiller killer = new SessionKiller(printing, GuardChain.standard(ProtectionPolicy.none()), trail);
            killer.kill(keys, KillRequest.of(KillAction.TERMINATE).reason("crash test bulk kill"));
        }
        System.out.println("FINISHED");
    }
}
