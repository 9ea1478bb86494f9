package dev.sessionctl.hostaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.escalation.Ticker;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.KeySetPublickeyAuthenticator;
import org.apache.sshd.server.shell.ProcessShellFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSH host access against a real SSH server (Apache MINA SSHD started in the test, running
 * commands with /bin/sh like OpenSSH does) on this host: key-based login, host key checked
 * against known_hosts, process reading and signalling, and a real PostgreSQL backend ended by
 * SIGTERM over SSH.
 */
class SshHostAccessTest {

    @TempDir
    static Path dir;
    private static SshServer server;
    private static KeyPair hostKey;
    private static KeyPair clientKey;
    private static Path clientKeyFile;
    private static Path knownHosts;
    private static EmbeddedPostgres pg;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        hostKey = gen.generateKeyPair();
        clientKey = gen.generateKeyPair();
        clientKeyFile = dir.resolve("id_test");
        try (OutputStream out = Files.newOutputStream(clientKeyFile)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(clientKey, "sessionctl-test", null, out);
        }
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator(new KeySetPublickeyAuthenticator("test", List.of(clientKey.getPublic())));
        server.setPasswordAuthenticator(null);
        server.setCommandFactory((channel, command) ->
                new ProcessShellFactory("sh", "/bin/sh", "-c", command).createShell(channel));
        server.start();
        knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "[127.0.0.1]:" + server.getPort() + " " + PublicKeyEntry.toString(hostKey.getPublic()) + "\n");
        pg = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop(true);
        }
        if (pg != null) {
            pg.close();
        }
    }

    private static SshHostAccess ssh(Path known, Path key) {
        return new SshHostAccess(new SshHostAccess.Config("127.0.0.1", server.getPort(), System.getProperty("user.name"),
                List.of(key), known, null, Duration.ofSeconds(10)));
    }

    @Test
    void readsAProcessAndSignalsItOverSsh() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "120").start();
        try (SshHostAccess host = ssh(knownHosts, clientKeyFile)) {
            ProcessInfo remote = host.process(sleeper.pid()).orElseThrow();
            ProcessInfo local = new LocalHostAccess().process(sleeper.pid()).orElseThrow();
            assertThat(remote).isEqualTo(local);
            assertThat(remote.commandLine()).isEqualTo("sleep 120");
            assertThat(host.process(4_000_000_000L)).isEmpty();
            assertThat(host.uidOf(System.getProperty("user.name"))).contains(local.uid());

            host.signal(sleeper.pid(), Signal.TERM);
            assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sleeper.exitValue()).isEqualTo(128 + 15);
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void unknownHostKeyIsRejectedAndNothingRuns() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        Path otherKnown = dir.resolve("known_hosts_other");
        Files.writeString(otherKnown, "[127.0.0.1]:" + server.getPort() + " "
                + PublicKeyEntry.toString(gen.generateKeyPair().getPublic()) + "\n");
        Process sleeper = new ProcessBuilder("sleep", "120").start();
        try (SshHostAccess host = ssh(otherKnown, clientKeyFile)) {
            assertThatThrownBy(() -> host.signal(sleeper.pid(), Signal.TERM)).isInstanceOf(HostAccessException.class)
                    .hasMessageContaining("SSH to").hasMessageContaining("known_hosts");
            assertThat(sleeper.isAlive()).isTrue();
        } finally {
            sleeper.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        Path empty = dir.resolve("known_hosts_empty");
        Files.writeString(empty, "");
        try (SshHostAccess host = ssh(empty, clientKeyFile)) {
            assertThatThrownBy(() -> host.process(1)).isInstanceOf(HostAccessException.class);
        }
    }

    @Test
    void keyNotAuthorisedIsRejected() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        Path stranger = dir.resolve("id_stranger");
        try (OutputStream out = Files.newOutputStream(stranger)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(gen.generateKeyPair(), "stranger", null, out);
        }
        try (SshHostAccess host = ssh(knownHosts, stranger)) {
            assertThatThrownBy(() -> host.process(1)).isInstanceOf(HostAccessException.class).hasMessageContaining("SSH to");
        }
    }

    @Test
    void badConfigurationIsNamed() {
        assertThatThrownBy(() -> new SshHostAccess.Config("db1; rm -rf /", 22, "oracle", List.of(clientKeyFile), knownHosts,
                null, null)).hasMessageContaining("invalid SSH host 'db1; rm -rf /'");
        assertThatThrownBy(() -> new SshHostAccess.Config("db1", 22, "oracle", List.of(), knownHosts, null, null))
                .hasMessageContaining("identity");
    }

    @Test
    void sigtermOverSshEndsARealPostgresBackend() throws Exception {
        try (Connection observer = pg.getPostgresDatabase().getConnection();
             Connection victimConn = pg.getPostgresDatabase().getConnection();
             SshHostAccess host = ssh(knownHosts, clientKeyFile)) {
            int pid;
            Instant start;
            try (Statement st = victimConn.createStatement();
                 ResultSet rs = st.executeQuery("select pg_backend_pid(), backend_start from pg_stat_activity where pid = pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
                start = rs.getTimestamp(2).toInstant();
            }
            Session victim = Session.builder(new SessionKey("pg", 0, pid, "1")).state(SessionState.IDLE).logonTime(start)
                    .serverProcess(Integer.toString(pid)).build();
            Snapshot snap = new Snapshot("pg", Engine.POSTGRESQL, "16", Instant.now(), List.of(victim), null);
            OsProcessKiller killer = new OsProcessKiller(host, ProcessExpectation.forEngine(Engine.Family.POSTGRESQL, null),
                    Duration.ofSeconds(2), Ticker.SYSTEM);

            KillResult r = killer.kill(KillAction.OS_TERM, victim, snap, Duration.ofSeconds(10));

            assertThat(r.outcome()).as(r.message()).isEqualTo(KillOutcome.TERMINATED);
            assertThat(r.statement()).contains("on 127.0.0.1");
            try (Statement st = observer.createStatement();
                 ResultSet rs = st.executeQuery("select count(*) from pg_stat_activity where pid = " + pid)) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }
}
