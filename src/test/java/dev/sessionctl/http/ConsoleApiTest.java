package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.target.TargetSpec;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API on a real embedded PostgreSQL: sign-in by connecting as the user, the session list and
 * blocking trees as each role sees them, kill and cancel through the guarded kill path, and every
 * authorization rule (other users' sessions, CSRF, rate limits, proxy trust, bad input).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleApiTest {

    static final String ADMIN_HASH = PasswordHasher.hash("dba-pw".toCharArray(), 20_000);

    PgFixture pg;
    ConsoleServer server;
    String base;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        pg = PgFixture.start();
        server = startServer(config(tmp.resolve("audit.jsonl"), Set.of(InetAddress.getByName("127.0.0.1"),
                InetAddress.getByName("::1")), 1000));
        base = server.url();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @AfterEach
    void closeSessions() {
        pg.closeSessions();
    }

    ServeConfig config(Path audit, Set<InetAddress> proxies, int perAddress) {
        return new ServeConfig("127.0.0.1", 0, null, Map.of("dba", ADMIN_HASH), proxies,
                proxies.isEmpty() ? null : "X-Forwarded-User", List.of("pg", "pg-other"), null, null, null, audit,
                Duration.ofMinutes(30), Duration.ofHours(12), perAddress, 3, Duration.ofMinutes(15));
    }

    ConsoleServer startServer(ServeConfig config) {
        Map<String, TargetSpec> targets = new LinkedHashMap<>();
        targets.put("pg", new TargetSpec("pg", pg.url(), "postgres", "", Map.of(),
                new ProtectionPolicy(List.of("carol"), List.of(), List.of())));
        targets.put("pg-other", new TargetSpec("pg-other", pg.url(), "postgres", "", Map.of(), ProtectionPolicy.none()));
        return ConsoleServer.start(config, targets, DialectRegistry.load()::connect);
    }

    static String read(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    ApiClient alice() {
        ApiClient c = new ApiClient(base);
        assertThat(c.loginDatabase("pg", "alice", "alice-pw").status()).isEqualTo(200);
        return c;
    }

    ApiClient admin() {
        ApiClient c = new ApiClient(base);
        assertThat(c.loginAdmin("dba", "dba-pw").status()).isEqualTo(200);
        return c;
    }

    static String key(ApiClient c, String app) {
        JsonNode sessions = c.get("/api/targets/pg/sessions?app=" + app).json().get("sessions");
        assertThat(sessions).as("sessions of application " + app).hasSize(1);
        return sessions.get(0).get("key").asText();
    }

    static Set<String> users(JsonNode sessions) {
        Set<String> out = new HashSet<>();
        sessions.forEach(s -> out.add(s.get("user").asText()));
        return out;
    }

    /** bob holds a row lock, idle in transaction, with a recognisable statement; alice waits behind him. */
    Connection[] bobBlocksAlice() throws Exception {
        Connection bob = pg.session("bob", "bob-holder");
        bob.setAutoCommit(false);
        try (Statement st = bob.createStatement()) {
            st.execute("update accounts set balance = balance - 1 where id = 1 /* bob-secret-sql */");
        }
        Connection alice = pg.session("alice", "alice-waiter");
        CompletableFuture.runAsync(() -> {
            try (Statement st = alice.createStatement()) {
                st.execute("update accounts set balance = balance + 1 where id = 1 /* alice-update */");
            } catch (SQLException ignored) {
                // ends when bob's session is ended or the test closes it
            }
        });
        awaitBlocked();
        return new Connection[] {bob, alice};
    }

    void awaitBlocked() throws Exception {
        ApiClient a = admin();
        for (int i = 0; i < 100; i++) {
            if (a.get("/api/targets/pg/blockers").json().get("roots").size() > 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no blocking tree appeared");
    }

    // ---- sign-in --------------------------------------------------------------------------------

    @Test
    void selfServiceSignInChecksTheDatabasePasswordAndKeepsOnlyTheUserName() throws Exception {
        ApiClient c = new ApiClient(base);
        ApiClient.Response bad = c.loginDatabase("pg", "alice", "not-her-password");
        assertThat(bad.status()).isEqualTo(401);
        assertThat(bad.errorCode()).isEqualTo("login-failed");
        assertThat(bad.text()).doesNotContain("not-her-password");

        ApiClient.Response ok = c.loginDatabase("pg", "alice", "alice-pw");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("user").asText()).isEqualTo("alice");
        assertThat(ok.json().get("role").asText()).isEqualTo("self-service");
        assertThat(ok.json().get("target").asText()).isEqualTo("pg");
        String cookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("sessionctl_sid=").contains("HttpOnly").contains("SameSite=Strict")
                .doesNotContain("Secure"); // no TLS here
        ApiClient.Response me = c.get("/api/me");
        assertThat(me.json().get("csrfToken").asText()).isEqualTo(c.csrf);
        assertThat(me.text()).doesNotContain("alice-pw");
        // the password never reaches the audit either
        assertThat(read(server.accessFile())).contains("\"login\"").contains("\"login-failed\"")
                .doesNotContain("alice-pw").doesNotContain("not-her-password");
        assertThat(read(server.auditFile())).doesNotContain("alice-pw");
    }

    @Test
    void unknownAdminAndWrongAdminPasswordAreRefusedAlike() {
        ApiClient c = new ApiClient(base);
        ApiClient.Response wrong = c.loginAdmin("dba", "nope");
        ApiClient.Response unknown = c.loginAdmin("nobody", "nope");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(wrong.errorMessage()).isEqualTo(unknown.errorMessage());
        assertThat(c.get("/api/targets").status()).isEqualTo(401);
    }

    @Test
    void loginRateLimitPerUserKicksInEvenForTheRightPassword() {
        ApiClient c = new ApiClient(base);
        for (int i = 0; i < 3; i++) {
            assertThat(c.loginDatabase("pg", "carol", "wrong-" + i).status()).isEqualTo(401);
        }
        ApiClient.Response limited = c.loginDatabase("pg", "carol", "carol-pw");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.errorCode()).isEqualTo("too-many-attempts");
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        assertThat(limited.errorMessage()).contains("try again in");
    }

    @Test
    void loginRateLimitPerAddress(@TempDir Path dir) throws Exception {
        try (ConsoleServer strict = startServer(config(dir.resolve("a.jsonl"), Set.of(), 2))) {
            ApiClient c = new ApiClient(strict.url());
            assertThat(c.loginAdmin("x1", "bad").status()).isEqualTo(401);
            assertThat(c.loginAdmin("x2", "bad").status()).isEqualTo(401);
            assertThat(c.loginAdmin("dba", "dba-pw").status()).as("third user, same address").isEqualTo(429);
        }
    }

    @Test
    void proxyIdentityHeaderIsHonouredOnlyFromATrustedAddress(@TempDir Path dir) throws Exception {
        ApiClient viaProxy = new ApiClient(base); // this server trusts 127.0.0.1
        ApiClient.Response me = viaProxy.get("/api/me", Map.of("x-forwarded-user", "ops-lead",
                "X-Forwarded-For", "198.51.100.1, 203.0.113.9"));
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("user").asText()).isEqualTo("ops-lead");
        assertThat(me.json().get("role").asText()).isEqualTo("admin");
        assertThat(me.json().get("via").asText()).isEqualTo("proxy");
        // the audit records the client the proxy vouches for (the last X-Forwarded-For hop), not the proxy
        assertThat(read(server.accessFile()).lines().filter(l -> l.contains("ops-lead")))
                .anySatisfy(l -> assertThat(l).contains("\"address\":\"203.0.113.9\""));
        // a client without a cookie jar behind the proxy reuses that session: one sign-in record, same token
        ApiClient noCookies = new ApiClient(base, java.net.http.HttpClient.newHttpClient());
        for (int i = 0; i < 3; i++) {
            assertThat(noCookies.get("/api/me", Map.of("X-Forwarded-User", "ops-lead")).json().get("csrfToken").asText())
                    .isEqualTo(me.json().get("csrfToken").asText());
        }
        assertThat(read(server.accessFile()).lines().filter(l -> l.contains("\"ops-lead\"") && l.contains("\"login\"")))
                .hasSize(1);
        // a POST still needs the CSRF token that /api/me handed out
        assertThat(viaProxy.post("/api/logout", "{}", Map.of("X-Forwarded-User", "ops-lead")).status()).isEqualTo(403);
        assertThat(viaProxy.post("/api/logout", "{}", Map.of("X-Forwarded-User", "ops-lead",
                "X-CSRF-Token", me.json().get("csrfToken").asText())).status()).isEqualTo(200);

        try (ConsoleServer untrusting = startServer(config(dir.resolve("a.jsonl"),
                Set.of(InetAddress.getByName("192.0.2.10")), 1000))) {
            ApiClient direct = new ApiClient(untrusting.url());
            ApiClient.Response r = direct.get("/api/targets", Map.of("x-forwarded-user", "ops-lead"));
            assertThat(r.status()).as("header from an untrusted peer is ignored").isEqualTo(401);
        }
    }

    // ---- what each role sees ---------------------------------------------------------------------

    @Test
    void selfServiceUserSeesOnlyTheirOwnSessionsAndNeverAnotherUsersSql() throws Exception {
        bobBlocksAlice();
        pg.session("alice", "alice-idle");
        ApiClient alice = alice();

        ApiClient.Response list = alice.get("/api/targets/pg/sessions");
        assertThat(list.status()).isEqualTo(200);
        assertThat(users(list.json().get("sessions"))).containsExactly("alice");
        assertThat(list.json().get("sessions").size()).isGreaterThanOrEqualTo(2);
        assertThat(list.text()).doesNotContain("bob-secret-sql").doesNotContain("bob-holder");
        // even when asking for bob's sessions explicitly
        assertThat(alice.get("/api/targets/pg/sessions?user=bob").json().get("sessions")).isEmpty();
        assertThat(alice.get("/api/targets/pg/sessions?all=true").text()).doesNotContain("bob-secret-sql");

        // the blocking tree shows that bob blocks her, but not what bob runs
        ApiClient.Response tree = alice.get("/api/targets/pg/blockers");
        assertThat(tree.status()).isEqualTo(200);
        JsonNode root = tree.json().get("roots").get(0);
        assertThat(root.get("session").get("user").asText()).isEqualTo("bob");
        assertThat(root.get("session").get("sqlText").isNull()).isTrue();
        assertThat(root.get("waiters").get(0).get("session").get("user").asText()).isEqualTo("alice");
        assertThat(tree.text()).doesNotContain("bob-secret-sql").contains("alice-update");
        // and bob's session cannot be read directly either
        String bobKey = root.get("key").asText();
        assertThat(alice.get("/api/targets/pg/sessions/" + bobKey).status()).isEqualTo(404);
        assertThat(alice.get("/api/targets/pg/sessions/" + bobKey + "/explain").status()).isEqualTo(404);

        // the administrator sees everything
        ApiClient admin = admin();
        assertThat(users(admin.get("/api/targets/pg/sessions").json().get("sessions"))).contains("alice", "bob");
        assertThat(admin.get("/api/targets/pg/blockers").text()).contains("bob-secret-sql");
        assertThat(admin.get("/api/targets/pg/sessions/" + bobKey).json().get("session").get("sqlText").asText())
                .contains("bob-secret-sql");
    }

    @Test
    void selfServiceUserIsLimitedToTheTargetTheySignedInTo() {
        ApiClient alice = alice();
        ApiClient.Response other = alice.get("/api/targets/pg-other/sessions");
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.errorMessage()).contains("'pg'").contains("'pg-other'");
        JsonNode targets = alice.get("/api/targets").json().get("targets");
        assertThat(targets).hasSize(1);
        assertThat(targets.get(0).get("name").asText()).isEqualTo("pg");
        assertThat(targets.get(0).has("url")).as("self-service does not see the DBA connection").isFalse();
        assertThat(admin().get("/api/targets").json().get("targets")).hasSize(2);
    }

    // ---- kill and cancel --------------------------------------------------------------------------

    @Test
    void userACannotEndUserBsSessionEvenWithACraftedRequest() throws Exception {
        Connection bob = pg.session("bob", "bob-victim");
        int bobPid = pg.pid(bob);
        ApiClient admin = admin();
        String bobKey = key(admin, "bob-victim");
        ApiClient alice = alice();

        for (String action : List.of("terminate", "cancel")) {
            ApiClient.Response r = alice.post("/api/targets/pg/sessions/" + bobKey + "/kill",
                    "{\"action\":\"" + action + "\",\"reason\":\"crafted\"}");
            assertThat(r.status()).as(action).isEqualTo(403);
            assertThat(r.errorCode()).isEqualTo("forbidden");
            assertThat(r.errorMessage()).contains("alice").contains("Nothing was done");
        }
        // a dry run of someone else's session is refused too, and reveals nothing
        ApiClient.Response preview = alice.get("/api/targets/pg/sessions/" + bobKey + "/preview?action=terminate");
        assertThat(preview.status()).isIn(403, 404);
        assertThat(preview.text()).doesNotContain("pg_terminate_backend");
        // an administrator-only action is refused as bad input before any lookup
        assertThat(alice.post("/api/targets/pg/sessions/" + bobKey + "/kill", "{\"action\":\"disconnect-immediate\"}")
                .status()).isEqualTo(400);
        // the same key through the other target's URL: not her target
        assertThat(alice.post("/api/targets/pg-other/sessions/" + bobKey + "/kill", "{}").status()).isEqualTo(403);

        assertThat(pg.alive(bobPid)).isTrue();
        assertThat(bob.isValid(2)).isTrue();
        assertThat(read(server.accessFile())).contains("\"kill-refused\"");
        assertThat(read(server.auditFile()).lines().filter(l -> l.contains("\"intent\"") && l.contains(bobKey))).isEmpty();
    }

    @Test
    void missingOrWrongCsrfTokenIsRefusedAndNothingIsKilled() throws Exception {
        Connection mine = pg.session("alice", "alice-csrf");
        int pid = pg.pid(mine);
        ApiClient alice = alice();
        String k = key(alice, "alice-csrf");
        String path = "/api/targets/pg/sessions/" + k + "/kill";

        ApiClient.Response none = alice.post(path, "{\"action\":\"terminate\"}", Map.of());
        assertThat(none.status()).isEqualTo(403);
        assertThat(none.errorCode()).isEqualTo("csrf");
        assertThat(none.errorMessage()).contains("X-CSRF-Token");
        ApiClient.Response wrong = alice.post(path, "{\"action\":\"terminate\"}", Map.of("X-CSRF-Token", "forged"));
        assertThat(wrong.status()).isEqualTo(403);
        // another user's valid token is not this session's token
        ApiClient other = admin();
        assertThat(alice.post(path, "{}", Map.of("X-CSRF-Token", other.csrf)).status()).isEqualTo(403);
        // a form post (not JSON) is refused before the CSRF check could matter
        assertThat(alice.post(path, "{}", Map.of("X-CSRF-Token", alice.csrf, "Content-Type", "text/plain")).status())
                .isIn(403, 415);
        // sign-out needs the token too
        assertThat(alice.post("/api/logout", "{}", Map.of()).status()).isEqualTo(403);

        assertThat(pg.alive(pid)).isTrue();
        assertThat(mine.isValid(2)).isTrue();
    }

    @Test
    void selfServiceUserPreviewsThenEndsTheirOwnSession() throws Exception {
        Connection mine = pg.session("alice", "alice-mine");
        mine.setAutoCommit(false);
        try (Statement st = mine.createStatement()) {
            st.execute("update accounts set balance = balance where id = 5");
        }
        int pid = pg.pid(mine);
        ApiClient alice = alice();
        String k = key(alice, "alice-mine");

        ApiClient.Response preview = alice.get("/api/targets/pg/sessions/" + k + "/preview?action=terminate");
        assertThat(preview.status()).isEqualTo(200);
        assertThat(preview.json().get("allowed").asBoolean()).isTrue();
        assertThat(preview.json().get("statement").asText()).contains("pg_terminate_backend");
        assertThat(preview.json().get("transactionAgeSeconds").isNumber()).isTrue();
        assertThat(preview.json().get("rollbackEstimate").asText()).contains("PostgreSQL");
        assertThat(preview.json().get("supportedActions").toString()).contains("terminate").contains("cancel")
                .doesNotContain("disconnect");
        assertThat(pg.alive(pid)).as("a preview ends nothing").isTrue();

        ApiClient.Response r = alice.post("/api/targets/pg/sessions/" + k + "/kill",
                "{\"action\":\"terminate\",\"reason\":\"my runaway\",\"verify\":true}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode result = r.json().get("result");
        assertThat(result.get("outcome").asText()).isEqualTo("terminated");
        assertThat(result.get("succeeded").asBoolean()).isTrue();
        assertThat(result.get("statement").asText()).contains("pg_terminate_backend");
        assertThat(result.get("checks").toString()).contains("session-gone");
        assertThat(pg.alive(pid)).isFalse();
        assertThat(alice.get("/api/targets/pg/sessions?app=alice-mine").json().get("sessions")).isEmpty();

        // audited in the shared trail with the signed-in user, before (intent) and after (outcome)
        JsonNode records = alice.get("/api/audit?limit=50").json().get("records");
        List<JsonNode> actions = new ArrayList<>();
        for (JsonNode rec : records) {
            if (rec.get("event").asText().equals("action") && rec.path("intent").path("session").path("key").asText().equals(k)) {
                actions.add(rec);
            }
        }
        assertThat(actions).hasSize(1);
        JsonNode intent = actions.get(0).get("intent");
        assertThat(intent.get("actor").get("osUser").asText()).isEqualTo("alice");
        assertThat(intent.get("actor").get("host").asText()).isNotBlank();
        assertThat(intent.get("actor").get("via").asText()).isEqualTo("console self-service@pg (database sign-in)");
        assertThat(intent.get("origin").asText()).isEqualTo("http");
        assertThat(intent.get("reason").asText()).contains("my runaway");
        assertThat(actions.get(0).get("outcome").get("outcome").asText()).isEqualTo("terminated");
        assertThat(actions.get(0).get("status").asText()).startsWith("terminated");
        // her audit view holds only her own records (actions and sign-ins)
        for (JsonNode rec : records) {
            String who = rec.get("event").asText().equals("action")
                    ? rec.path("intent").path("actor").path("osUser").asText() : rec.path("actor").path("user").asText();
            assertThat(who).as(rec.toString()).isEqualTo("alice");
        }
    }

    @Test
    void cancelStopsTheStatementAndKeepsTheSession() throws Exception {
        Connection mine = pg.session("alice", "alice-sleeper");
        int pid = pg.pid(mine);
        CompletableFuture<Throwable> running = CompletableFuture.supplyAsync(() -> {
            try (Statement st = mine.createStatement()) {
                st.execute("select pg_sleep(30) /* alice-long */");
                return null;
            } catch (SQLException e) {
                return e;
            }
        });
        ApiClient alice = alice();
        String k = null;
        for (int i = 0; i < 100 && k == null; i++) {
            JsonNode s = alice.get("/api/targets/pg/sessions?app=alice-sleeper&state=active").json().get("sessions");
            k = s.size() == 1 ? s.get(0).get("key").asText() : null;
            Thread.sleep(50);
        }
        assertThat(k).as("the sleeping statement shows as active").isNotNull();
        ApiClient.Response r = alice.post("/api/targets/pg/sessions/" + k + "/kill", "{\"action\":\"cancel\",\"verify\":true}");
        assertThat(r.json().get("result").get("outcome").asText()).isEqualTo("cancelled");
        Throwable t = running.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(t).isInstanceOf(SQLException.class);
        assertThat(((SQLException) t).getSQLState()).isEqualTo("57014"); // query_canceled
        assertThat(pg.alive(pid)).isTrue();
    }

    @Test
    void adminEndsTheRootBlockerAndTheWaiterMovesOn() throws Exception {
        Connection[] pair = bobBlocksAlice();
        int bobPid = pg.pid(pair[0]);
        ApiClient admin = admin();
        JsonNode tree = admin.get("/api/targets/pg/blockers").json();
        JsonNode root = tree.get("roots").get(0);
        assertThat(root.get("idleInTransaction").asBoolean()).isTrue();
        String bobKey = root.get("key").asText();

        JsonNode explain = admin.get("/api/targets/pg/sessions/" + bobKey + "/explain").json();
        assertThat(explain.get("key").asText()).isEqualTo(bobKey);
        assertThat(explain.get("next").get("action").asText()).isEqualTo("terminate");
        assertThat(explain.get("next").get("command").asText()).contains("kill " + bobKey);
        assertThat(explain.get("blocked")).hasSize(1);
        assertThat(explain.get("findings").toString()).contains("idle-in-transaction");
        assertThat(explain.get("rollbackEstimate").asText()).contains("PostgreSQL");
        assertThat(admin.get("/api/targets/pg/sessions/" + bobKey + "/explain?sample=1m").status()).isEqualTo(400);

        ApiClient.Response r = admin.post("/api/targets/pg/sessions/" + bobKey + "/kill",
                "{\"action\":\"terminate\",\"verify\":true,\"reason\":\"blocks alice\"}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode result = r.json().get("result");
        assertThat(result.get("outcome").asText()).isEqualTo("terminated");
        assertThat(result.get("checks").toString()).contains("waiters-released");
        assertThat(pg.alive(bobPid)).isFalse();
        assertThat(admin.get("/api/targets/pg/blockers").json().get("roots")).isEmpty();
        assertThat(read(server.auditFile()).lines().filter(l -> l.contains("\"phase\":\"intent\"") && l.contains(bobKey)))
                .singleElement().asString().contains("\"osUser\":\"dba\"").contains("console admin (password)")
                .contains("blocks alice");
    }

    @Test
    void protectedSessionsAreRefusedByTheGuardForEveryone() throws Exception {
        Connection carol = pg.session("carol", "carol-protected");
        int pid = pg.pid(carol);
        ApiClient admin = admin();
        JsonNode s = admin.get("/api/targets/pg/sessions?user=carol").json().get("sessions").get(0);
        assertThat(s.get("protected").asBoolean()).isTrue();
        ApiClient.Response r = admin.post("/api/targets/pg/sessions/" + s.get("key").asText() + "/kill", "{}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("result").get("outcome").asText()).isEqualTo("refused-by-guard");
        assertThat(r.json().get("result").get("guard").asText()).isEqualTo("protected-user");
        assertThat(pg.alive(pid)).isTrue();
    }

    @Test
    void aKillThatCannotBeAuditedIsNotDone(@TempDir Path dir) throws Exception {
        Path notAFile = Files.createDirectories(dir.resolve("audit.jsonl")); // the trail cannot be appended to
        try (ConsoleServer broken = startServer(config(notAFile, Set.of(), 1000))) {
            Connection mine = pg.session("alice", "alice-unaudited");
            int pid = pg.pid(mine);
            ApiClient c = new ApiClient(broken.url());
            assertThat(c.loginDatabase("pg", "alice", "alice-pw").status()).isEqualTo(200);
            String k = key(c, "alice-unaudited");
            ApiClient.Response r = c.post("/api/targets/pg/sessions/" + k + "/kill", "{\"action\":\"terminate\"}");
            assertThat(r.json().get("result").get("outcome").asText()).isEqualTo("failed");
            assertThat(r.json().get("result").get("message").asText()).contains("intent could not be recorded");
            assertThat(pg.alive(pid)).isTrue();
            assertThat(mine.isValid(2)).isTrue();
        }
    }

    @Test
    void staleKeyIsRefusedAsIdentityChangedOrGone() throws Exception {
        Connection mine = pg.session("alice", "alice-stale");
        ApiClient alice = alice();
        String k = key(alice, "alice-stale");
        String[] parts = k.split(",");
        String stale = parts[0] + "," + (Long.parseLong(parts[1]) - 1);
        ApiClient.Response r = alice.post("/api/targets/pg/sessions/" + stale + "/kill", "{}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("result").get("outcome").asText()).isEqualTo("identity-changed");
        assertThat(mine.isValid(2)).isTrue();
    }

    // ---- bad input ---------------------------------------------------------------------------------

    @Test
    void badInputGets400NamingTheValueAndTheExpectedForm() throws Exception {
        Connection mine = pg.session("alice", "alice-bad-input");
        int pid = pg.pid(mine);
        ApiClient alice = alice();
        String k = key(alice, "alice-bad-input");

        ApiClient.Response badKey = alice.post("/api/targets/pg/sessions/abc/kill", "{}");
        assertThat(badKey.status()).isEqualTo(400);
        assertThat(badKey.errorCode()).isEqualTo("bad-request");
        assertThat(badKey.errorMessage()).contains("'abc'").contains("ID,INCARNATION");

        ApiClient.Response badDuration = alice.get("/api/targets/pg/sessions?min-idle=soon");
        assertThat(badDuration.status()).isEqualTo(400);
        assertThat(badDuration.errorMessage()).contains("min-idle").contains("'soon'").contains("5m");

        ApiClient.Response badParam = alice.get("/api/targets/pg/sessions?usr=alice");
        assertThat(badParam.status()).isEqualTo(400);
        assertThat(badParam.errorMessage()).contains("'usr'").contains("min-idle");

        assertThat(alice.get("/api/targets/pg/sessions?state=sleepy").errorMessage()).contains("'sleepy'");
        assertThat(alice.get("/api/targets/pg/sessions?sql=(unclosed").errorMessage()).contains("'(unclosed'");

        ApiClient.Response badAction = alice.post("/api/targets/pg/sessions/" + k + "/kill", "{\"action\":\"obliterate\"}");
        assertThat(badAction.status()).isEqualTo(400);
        assertThat(badAction.errorMessage()).contains("'obliterate'").contains("terminate");

        assertThat(alice.post("/api/targets/pg/sessions/" + k + "/kill", "not json").errorMessage())
                .contains("not valid JSON");
        assertThat(alice.post("/api/targets/pg/sessions/" + k + "/kill", "{\"force\":true}").errorMessage())
                .contains("'force'");
        assertThat(alice.post("/api/targets/pg/sessions/" + k + "/kill", "{\"verify\":\"yes\"}").errorMessage())
                .contains("'verify'").contains("true or false");
        assertThat(alice.get("/api/audit?limit=lots").errorMessage()).contains("'lots'");
        assertThat(alice.get("/api/audit?event=everything").errorMessage()).contains("'everything'").contains("action");
        assertThat(alice.get("/api/targets/pg/sessions/" + k + "/explain?sample=soon").errorMessage()).contains("'soon'");

        ApiClient.Response unknownTarget = alice.get("/api/targets/nope/sessions");
        assertThat(unknownTarget.status()).isEqualTo(404);
        assertThat(unknownTarget.errorMessage()).contains("'nope'").contains("pg");

        ApiClient.Response noRoute = alice.get("/api/nothing-here");
        assertThat(noRoute.status()).isEqualTo(404);
        assertThat(noRoute.errorCode()).isEqualTo("no-such-route");

        ApiClient.Response badLogin = new ApiClient(base).post("/api/login", "{\"mode\":\"root\"}", Map.of());
        assertThat(badLogin.status()).isEqualTo(400);
        assertThat(badLogin.errorMessage()).contains("'root'").contains("database");
        ApiClient.Response noMode = new ApiClient(base).post("/api/login", "{\"username\":\"dba\",\"password\":\"x\"}", Map.of());
        assertThat(noMode.status()).isEqualTo(400);
        assertThat(noMode.errorMessage()).startsWith("missing field 'mode'").doesNotContain("null");

        // nothing was killed by any of it
        assertThat(pg.alive(pid)).isTrue();
        assertThat(mine.isValid(2)).isTrue();
    }

    @Test
    void errorsAlwaysHaveTheOneShape() {
        for (ApiClient.Response r : List.of(new ApiClient(base).get("/api/targets"),
                new ApiClient(base).post("/api/login", "[]", Map.of()),
                new ApiClient(base).get("/api/nope"),
                new ApiClient(base).post("/api/targets", "{}", Map.of()))) {
            assertThat(r.json().has("error")).as(r.text()).isTrue();
            assertThat(r.json().get("error").get("code").isTextual()).isTrue();
            assertThat(r.json().get("error").get("message").asText()).isNotBlank();
            assertThat(r.json().size()).isEqualTo(1);
        }
        assertThat(new ApiClient(base).post("/api/targets", "{}", Map.of()).errorCode()).isEqualTo("method-not-allowed");
    }

    @Test
    void adminAuditViewShowsEveryonesActionsWithTheirUser() throws Exception {
        Connection mine = pg.session("alice", "alice-audited");
        ApiClient alice = alice();
        String k = key(alice, "alice-audited");
        assertThat(alice.post("/api/targets/pg/sessions/" + k + "/kill", "{}").status()).isEqualTo(200);
        JsonNode records = admin().get("/api/audit?event=action&limit=500").json().get("records");
        assertThat(records.size()).isGreaterThan(0);
        boolean found = false;
        for (JsonNode r : records) {
            assertThat(r.get("event").asText()).isEqualTo("action");
            if (r.path("intent").path("session").path("key").asText().equals(k)) {
                found = true;
                assertThat(r.get("intent").get("actor").get("osUser").asText()).isEqualTo("alice");
                assertThat(r.get("intent").get("statement").asText()).contains("pg_terminate_backend");
            }
        }
        assertThat(found).isTrue();
        assertThat(mine.isValid(1)).isFalse();
        assertThat(admin().get("/api/audit?event=login&user=alice").json().get("records").get(0).get("event").asText())
                .isEqualTo("login");

        // the CLI reads the same trail: `sessionctl audit --user alice -o json`
        java.io.StringWriter out = new java.io.StringWriter();
        int code = dev.sessionctl.cli.Main.execute(new String[] {"audit", "--audit-file", server.auditFile().toString(),
                "--user", "alice", "-o", "json"}, new java.io.PrintWriter(out), new java.io.PrintWriter(new java.io.StringWriter()));
        assertThat(code).isZero();
        assertThat(out.toString()).contains(k).contains("console self-service@pg");
    }

    // ---- the API description -----------------------------------------------------------------------

    @Test
    void openApiDocumentListsEveryRouteAndNothingElse() {
        ApiClient.Response r = new ApiClient(base).get("/api/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        JsonNode doc = r.json();
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        Set<String> documented = new HashSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(method -> {
            documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + p.getKey());
            JsonNode op = p.getValue().get(method);
            assertThat(op.get("responses").has("200")).as(method + " " + p.getKey()).isTrue();
            assertThat(op.get("summary").asText()).isNotBlank();
        }));
        Set<String> served = new HashSet<>();
        for (ConsoleServer.Route route : server.routes()) {
            served.add(route.method().name() + " " + route.path());
            if (route.access() == ConsoleServer.Access.PUBLIC) {
                String m = route.method().name().toLowerCase(java.util.Locale.ROOT);
                assertThat(doc.get("paths").get(route.path()).get(m).get("security")).as(route.path()).isEmpty();
            }
        }
        assertThat(documented).isEqualTo(served);
        // every $ref resolves
        String text = r.text();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"#/components/(schemas|responses)/(\\w+)\"").matcher(text);
        while (m.find()) {
            assertThat(doc.get("components").get(m.group(1)).has(m.group(2))).as(m.group()).isTrue();
        }
    }

    @Test
    void consoleIsServedWithSecurityHeaders() {
        ApiClient.Response page = new ApiClient(base).get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.text()).contains("<title>sessionctl</title>").doesNotContain("http://").doesNotContain("https://");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'self'");
        assertThat(page.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(new ApiClient(base).get("/app.js").text()).contains("X-CSRF-Token");
        assertThat(new ApiClient(base).get("/api/login/options").json().get("selfServiceTargets").toString())
                .contains("pg");
    }
}
