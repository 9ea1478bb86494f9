package dev.sessionctl.target;

import dev.sessionctl.model.Engine;

/**
 * What a connection is to: a display name, the engine (variant) detected, the server version, and
 * how many instances it serves (Oracle RAC, OceanBase: more than one).
 *
 * @param redactedUrl the JDBC URL without credentials, safe to print
 */
public record TargetInfo(String name, Engine engine, String serverVersion, String redactedUrl, String user,
                         int instances) {
}
