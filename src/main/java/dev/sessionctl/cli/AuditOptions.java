package dev.sessionctl.cli;

import dev.sessionctl.audit.AuditSink;
import dev.sessionctl.audit.AuditTrail;
import dev.sessionctl.audit.JsonLinesAuditFile;
import dev.sessionctl.audit.SyslogAuditSink;
import dev.sessionctl.target.TargetSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where actions are recorded. On by default: every kill is appended to the audit file
 * ({@code $SESSIONCTL_AUDIT_FILE}, else {@code $XDG_STATE_HOME/sessionctl/audit.jsonl}, else
 * {@code ~/.local/state/sessionctl/audit.jsonl}) before it runs; if the file cannot be written,
 * nothing is killed.
 */
public final class AuditOptions {

    @Option(names = "--audit-file", paramLabel = "FILE",
            description = "Audit trail (JSON lines, fsync'd before each action). Default: $SESSIONCTL_AUDIT_FILE or ~/.local/state/sessionctl/audit.jsonl.")
    Path auditFile;

    @Option(names = "--audit-syslog", paramLabel = "HOST[:PORT]", arity = "0..1", fallbackValue = "localhost:514",
            description = "Also send each record to syslog (RFC 5424 over UDP; default localhost:514).")
    String syslog;

    /** The file in effect: option, environment, XDG state directory, home. */
    public Path file() {
        return auditFile != null ? auditFile : defaultFile();
    }

    /**
     * A path that can never hold the trail is bad input, found before anything is done: otherwise every
     * action fails one by one ("the intent could not be recorded"), and a watchdog starts and acts on nothing.
     */
    static void checkUsable(Path f) {
        if (java.nio.file.Files.isDirectory(f)) {
            throw new UserError("--audit-file '" + f + "' is a directory; expected a file, e.g. " + f.resolve("audit.jsonl"));
        }
        if (java.nio.file.Files.exists(f) && !java.nio.file.Files.isWritable(f)) {
            throw new UserError("--audit-file '" + f + "' is not writable; every action must be recorded before it runs");
        }
    }

    public static Path defaultFile() {
        String env = TargetOptions.environment.apply("SESSIONCTL_AUDIT_FILE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String state = TargetOptions.environment.apply("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(state)
                : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("sessionctl").resolve("audit.jsonl");
    }

    /** The trail for a command run against {@code spec} (its {@code auditSyslog} option is honoured too). */
    public AuditTrail open(TargetSpec spec) {
        checkUsable(file());
        List<AuditSink> extra = new ArrayList<>();
        String sys = syslog != null ? syslog : spec == null ? null : spec.option("auditSyslog", null);
        if (sys != null) {
            String[] hp = sys.split(":", 2);
            int port;
            try {
                port = hp.length > 1 ? Integer.parseInt(hp[1]) : 514;
            } catch (NumberFormatException e) {
                throw new UserError("invalid --audit-syslog '" + sys + "'; expected HOST[:PORT]");
            }
            extra.add(new SyslogAuditSink(hp[0], port));
        }
        return new AuditTrail(new JsonLinesAuditFile(file()), extra, null, "cli", null);
    }
}
