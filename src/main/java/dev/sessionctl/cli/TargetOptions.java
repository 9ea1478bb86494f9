package dev.sessionctl.cli;

import dev.sessionctl.config.TargetsFile;
import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.io.Console;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Target selection shared by every command: a JDBC URL and user, or a named target from the
 * targets file. The password comes from {@code SESSIONCTL_PASSWORD}, the targets file
 * (passwordEnv/passwordFile) or a prompt on a terminal; it is never an option, so it never
 * lands in shell history or a process listing.
 */
public final class TargetOptions {

    @Option(names = "--url", paramLabel = "JDBC_URL",
            description = "JDBC URL, e.g. jdbc:postgresql://host:5432/db, jdbc:mariadb://host:3306/db, "
                    + "jdbc:oracle:thin:@//host:1521/svc")
    String url;

    @Option(names = {"-U", "--login"}, paramLabel = "USER",
            description = "Database user to connect as (with --url), like psql -U. (--user filters sessions.)")
    String user;

    @Option(names = {"-t", "--target"}, paramLabel = "NAME", description = "A target from the targets file.")
    String target;

    @Option(names = "--targets-file", paramLabel = "FILE",
            description = "Targets file (default: $SESSIONCTL_TARGETS or ~/.config/sessionctl/targets.yaml).")
    Path targetsFile;

    @Option(names = {"-W", "--password-prompt"}, description = "Ask for the password on the terminal.")
    boolean promptForPassword;

    @Option(names = "--protect-user", paramLabel = "USER", split = ",",
            description = "Never end sessions of these users (adds to the targets file; * wildcards).")
    List<String> protectUsers;

    @Option(names = "--engine", paramLabel = "NAME", hidden = true,
            description = "Skip engine detection and use this dialect.")
    String engine;

    /** Environment lookup, replaceable in tests. */
    static java.util.function.Function<String, String> environment = System::getenv;

    public TargetSpec resolve() {
        if (url != null && target != null) {
            throw new UserError("--url and --target are exclusive; use one");
        }
        TargetSpec spec;
        if (target != null) {
            Path file = targetsFile != null ? targetsFile : TargetsFile.defaultPath();
            spec = TargetsFile.load(file, environment).target(target);
        } else if (url != null) {
            Map<String, String> opts = engine == null ? Map.of() : Map.of("engine", engine);
            spec = new TargetSpec(UrlTargetName.of(url), url, user, environment.apply("SESSIONCTL_PASSWORD"), opts, ProtectionPolicy.none());
        } else {
            throw new UserError("no target given; pass --url JDBC_URL [-U USER] or --target NAME");
        }
        if (promptForPassword) {
            spec = spec.withPassword(prompt(spec));
        }
        if (protectUsers != null && !protectUsers.isEmpty()) {
            spec = spec.withProtection(spec.protection().merge(new ProtectionPolicy(protectUsers, List.of(), List.of())));
        }
        return spec;
    }

    /** Connects; on a terminal, asks once for the password when the server rejects the credentials. */
    public TargetConnection connect(TargetSpec spec) {
        DialectRegistry registry = DialectRegistry.load();
        try {
            return registry.connect(spec);
        } catch (TargetException e) {
            if (e.kind() == TargetException.Kind.AUTHENTICATION && spec.password() == null && System.console() != null) {
                return registry.connect(spec.withPassword(prompt(spec)));
            }
            throw e;
        }
    }

    private static String prompt(TargetSpec spec) {
        Console console = System.console();
        if (console == null) {
            throw new UserError("--password-prompt needs a terminal; without one the password comes from "
                    + "SESSIONCTL_PASSWORD (with --url) or the target's passwordEnv / passwordFile (with --target)");
        }
        char[] pw = console.readPassword("Password for %s on %s: ", spec.user() == null ? "(default user)" : spec.user(),
                spec.redactedUrl());
        return pw == null ? null : new String(pw);
    }
}
