package dev.sessionctl.dialect.oracle;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The simulator's scenarios against a REAL Oracle Database Free (container image gvenzl/oracle-free),
 * with plain JDBC and the docker CLI. Tagged "docker" (excluded by default): run with
 * {@code mvn test -Dtest=OracleFreeContainerTest -DexcludedTestGroups=}. Skipped, saying why, when no
 * Docker engine is reachable. Image override: {@code -Dsessionctl.oracleImage=...}.
 */
@Tag("docker")
@DisplayName("Oracle Free in Docker [integration]")
@EnabledIf(value = "dockerAvailable", disabledReason = "no Docker engine reachable (`docker info` failed):"
        + " Oracle Free integration tests skipped; the simulator tests cover the same scenarios")
class OracleFreeContainerTest {

    static final String IMAGE = System.getProperty("sessionctl.oracleImage", "gvenzl/oracle-free:23-slim-faststart");
    static final String PASSWORD = "Sctl" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    static String containerId;
    static String url;

    /** A Docker engine answers: `docker info` succeeds (a socket file alone is not enough). */
    static boolean dockerAvailable() {
        boolean available = run(Duration.ofSeconds(30), "docker", "info").exit == 0;
        if (!available) {
            System.out.println("OracleFreeContainerTest skipped: no Docker engine reachable (`docker info` failed"
                    + (Files.exists(Path.of("/var/run/docker.sock")) ? "" : ", no /var/run/docker.sock") + ")");
        }
        return available;
    }

    @BeforeAll
    static void startOracle() throws Exception {
        Result started = run(Duration.ofMinutes(15), "docker", "run", "-d", "--rm", "-P", "-e", "ORACLE_PASSWORD=" + PASSWORD, IMAGE);
        Assumptions.assumeTrue(started.exit == 0, "skipped: could not start " + IMAGE + ": " + started.out);
        containerId = started.out.trim();
        String port = run(Duration.ofSeconds(30), "docker", "port", containerId, "1521/tcp").out.trim().split("\n")[0];
        url = "jdbc:oracle:thin:@//127.0.0.1:" + port.substring(port.lastIndexOf(':') + 1) + "/FREEPDB1";
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (true) {
            try (Connection c = system()) {
                if (c.isValid(10)) {
                    break;
                }
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Oracle Free did not accept connections within 10 minutes", e);
                }
                Thread.sleep(3000);
            }
        }
        try (Connection c = system(); Statement st = c.createStatement()) {
            for (String sql : List.of(
                    "CREATE USER app IDENTIFIED BY \"" + PASSWORD + "\" QUOTA UNLIMITED ON users",
                    "GRANT CREATE SESSION, CREATE TABLE TO app",
                    "CREATE USER viewer IDENTIFIED BY \"" + PASSWORD + "\"",
                    "GRANT CREATE SESSION, SELECT_CATALOG_ROLE TO viewer",
                    "CREATE TABLE app.orders (id NUMBER PRIMARY KEY, status VARCHAR2(10))",
                    "INSERT INTO app.orders VALUES (1, 'NEW')",
                    "COMMIT")) {
                st.execute(sql);
            }
        }
    }

    @AfterAll
    static void stopOracle() throws Exception {
        if (containerId != null) {
            run(Duration.ofMinutes(2), "docker", "rm", "-f", containerId);
        }
    }

    record Result(int exit, String out) {
    }

    static Result run(Duration timeout, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    static Connection system() throws SQLException {
        return DriverManager.getConnection(url, "system", PASSWORD);
    }

    static Connection as(String user) throws SQLException {
        return DriverManager.getConnection(url, user, PASSWORD);
    }

    static OracleTarget target(Connection c) throws SQLException {
        return (OracleTarget) new OracleDialect().open(c,
                new TargetSpec("free", url, "system", null, Map.of("variant", "standard"), ProtectionPolicy.none()));
    }

    static long sidOf(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT SYS_CONTEXT('USERENV','SID') FROM DUAL")) {
            rs.next();
            return Long.parseLong(rs.getString(1));
        }
    }

    static SessionKiller killer(OracleTarget t) {
        return new SessionKiller(t, GuardChain.standard(ProtectionPolicy.none()), KillListener.NONE);
    }

    @Test
    @DisplayName("terminate an idle blocker: the waiter proceeds")
    void terminateBlocker() throws Exception {
        try (OracleTarget t = target(system()); Connection holder = as("app"); Connection waiter = as("app")) {
            holder.setAutoCommit(false);
            holder.createStatement().executeUpdate("UPDATE orders SET status = 'HELD' WHERE id = 1");
            waiter.setAutoCommit(false);
            CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(() -> {
                try (Statement st = waiter.createStatement()) {
                    return st.executeUpdate("UPDATE orders SET status = 'WAIT' WHERE id = 1");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            long holderSid = sidOf(holder);
            long waiterSid = sidOf(waiter);
            Session w = null;
            for (int i = 0; i < 100 && (w == null || w.blockedBy().isEmpty()); i++) {
                Thread.sleep(100);
                w = t.snapshot().find(new SessionRef(t.ownInstance(), waiterSid)).orElse(null);
            }
            assertThat(w).isNotNull();
            assertThat(w.blockedBy()).containsExactly(new SessionRef(t.ownInstance(), holderSid));
            Session h = t.snapshot().find(new SessionRef(t.ownInstance(), holderSid)).orElseThrow();
            assertThat(t.lockHolders("APP.ORDERS")).contains(h.ref());

            KillResult r = killer(t).killOne(h.key(), KillRequest.of(KillAction.TERMINATE_IMMEDIATE));
            assertThat(r.outcome()).isIn(KillOutcome.TERMINATED, KillOutcome.MARKED_FOR_KILL);
            assertThat(blocked.get(60, TimeUnit.SECONDS)).isEqualTo(1);
            waiter.rollback();
        }
    }

    @Test
    @DisplayName("unknown SID -> ORA-00030; wrong SERIAL# -> refused; own -> ORA-00027; background -> ORA-00029")
    void refusals() throws Exception {
        try (OracleTarget t = target(system()); Connection app = as("app")) {
            Snapshot snap = t.snapshot();
            KillResult unknown = t.execute(KillAction.TERMINATE,
                    Session.builder(new SessionKey("free", t.ownInstance(), 65000, "1")).build(), Duration.ofSeconds(10));
            assertThat(unknown.outcome()).isEqualTo(KillOutcome.ALREADY_GONE);
            assertThat(unknown.errorCode()).isEqualTo("ORA-00030");

            Session real = snap.find(new SessionRef(t.ownInstance(), sidOf(app))).orElseThrow();
            long wrongSerial = Long.parseLong(real.key().incarnation()) + 1;
            Session stale = Session.builder(new SessionKey("free", real.key().instance(), real.sessionId(),
                    Long.toString(wrongSerial))).build();
            KillResult wrong = t.execute(KillAction.TERMINATE, stale, Duration.ofSeconds(10));
            assertThat(wrong.outcome()).isEqualTo(KillOutcome.IDENTITY_CHANGED);
            assertThat(wrong.errorCode()).isEqualTo("ORA-00030");
            assertThat(app.isValid(5)).isTrue();

            Session own = snap.sessions().stream().filter(s -> snap.isOwn(s.ref())).findFirst().orElseThrow();
            assertThat(t.execute(KillAction.TERMINATE, own, Duration.ofSeconds(10)).errorCode()).isEqualTo("ORA-00027");

            Session bg = snap.sessions().stream().filter(s -> s.kind() == SessionKind.BACKGROUND).findFirst().orElseThrow();
            assertThat(t.execute(KillAction.TERMINATE, bg, Duration.ofSeconds(10)).errorCode()).isEqualTo("ORA-00029");
        }
    }

    @Test
    @DisplayName("no ALTER SYSTEM -> ORA-01031 with the fix")
    void withoutPrivilege() throws Exception {
        try (OracleTarget viewer = target(as("viewer")); Connection app = as("app")) {
            Session s = viewer.snapshot().find(new SessionRef(viewer.ownInstance(), sidOf(app))).orElseThrow();
            KillResult r = killer(viewer).killOne(s.key(), KillRequest.of(KillAction.TERMINATE));
            assertThat(r.outcome()).isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
            assertThat(r.errorCode()).isEqualTo("ORA-01031");
            assertThat(app.isValid(5)).isTrue();
        }
    }

    @Test
    @DisplayName("CANCEL SQL stops the statement (ORA-01013 in the victim), the session stays")
    void cancel() throws Exception {
        try (OracleTarget t = target(system()); Connection app = as("app")) {
            long sid = sidOf(app);
            CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> {
                try (Statement st = app.createStatement()) {
                    st.execute("BEGIN DBMS_SESSION.SLEEP(120); END;");
                    return 0;
                } catch (SQLException e) {
                    return e.getErrorCode();
                }
            });
            Session s = null;
            for (int i = 0; i < 100 && (s == null || s.sqlId() == null); i++) {
                Thread.sleep(100);
                s = t.snapshot().find(new SessionRef(t.ownInstance(), sid)).orElse(null);
            }
            KillResult r = killer(t).killOne(s.key(), KillRequest.of(KillAction.CANCEL));
            assertThat(r.outcome()).isEqualTo(KillOutcome.CANCELLED);
            assertThat(running.get(60, TimeUnit.SECONDS)).isEqualTo(OracleErrors.USER_REQUESTED_CANCEL);
            assertThat(app.isValid(5)).isTrue();
        }
    }
}
