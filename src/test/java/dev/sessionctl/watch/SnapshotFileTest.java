package dev.sessionctl.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.render.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileTest {

    @TempDir
    Path dir;

    private static final Instant NOW = Instant.parse("2026-11-22T13:00:00.123456Z");

    private static Snapshot sample(String target) {
        Session a = Sessions.idleInTx(target, 10, NOW.minusSeconds(40)).toBuilder().transactionSize(12L)
                .attribute("module", "NIGHTLY").sqlId("abc").build();
        Session b = Sessions.waiter(target, 11, NOW.minusSeconds(30), 10);
        Session c = Sessions.session(target, 12, SessionState.ACTIVE, NOW).kind(SessionKind.PARALLEL_WORKER)
                .parent(SessionRef.of(11)).protectedReason("worker").build();
        return new Snapshot(target, Engine.MARIADB, "11.4", NOW, List.of(a, b, c), Set.of(SessionRef.of(99)));
    }

    @Test
    void saveAndReadBackOneOrSeveralTargets() {
        Path one = dir.resolve("one.json");
        SnapshotFile.write(one, List.of(sample("db1")));
        Snapshot back = SnapshotFile.read(one).get(0);
        Snapshot orig = sample("db1");
        assertThat(back.target()).isEqualTo("db1");
        assertThat(back.engine()).isEqualTo(Engine.MARIADB);
        assertThat(back.serverTime()).isEqualTo(NOW);
        assertThat(back.ownSessions()).containsExactly(SessionRef.of(99));
        assertThat(back.sessions()).usingRecursiveFieldByFieldElementComparator().isEqualTo(orig.sessions());

        Path many = dir.resolve("many.json");
        SnapshotFile.write(many, List.of(sample("a"), sample("b")));
        assertThat(SnapshotFile.read(many)).extracting(Snapshot::target).containsExactly("a", "b");
    }

    @Test
    void readsTheJsonOfSessionsDashOJson() throws Exception {
        Snapshot s = sample("prod");
        Path f = dir.resolve("sessions.json");
        Files.writeString(f, Json.MAPPER.writeValueAsString(Json.sessions(s, s.sessions())));
        Snapshot back = SnapshotFile.read(f).get(0);
        assertThat(back.sessions()).extracting(Session::key).isEqualTo(s.sessions().stream().map(Session::key).toList());
        assertThat(back.sessions().get(1).blockedBy()).containsExactly(SessionRef.of(10));
        assertThat(back.sessions().get(0).stateSince()).isEqualTo(NOW.minusSeconds(40));
    }
}
