package dev.sessionctl.cli;

import dev.sessionctl.config.ConfigException;
import dev.sessionctl.target.TargetException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: builds the command tree and maps every failure to one exit code, in one place. */
@Command(name = "sessionctl", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Find database sessions, end the right one safely, and prove it.",
        subcommands = {SessionsCommand.class, BlockersCommand.class, KillCommand.class, ExplainCommand.class,
                AuditCommand.class, DoctorCommand.class, OrphansCommand.class, DemoCommand.class, ServeCommand.class,
                WatchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", ExitCode.HELP_TABLE, "", "Docs: docs/cli.md"},
        usageHelpAutoWidth = true)
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line in-process (also how tests drive the CLI). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = newCommandLine();
        cmd.setOut(out);
        cmd.setErr(err);
        return cmd.execute(args);
    }

    public static CommandLine newCommandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setExecutionExceptionHandler(Main::handleExecutionException);
        cmd.setParameterExceptionHandler(Main::handleParameterException);
        cmd.setExitCodeExceptionMapper(t -> ExitCode.ERROR);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        return cmd;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + ex.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
        }
        err.flush();
        return ExitCode.USAGE;
    }

    private static int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        int code;
        if (ex instanceof UserError || ex instanceof ConfigException || ex instanceof IllegalArgumentException) {
            err.println("error: " + ex.getMessage());
            code = ExitCode.USAGE;
        } else if (ex instanceof TargetException te) {
            err.println("error: " + te.getMessage());
            if (te.fix() != null) {
                err.println("fix: " + te.fix());
            }
            code = switch (te.kind()) {
                case UNREACHABLE, AUTHENTICATION -> ExitCode.CANNOT_CONNECT;
                case UNSUPPORTED -> ExitCode.USAGE;
                case PRIVILEGE -> ExitCode.REFUSED;
                default -> ExitCode.ERROR;
            };
        } else {
            err.println("error: internal failure: " + ex);
            if (System.getenv("SESSIONCTL_DEBUG") != null) {
                ex.printStackTrace(err);
            } else {
                err.println("(set SESSIONCTL_DEBUG=1 for the stack trace)");
            }
            code = ExitCode.ERROR;
        }
        err.flush();
        return code;
    }
}
