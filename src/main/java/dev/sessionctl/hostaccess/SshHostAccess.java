package dev.sessionctl.hostaccess;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;

/**
 * The database runs on another host reached by SSH (Apache MINA SSHD): public-key authentication
 * only, the server's host key must already be in known_hosts (unknown or changed keys are
 * rejected, never learned), and a key passphrase can only come from an environment variable
 * named in the configuration, never from the configuration itself. Commands are built from
 * numbers and two fixed signal names; a user name must match a strict pattern.
 */
public final class SshHostAccess implements HostAccess {

    /**
     * @param identityFiles  private keys (OpenSSH or PEM format)
     * @param knownHosts     the known_hosts file the server's key must be in
     * @param passphraseEnv  name of the environment variable holding the keys' passphrase, or null
     */
    public record Config(String host, int port, String user, List<Path> identityFiles, Path knownHosts,
                         String passphraseEnv, Duration timeout) {
        public Config {
            Objects.requireNonNull(host, "host");
            if (!host.matches("[A-Za-z0-9.:\\[\\]_-]{1,255}")) {
                throw new IllegalArgumentException("invalid SSH host '" + host + "'; expected a host name or address");
            }
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("invalid SSH port " + port + "; expected 1..65535");
            }
            if (user == null || !user.matches("[A-Za-z0-9._-]{1,32}")) {
                throw new IllegalArgumentException("invalid SSH user '" + user + "'; expected a login name");
            }
            identityFiles = List.copyOf(identityFiles);
            if (identityFiles.isEmpty()) {
                throw new IllegalArgumentException("SSH host access needs at least one identity (private key) file");
            }
            Objects.requireNonNull(knownHosts, "knownHosts");
            timeout = timeout == null ? Duration.ofSeconds(10) : timeout;
        }

        public static Config defaults(String host, String user) {
            Path home = Path.of(System.getProperty("user.home"), ".ssh");
            return new Config(host, 22, user, List.of(home.resolve("id_ed25519"), home.resolve("id_rsa")),
                    home.resolve("known_hosts"), null, Duration.ofSeconds(10));
        }
    }

    private static final String SEP = "@@SESSIONCTL@@";
    private static final String GONE = "@@SESSIONCTL-NO-PROCESS@@";

    private final Config config;
    private SshClient client;
    private ClientSession session;

    public SshHostAccess(Config config) {
        this.config = config;
    }

    @Override
    public String host() {
        return config.host();
    }

    @Override
    public Optional<ProcessInfo> process(long pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        String p = Long.toString(pid);
        String cmd = "test -d /proc/" + p + " || { echo " + GONE + "; exit 0; }; "
                + "cat /proc/" + p + "/status && echo " + SEP + " && tr '\\000' ' ' < /proc/" + p + "/cmdline && echo && echo "
                + SEP + " && cat /proc/" + p + "/stat && echo " + SEP + " && grep '^btime ' /proc/stat";
        Result r = run(cmd);
        if (r.out().startsWith(GONE)) {
            return Optional.empty();
        }
        if (r.exit() != 0) {
            // the process ended between two reads
            if (run("test -d /proc/" + p).exit() != 0) {
                return Optional.empty();
            }
            throw new HostAccessException("reading process " + pid + " on " + host() + " failed (exit " + r.exit() + "): "
                    + r.err().trim());
        }
        String[] parts = r.out().split(SEP + "\n?", -1);
        if (parts.length < 4) {
            throw new HostAccessException("unexpected output reading process " + pid + " on " + host());
        }
        return ProcFs.parse(pid, parts[0], parts[1].trim(), parts[2].trim(), ProcFs.bootTime(parts[3]));
    }

    @Override
    public Optional<Integer> uidOf(String userName) {
        if (userName == null || !userName.matches("[A-Za-z0-9._-]{1,32}")) {
            return Optional.empty();
        }
        Result r = run("id -u " + userName);
        if (r.exit() != 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(r.out().trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void signal(long pid, Signal signal) {
        HostAccess.requirePid(pid);
        Result r = run("kill " + signal.option() + " " + pid);
        if (r.exit() != 0) {
            throw new HostAccessException("kill " + signal.option() + " " + pid + " on " + host() + " failed (exit "
                    + r.exit() + "): " + r.err().trim());
        }
    }

    private record Result(int exit, String out, String err) {
    }

    private synchronized Result run(String command) {
        ClientSession s = session();
        try (ChannelExec ch = s.createExecChannel(command)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            ch.setOut(out);
            ch.setErr(err);
            ch.open().verify(config.timeout());
            Set<ClientChannelEvent> ev = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), config.timeout());
            if (ev.contains(ClientChannelEvent.TIMEOUT)) {
                throw new HostAccessException("command on " + host() + " did not finish within " + config.timeout().toSeconds() + "s");
            }
            Integer status = ch.getExitStatus();
            return new Result(status == null ? -1 : status, out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            closeSession();
            throw new HostAccessException("SSH command on " + host() + " failed: " + e.getMessage(), e);
        }
    }

    private ClientSession session() {
        if (session != null && session.isOpen()) {
            return session;
        }
        if (!Files.isReadable(config.knownHosts())) {
            throw new HostAccessException("known_hosts file " + config.knownHosts() + " is missing or unreadable;"
                    + " add the database host's key to it first (ssh-keyscan, then check the fingerprint)");
        }
        List<Path> keys = config.identityFiles().stream().filter(Files::isReadable).toList();
        if (keys.isEmpty()) {
            throw new HostAccessException("none of the SSH identity files " + config.identityFiles() + " is readable");
        }
        if (client == null) {
            client = SshClient.setUpDefaultClient();
            // unknown hosts are rejected, and a changed key is rejected too (acceptModifiedServerKey defaults to false)
            client.setServerKeyVerifier(new KnownHostsServerKeyVerifier(RejectAllServerKeyVerifier.INSTANCE,
                    config.knownHosts()));
            client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
            FileKeyPairProvider provider = new FileKeyPairProvider(keys);
            if (config.passphraseEnv() != null) {
                String pass = System.getenv(config.passphraseEnv());
                if (pass != null) {
                    provider.setPasswordFinder(FilePasswordProvider.of(pass));
                }
            }
            client.setKeyIdentityProvider(provider);
            client.start();
        }
        try {
            ClientSession s = client.connect(config.user(), config.host(), config.port())
                    .verify(config.timeout()).getSession();
            try {
                s.auth().verify(config.timeout());
            } catch (IOException | RuntimeException e) {
                s.close(true);
                throw e;
            }
            session = s;
            return s;
        } catch (IOException e) {
            throw new HostAccessException("SSH to " + config.user() + "@" + config.host() + ":" + config.port()
                    + " failed: " + rootMessage(e) + " (host key must be in " + config.knownHosts()
                    + "; only key-based login is used)", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private void closeSession() {
        if (session != null) {
            session.close(true);
            session = null;
        }
    }

    @Override
    public synchronized void close() {
        closeSession();
        if (client != null) {
            client.stop();
            client = null;
        }
    }

}
