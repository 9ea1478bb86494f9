package dev.sessionctl.dialect.postgresql;

import static dev.sessionctl.dialect.postgresql.PgTestSupport.alive;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.awaitSession;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.find;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.jdbc;
import static dev.sessionctl.dialect.postgresql.PgTestSupport.pid;
import static org.assertj.core.api.Assertions.assertThat;

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
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may end whom on PostgreSQL, on a real server: pg_signal_backend, the same-role rule,
 * superuser sessions, and sessions hidden from an account without pg_read_all_stats.
 */
class PostgresPrivilegeTest {

    /** Sees every session (pg_read_all_stats) but may not signal other roles; its name needs quoting. */
    private static final String WATCHER = "Watch Er";
    /** pg_read_all_stats and pg_signal_backend. */
    private static final String SIGNALLER = "signaller";
    /** No grants at all. */
    private static final String BLIND = "blind";
    /** The application's role, whose sessions get ended. */
    private static final String APP = "app_user";

    private static EmbeddedPostgresServer pg;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void startServerAndRoles() throws SQLException {
        pg = EmbeddedPostgresServer.start();
        PgTestSupport.exec(pg,
                "CREATE ROLE \"" + WATCHER + "\" LOGIN",
                "GRANT pg_read_all_stats TO \"" + WATCHER + "\"",
                "CREATE ROLE " + SIGNALLER + " LOGIN",
                "GRANT pg_read_all_stats, pg_signal_backend TO " + SIGNALLER,
                "CREATE ROLE " + BLIND + " LOGIN",
                "CREATE ROLE " + APP + " LOGIN");
    }

    @AfterAll
    static void stopServer() {
        if (pg != null) {
            pg.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private TargetConnection as(String user) {
        TargetConnection t = PgTestSupport.open(pg, user);
        cleanup.add(t);
        return t;
    }

    private Connection sessionOf(String user, String application) throws SQLException {
        Connection c = jdbc(pg, user, application);
        cleanup.add(c);
        return c;
    }

    private static SessionKiller killer(TargetConnection t) {
        return new SessionKiller(t, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
    }

    private static Session idle(TargetConnection t, int pid) {
        return awaitSession(t, pid, x -> x.state() == SessionState.IDLE, "idle");
    }

    @Test
    void withoutPgSignalBackendTheServerRefusesWithTheFixAndTheVictimSurvives() throws Exception {
        Connection victim = sessionOf(APP, "victim-app");
        int pid = pid(victim);
        TargetConnection watcher = as(WATCHER);
        // a cancel is only sent while a statement runs (an idle session has nothing to cancel)
        Thread sleeper = new Thread(() -> {
            try (java.sql.Statement st = victim.createStatement()) {
                st.execute("SELECT pg_sleep(5)");
            } catch (SQLException ignored) {
                // the connection is closed by cleanup
            }
        });
        sleeper.setDaemon(true);
        sleeper.start();
        Session busy = awaitSession(watcher, pid, x -> x.state() == SessionState.ACTIVE, "running pg_sleep");

        for (KillAction action : List.of(KillAction.CANCEL, KillAction.TERMINATE)) {
            KillResult r = killer(watcher).killOne(busy.key(), KillRequest.of(action));
            assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
            assertThat(r.errorCode()).isEqualTo("42501");
            assertThat(r.statement()).contains("pg_" + (action == KillAction.CANCEL ? "cancel" : "terminate") + "_backend");
            assertThat(r.fix()).contains("GRANT pg_signal_backend TO \"Watch Er\";").contains("same-role rule");
        }
        assertThat(alive(victim)).isTrue();
        assertThat(find(watcher.snapshot(), pid).orElseThrow().key()).isEqualTo(busy.key());
    }

    @Test
    void withPgSignalBackendAnotherRolesSessionCanBeEnded() throws Exception {
        Connection victim = sessionOf(APP, "victim-app");
        int pid = pid(victim);
        TargetConnection signaller = as(SIGNALLER);
        Session s = idle(signaller, pid);
        KillResult r = killer(signaller).killOne(s.key(), KillRequest.of(KillAction.TERMINATE).verify(true));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(find(signaller.snapshot(), pid)).isEmpty();
        assertThat(alive(victim)).isFalse();
    }

    @Test
    void aRoleMayEndItsOwnRolesSessionsWithoutAnyGrant() throws Exception {
        Connection victim = sessionOf(APP, "victim-app");
        int pid = pid(victim);
        TargetConnection self = as(APP);
        Session s = idle(self, pid);
        assertThat(s.key().incarnation()).matches("\\d+"); // its own role's sessions are fully visible
        KillResult r = killer(self).killOne(s.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
        assertThat(alive(victim)).isFalse();
    }

    @Test
    void onlyASuperuserMayEndASuperusersSession() throws Exception {
        Connection victim = sessionOf(pg.superuser(), "superuser-app");
        int pid = pid(victim);
        TargetConnection signaller = as(SIGNALLER);
        Session s = idle(signaller, pid);
        KillResult r = killer(signaller).killOne(s.key(), KillRequest.of(KillAction.TERMINATE));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
        assertThat(r.errorCode()).isEqualTo("42501");
        assertThat(r.fix()).contains("only a superuser").contains("postgres");
        assertThat(alive(victim)).isTrue();
    }

    @Test
    void sessionsHiddenFromTheAccountAreProtectedAndNeverSignalled() throws Exception {
        Connection victim = sessionOf(APP, "victim-app");
        int pid = pid(victim);
        TargetConnection blind = as(BLIND);
        Snapshot snap = blind.snapshot();
        Session hidden = find(snap, pid).orElseThrow();
        assertThat(hidden.key().incarnation()).isEqualTo(PostgresTarget.HIDDEN_INCARNATION);
        assertThat(hidden.user()).isEqualTo(APP);
        assertThat(hidden.sqlText()).isNull();
        assertThat(hidden.protectedReason()).contains("GRANT pg_read_all_stats TO blind;");
        assertThat(GuardChain.standard(ProtectionPolicy.none()).check(hidden, snap)).get()
                .extracting(GuardChain.Refusal::guard).isEqualTo("engine-protected");
        assertThat(snap.sessions()).filteredOn(x -> x.user() == null).extracting(Session::kind)
                .containsOnly(SessionKind.BACKGROUND);

        // even with the true key (read by a superuser), the blind account cannot check the identity: refused
        Session real = idle(as(pg.superuser()), pid);
        KillResult r = blind.execute(KillAction.TERMINATE, real, Duration.ofSeconds(2));
        assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
        assertThat(r.fix()).isEqualTo("GRANT pg_read_all_stats TO blind;");
        assertThat(alive(victim)).isTrue();
    }

    @Test
    void doctorNamesTheGrantForEachMissingPrivilege() {
        DoctorReport blind = as(BLIND).doctor();
        assertThat(blind.allOk()).isFalse();
        assertThat(item(blind, "see all sessions").status()).isEqualTo(DoctorReport.Status.MISSING);
        assertThat(item(blind, "see all sessions").fix()).startsWith("GRANT pg_read_all_stats TO blind;");
        assertThat(item(blind, "end other roles' sessions").status()).isEqualTo(DoctorReport.Status.MISSING);
        assertThat(item(blind, "end other roles' sessions").fix()).isEqualTo("GRANT pg_signal_backend TO blind;");
        assertThat(item(blind, "end own role's sessions").status()).isEqualTo(DoctorReport.Status.OK);
        assertThat(item(blind, "end own role's sessions").detail()).contains("same-role rule");
        assertThat(item(blind, "end superusers' sessions").status()).isEqualTo(DoctorReport.Status.WARN);

        DoctorReport watcher = as(WATCHER).doctor();
        assertThat(item(watcher, "see all sessions").status()).isEqualTo(DoctorReport.Status.OK);
        assertThat(item(watcher, "end other roles' sessions").fix()).isEqualTo("GRANT pg_signal_backend TO \"Watch Er\";");

        DoctorReport signaller = as(SIGNALLER).doctor();
        assertThat(item(signaller, "see all sessions").status()).isEqualTo(DoctorReport.Status.OK);
        assertThat(item(signaller, "end other roles' sessions").status()).isEqualTo(DoctorReport.Status.OK);
        assertThat(item(signaller, "end superusers' sessions").status()).isEqualTo(DoctorReport.Status.WARN);
    }

    private static DoctorReport.Item item(DoctorReport report, String name) {
        return report.checks().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }
}
