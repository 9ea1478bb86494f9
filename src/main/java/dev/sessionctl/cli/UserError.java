package dev.sessionctl.cli;

/** A mistake in what the user typed: reported as one line, exit code {@link ExitCode#USAGE}, no stack trace. */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }
}
