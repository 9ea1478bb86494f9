package dev.sessionctl.cli;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every test starts as if there were no terminal to confirm on: a test run from a developer's
 * terminal must never stop at a kill prompt (the confirmer reads /dev/tty). Tests that answer the
 * prompt set {@link KillCommand#confirmer} themselves. Registered for all tests through
 * junit-platform.properties (extension autodetection).
 */
public final class NoTerminalExtension implements BeforeEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
        KillCommand.confirmer = prompt -> null;
    }
}
