package dev.sessionctl.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole job on an embedded database.",
                "Starts it, builds a blocking chain, finds and ends its root, proves the waiters moved on."})
final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UserError("demo is not wired yet");
    }
}
