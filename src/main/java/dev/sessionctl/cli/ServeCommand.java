package dev.sessionctl.cli;

import dev.sessionctl.config.TargetsFile;
import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.http.ConsoleServer;
import dev.sessionctl.http.PasswordHasher;
import dev.sessionctl.http.ServeConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the JSON API and the web console.",
                "Developers sign in with their own database account and may end only their own sessions;",
                "administrators (serve config, or a trusted reverse proxy's identity header) may end any",
                "unprotected session. Every action is audited. See docs/http.md."},
        footer = {"", "Examples:",
                "  sessionctl serve --targets-file targets.yaml                 # http://127.0.0.1:8080/",
                "  sessionctl serve --config serve.yaml --listen 0.0.0.0:8443",
                "  sessionctl serve --hash-password                             # prints a passwordHash for the config"})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Serve config (YAML): listen, admins, proxy, tls, audit, limits.")
    Path configFile;

    @Option(names = "--targets-file", paramLabel = "FILE",
            description = "Targets file (default: the config's targetsFile, $SESSIONCTL_TARGETS or ~/.config/sessionctl/targets.yaml).")
    Path targetsFile;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default 127.0.0.1:8080).")
    String listen;

    @Option(names = "--audit-file", paramLabel = "FILE",
            description = "Audit trail (JSON lines; default: the config's audit.file, else the CLI's: $SESSIONCTL_AUDIT_FILE"
                    + " or ~/.local/state/sessionctl/audit.jsonl). Sign-ins go to console-access.jsonl beside it.")
    Path auditFile;

    @Option(names = "--hash-password", description = "Read a password (terminal or one line of stdin), print its passwordHash, exit.")
    boolean hashPassword;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (hashPassword) {
            char[] pw = readPassword();
            if (pw == null || pw.length == 0) {
                throw new UserError("no password given; type it at the prompt or pipe one line to stdin");
            }
            out.println(PasswordHasher.hash(pw));
            out.flush();
            java.util.Arrays.fill(pw, '\0');
            return ExitCode.OK;
        }
        ServeConfig config = configFile == null ? ServeConfig.defaults(null) : ServeConfig.load(configFile, System::getenv);
        if (targetsFile != null) {
            config = config.withTargetsFile(targetsFile);
        } else if (config.targetsFile() == null) {
            config = config.withTargetsFile(TargetsFile.defaultPath());
        }
        if (auditFile != null) {
            config = config.withAuditFile(auditFile);
        } else if (config.auditFile() == null) {
            config = config.withAuditFile(AuditOptions.defaultFile()); // the CLI's trail: `sessionctl audit` shows both
        }
        if (listen != null) {
            int colon = listen.lastIndexOf(':');
            if (colon < 0) {
                throw new UserError("invalid --listen '" + listen + "'; expected HOST:PORT, e.g. 127.0.0.1:8080");
            }
            int port;
            try {
                port = Integer.parseInt(listen.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                throw new UserError("invalid --listen '" + listen + "'; expected a port from 0 to 65535");
            }
            String host = listen.substring(0, colon).replace("[", "").replace("]", "");
            config = config.withListen(host.isEmpty() ? "0.0.0.0" : host, port);
        }
        // the web server's own start-up chatter is noise on a terminal; warnings and errors stay
        for (String logger : new String[] {"io.javalin", "org.eclipse.jetty"}) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
        TargetsFile targets = TargetsFile.load(config.targetsFile(), System::getenv);
        DialectRegistry registry = DialectRegistry.load();
        CountDownLatch stopped = new CountDownLatch(1);
        ConsoleServer server = ConsoleServer.start(config, targets.targets(), registry::connect);
        // runs until the process is told to stop (Ctrl-C, SIGTERM): the hook closes the server
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "sessionctl-serve-shutdown"));
        out.println("sessionctl console on " + server.url() + " (" + targets.targets().size() + " target(s) from "
                + targets.source() + "; audit: " + server.auditFile() + ", sign-ins: " + server.accessFile()
                + "); Ctrl-C stops it");
        out.flush();
        stopped.await();
        return ExitCode.OK;
    }

    private static char[] readPassword() throws java.io.IOException {
        java.io.Console c = System.console();
        if (c != null) {
            return c.readPassword("Password to hash: ");
        }
        BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = r.readLine();
        return line == null ? null : line.toCharArray();
    }
}
