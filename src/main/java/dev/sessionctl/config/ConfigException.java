package dev.sessionctl.config;

/** A configuration file or value is wrong; the message names the file, line and the expected form. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
