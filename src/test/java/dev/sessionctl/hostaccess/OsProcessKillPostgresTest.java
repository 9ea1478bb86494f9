package dev.sessionctl.hostaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.escalation.Ticker;
import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OS-level kill for real: a PostgreSQL backend process on this host receives SIGTERM (which
 * PostgreSQL treats like pg_terminate_backend) and its session is gone, the postmaster and the
 * other sessions untouched. SIGKILL is never sent to a backend here on purpose (it would make the
 * postmaster restart every backend).
 */
class OsProcessKillPostgresTest {

    private static EmbeddedPostgres pg;
    private final LocalHostAccess host = new LocalHostAccess();
    private final OsProcessKiller killer = new OsProcessKiller(host,
            ProcessExpectation.forEngine(Engine.Family.POSTGRESQL, null), Duration.ofSeconds(2), Ticker.SYSTEM);

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    private static Connection connect() throws SQLException {
        return pg.getPostgresDatabase().getConnection();
    }

    /** The session as a dialect would report it, read straight from pg_stat_activity. */
    private static Session sessionOf(Connection observer, int pid) throws SQLException {
        try (Statement st = observer.createStatement();
             ResultSet rs = st.executeQuery("select pid, backend_start, usename, datname from pg_stat_activity where pid = " + pid)) {
            assertThat(rs.next()).as("backend %d listed", pid).isTrue();
            Instant start = rs.getTimestamp("backend_start").toInstant();
            long micros = start.getEpochSecond() * 1_000_000 + start.getNano() / 1000;
            return Session.builder(new SessionKey("pg", 0, pid, Long.toString(micros))).user(rs.getString("usename"))
                    .database(rs.getString("datname")).state(SessionState.IDLE).logonTime(start)
                    .serverProcess(Integer.toString(pid)).backendType("client backend").build();
        }
    }

    private static Snapshot snapshotOf(Session... sessions) {
        return new Snapshot("pg", Engine.POSTGRESQL, "16", Instant.now(), List.of(sessions), null);
    }

    private static int pidOf(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Instant postmasterStart(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select pg_postmaster_start_time()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    @Test
    void sigtermEndsTheBackendAndOnlyIt() throws Exception {
        try (Connection observer = connect(); Connection victimConn = connect(); Connection bystander = connect()) {
            int pid = pidOf(victimConn);
            Session victim = sessionOf(observer, pid);
            Instant postmasterBefore = postmasterStart(observer);

            KillResult r = killer.kill(KillAction.OS_TERM, victim, snapshotOf(victim), Duration.ofSeconds(10));

            assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
            assertThat(r.statement()).isEqualTo("kill -TERM " + pid + " (on local)");
            // exited: gone, or a zombie for the instant before the postmaster reaps it
            assertThat(host.process(pid).filter(p -> !p.isZombie())).isEmpty();
            try (Statement st = observer.createStatement();
                 ResultSet rs = st.executeQuery("select count(*) from pg_stat_activity where pid = " + pid)) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
            assertThatThrownBy(() -> victimConn.createStatement().execute("select 1")).isInstanceOf(SQLException.class);
            // no crash restart: the bystander still works and the postmaster is the same
            try (Statement st = bystander.createStatement(); ResultSet rs = st.executeQuery("select 1")) {
                assertThat(rs.next()).isTrue();
            }
            assertThat(postmasterStart(observer)).isEqualTo(postmasterBefore);
            Optional<Check> gone = new ServerProcessGoneCheck(host).check(victim, snapshotOf());
            assertThat(gone).get().extracting(Check::passed).isEqualTo(true);
        }
    }

    @Test
    void livingBackendFailsTheProcessGoneCheckAndIsRecognised() throws Exception {
        try (Connection observer = connect(); Connection other = connect()) {
            int pid = pidOf(other);
            Session s = sessionOf(observer, pid);
            ProcessInfo info = host.process(pid).orElseThrow();
            assertThat(info.commandLine()).contains("postgres");
            assertThat(info.isThread()).isFalse();
            assertThat(info.startTime()).isNotNull();
            assertThat(killer.refusal(s, snapshotOf(s))).isEmpty();
            Optional<Check> c = new ServerProcessGoneCheck(host).check(s, snapshotOf(s));
            assertThat(c).get().satisfies(ch -> {
                assertThat(ch.passed()).isFalse();
                assertThat(ch.detail()).contains("still runs");
            });
        }
    }

    @Test
    void refusesAProcessThatIsNotAPostgresBackend() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Session fake = Session.builder(new SessionKey("pg", 0, 999_999, "1")).state(SessionState.ACTIVE)
                    .serverProcess(Long.toString(sleeper.pid())).logonTime(Instant.now().plusSeconds(60)).build();
            KillResult r = killer.kill(KillAction.OS_TERM, fake, snapshotOf(fake), Duration.ofSeconds(2));
            assertThat(r.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
            assertThat(r.guard()).isEqualTo(OsProcessKiller.GUARD);
            assertThat(r.message()).contains("is not a postgresql server process").contains("sleep");
            assertThat(sleeper.isAlive()).isTrue();
        } finally {
            sleeper.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void refusesAReusedProcessId() throws Exception {
        try (Connection observer = connect(); Connection other = connect()) {
            int pid = pidOf(other);
            Session real = sessionOf(observer, pid);
            // the session we "remember" logged on an hour before this process started: the id was reused
            Session stale = real.toBuilder().logonTime(real.logonTime().minus(Duration.ofHours(1))).build();
            KillResult r = killer.kill(KillAction.OS_TERM, stale, snapshotOf(stale), Duration.ofSeconds(2));
            assertThat(r.outcome()).isEqualTo(KillOutcome.REFUSED_BY_GUARD);
            assertThat(r.message()).contains("reused");
            assertThat(host.process(pid)).isPresent();
        }
    }

    @Test
    void refusesAThreadIdAndSharedProcessesAndMysql() throws Exception {
        long myPid = ProcessHandle.current().pid();
        long tid = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))
                .map(p -> Long.parseLong(p.getFileName().toString())).filter(t -> t != myPid).findFirst().orElseThrow();
        Session thread = Session.builder(new SessionKey("pg", 0, 5, "1")).serverProcess(Long.toString(tid)).build();
        assertThat(killer.refusal(thread, snapshotOf(thread))).get().asString().contains("thread of process " + myPid);

        Session a = Session.builder(new SessionKey("o", 0, 10, "1")).serverProcess("4242").build();
        Session b = Session.builder(new SessionKey("o", 0, 11, "1")).serverProcess("4242").build();
        assertThat(killer.refusal(a, snapshotOf(a, b))).get().asString().contains("also serves session 11,1");
        Session shared = a.toBuilder().attributes(Map.of("server", "SHARED")).build();
        assertThat(OsProcessKiller.sharedServer(shared, snapshotOf(shared))).get().asString().contains("shared server");

        Snapshot mysql = new Snapshot("m", Engine.MARIADB, "11", Instant.now(), List.of(a), null);
        assertThat(killer.refusal(a, mysql)).get().asString().contains("threads of one server process");
    }
}
