package dev.sessionctl.hostaccess;

import dev.sessionctl.model.Engine;
import java.util.regex.Pattern;

/**
 * What a database server process must look like before sessionctl signals it.
 *
 * @param commandLine    must be found in the process's command line (PostgreSQL backends show
 *                       {@code postgres: user db host...}; Oracle dedicated servers {@code oracleSID (LOCAL=NO)})
 * @param osUser         the database's OS user; the process must run as it (null: see {@code parentAsReference})
 * @param parentAsReference the parent process (PostgreSQL's postmaster) must also match {@code commandLine}
 *                       and the process must run under the parent's uid
 */
public record ProcessExpectation(Pattern commandLine, String osUser, boolean parentAsReference) {

    public static ProcessExpectation forEngine(Engine.Family family, String osUser) {
        return switch (family) {
            case POSTGRESQL -> new ProcessExpectation(Pattern.compile("postgres"), osUser, true);
            // dedicated server: "oracleORCL (LOCAL=NO)"; threaded-execution processes are "ora_u005_ORCL" and do not match
            case ORACLE -> new ProcessExpectation(Pattern.compile("^oracle\\S*(\\s|$)"),
                    osUser == null ? "oracle" : osUser, false);
            case MYSQL -> throw new IllegalArgumentException(
                    "MySQL and MariaDB sessions are threads of one server process; there is no per-session process to signal");
        };
    }
}
