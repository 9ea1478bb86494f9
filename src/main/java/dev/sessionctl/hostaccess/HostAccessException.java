package dev.sessionctl.hostaccess;

/** Reading or signalling a process on the database host failed. Messages never contain secrets. */
public class HostAccessException extends RuntimeException {

    public HostAccessException(String message) {
        super(message);
    }

    public HostAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}
