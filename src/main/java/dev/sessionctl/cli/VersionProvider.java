package dev.sessionctl.cli;

import picocli.CommandLine;

/** Version from the jar manifest, or "dev" when run from classes. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"sessionctl " + (v == null ? "dev" : v) + " (Java " + System.getProperty("java.version") + ")"};
    }
}
