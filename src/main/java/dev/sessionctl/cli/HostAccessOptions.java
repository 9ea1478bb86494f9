package dev.sessionctl.cli;

import dev.sessionctl.hostaccess.HostAccess;
import dev.sessionctl.hostaccess.HostAccessTarget;
import dev.sessionctl.hostaccess.LocalHostAccess;
import dev.sessionctl.hostaccess.OsProcessKiller;
import dev.sessionctl.hostaccess.ProcessExpectation;
import dev.sessionctl.hostaccess.SshHostAccess;
import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Engine;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * Host access for OS-level steps and the server-process check, from options or from the target's
 * entry in the targets file ({@code hostAccess}, {@code sshKey}, {@code knownHosts},
 * {@code sshPassphraseEnv}, {@code dbOsUser}). No password option exists on purpose: SSH is
 * key-based, a key passphrase comes only from an environment variable named here.
 */
public final class HostAccessOptions {

    private static final Pattern SSH = Pattern.compile("ssh://([A-Za-z0-9._-]{1,32})@([A-Za-z0-9.\\[\\]:_-]+?)(?::(\\d{1,5}))?");

    @Option(names = "--host-access", paramLabel = "local|ssh://USER@HOST[:PORT]",
            description = "Where the database's server processes run, for OS-level steps (SIGTERM/SIGKILL)"
                    + " and the server-process check: 'local' or an SSH address (key-based, known_hosts checked).")
    String hostAccess;

    @Option(names = "--ssh-key", paramLabel = "FILE", description = "SSH private key (repeatable; default ~/.ssh/id_ed25519, ~/.ssh/id_rsa).")
    List<Path> sshKeys = new ArrayList<>();

    @Option(names = "--known-hosts", paramLabel = "FILE", description = "known_hosts to check the host key against (default ~/.ssh/known_hosts).")
    Path knownHosts;

    @Option(names = "--ssh-passphrase-env", paramLabel = "VAR", description = "Environment variable holding the key's passphrase.")
    String passphraseEnv;

    @Option(names = "--db-os-user", paramLabel = "USER",
            description = "OS user the database runs as (Oracle default: oracle; PostgreSQL: the postmaster's user is checked).")
    String dbOsUser;

    @Option(names = "--sigterm-wait", paramLabel = "DURATION", defaultValue = "30s",
            description = "os-kill: wait this long after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE}).")
    String sigtermWaitText;

    @Option(names = "--allow-postgres-sigkill",
            description = "Offer os-kill (SIGKILL) on PostgreSQL backends. It makes the postmaster end EVERY backend and recover.")
    boolean allowPostgresSigkill;

    /** Checks the options' syntax before anything is connected. */
    public void validate() {
        if (hostAccess != null && !hostAccess.equalsIgnoreCase("local") && !SSH.matcher(hostAccess.trim()).matches()) {
            throw new UserError("invalid --host-access '" + hostAccess + "'; expected local or ssh://USER@HOST[:PORT]");
        }
        sigtermWait();
    }

    /** The host access configured by options or the targets file, or null when none. */
    public HostAccess open(TargetSpec spec) {
        String where = hostAccess != null ? hostAccess : spec.option("hostAccess", null);
        if (where == null || where.isBlank()) {
            return null;
        }
        if (where.equalsIgnoreCase("local")) {
            return new LocalHostAccess();
        }
        Matcher m = SSH.matcher(where.trim());
        if (!m.matches()) {
            throw new UserError("invalid --host-access '" + where + "'; expected local or ssh://USER@HOST[:PORT]");
        }
        SshHostAccess.Config defaults = SshHostAccess.Config.defaults(m.group(2), m.group(1));
        List<Path> keys = !sshKeys.isEmpty() ? sshKeys
                : spec.option("sshKey", null) != null ? List.of(Path.of(spec.option("sshKey", null))) : defaults.identityFiles();
        Path known = knownHosts != null ? knownHosts
                : spec.option("knownHosts", null) != null ? Path.of(spec.option("knownHosts", null)) : defaults.knownHosts();
        int port = m.group(3) == null ? 22 : Integer.parseInt(m.group(3));
        try {
            return new SshHostAccess(new SshHostAccess.Config(m.group(2), port, m.group(1), keys, known,
                    passphraseEnv != null ? passphraseEnv : spec.option("sshPassphraseEnv", null), Duration.ofSeconds(10)));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    public Duration sigtermWait() {
        try {
            return Durations.parse(sigtermWaitText);
        } catch (IllegalArgumentException e) {
            throw new UserError("--sigterm-wait: " + e.getMessage());
        }
    }

    public String databaseOsUser(TargetSpec spec) {
        return dbOsUser != null ? dbOsUser : spec.option("dbOsUser", null);
    }

    /** The connection with OS-level actions added when host access is configured (MySQL: unchanged). */
    public TargetConnection wrap(TargetConnection connection, TargetSpec spec, HostAccess host) {
        if (host == null || connection.info().engine().family() == Engine.Family.MYSQL) {
            return connection;
        }
        OsProcessKiller os = new OsProcessKiller(host,
                ProcessExpectation.forEngine(connection.info().engine().family(), databaseOsUser(spec)), sigtermWait(), null);
        return new HostAccessTarget(connection, os, allowPostgresSigkill);
    }
}
