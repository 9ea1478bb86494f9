package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.embedded.EmbeddedMariaDbServer;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.target.TargetSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-service on a real embedded MariaDB (the MySQL family): sign-in by connecting as the user,
 * only that user's threads listed, another user's thread refused with 403, one's own ended with KILL
 * over the server's root connection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleMariaDbTest {

    EmbeddedMariaDbServer db;
    ConsoleServer server;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        db = EmbeddedMariaDbServer.start();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement st = c.createStatement()) {
            for (String u : new String[] {"alice", "bob"}) {
                st.execute("CREATE USER '" + u + "'@'127.0.0.1' IDENTIFIED BY '" + u + "-pw'");
                st.execute("GRANT SELECT ON sessionctl.* TO '" + u + "'@'127.0.0.1'");
            }
        }
        ServeConfig config = new ServeConfig("127.0.0.1", 0, null, Map.of(), Set.of(), null, null, null, null, null,
                dir.resolve("audit.jsonl"), Duration.ofMinutes(30), Duration.ofHours(12), 100, 5, Duration.ofMinutes(15));
        server = ConsoleServer.start(config, Map.of("maria", new TargetSpec("maria", db.jdbcUrl(), db.user(),
                db.password(), Map.of(), ProtectionPolicy.none())), DialectRegistry.load()::connect);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (db != null) {
            db.close();
        }
    }

    Connection connect(String user) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), user, user + "-pw");
    }

    static long threadId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aliceSeesAndEndsOnlyAlicesThreads() throws Exception {
        try (Connection mine = connect("alice"); Connection bobs = connect("bob")) {
            long mineId = threadId(mine);
            long bobId = threadId(bobs);
            ApiClient c = new ApiClient(server.url());
            assertThat(c.loginDatabase("maria", "alice", "nope").status()).isEqualTo(401);
            ApiClient.Response login = c.loginDatabase("maria", "alice", "alice-pw");
            assertThat(login.status()).as(login.text()).isEqualTo(200);
            assertThat(login.json().get("user").asText()).isEqualTo("alice");

            JsonNode sessions = c.get("/api/targets/maria/sessions").json().get("sessions");
            Set<String> users = new HashSet<>();
            String mineKey = null;
            for (JsonNode s : sessions) {
                users.add(s.get("user").asText());
                if (s.get("sessionId").asLong() == mineId) {
                    mineKey = s.get("key").asText();
                }
            }
            assertThat(users).containsExactly("alice");
            assertThat(mineKey).isNotNull();

            ApiClient admin = new ApiClient(server.url());
            // no admins configured here: find bob's key the way a crafted request would, by its thread id
            String bobKey = bobId + "," + mineKey.split(",", 2)[1];
            ApiClient.Response foreign = c.post("/api/targets/maria/sessions/" + bobKey + "/kill", "{}");
            assertThat(foreign.status()).isEqualTo(403);
            assertThat(bobs.isValid(2)).isTrue();
            assertThat(admin.get("/api/targets/maria/sessions").status()).isEqualTo(401);

            ApiClient.Response own = c.post("/api/targets/maria/sessions/" + mineKey + "/kill",
                    "{\"action\":\"terminate\",\"verify\":true}");
            assertThat(own.status()).isEqualTo(200);
            assertThat(own.json().get("result").get("outcome").asText()).as(own.text()).isEqualTo("terminated");
            assertThat(own.json().get("result").get("statement").asText()).containsIgnoringCase("KILL");
            assertThat(mine.isValid(2)).isFalse();
            assertThat(bobs.isValid(2)).isTrue();
        }
    }
}
