package dev.sessionctl.cli;

import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A command that talks to one target: resolves it, connects, runs, closes. */
abstract class TargetCommand implements Callable<Integer> {

    @Mixin
    TargetOptions targetOptions;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table, json or csv (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Option(names = "--wide", description = "Do not cut long columns to the terminal width.")
    boolean wide;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() {
        validate();
        TargetSpec target = targetOptions.resolve();
        try (TargetConnection connection = targetOptions.connect(target)) {
            return run(target, connection);
        }
    }

    /** Checks options that need no connection, so bad input fails before anything is touched. */
    void validate() {
    }

    abstract int run(TargetSpec target, TargetConnection connection);

    /** A snapshot with protection marked by the same guards the kill path uses. */
    static Snapshot protectedSnapshot(TargetSpec target, TargetConnection connection) {
        return GuardChain.standard(target.protection()).annotate(connection.snapshot());
    }
}
