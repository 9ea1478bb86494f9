package dev.sessionctl.dialect.oracle;

/**
 * The self-service wrapper: a definer-rights procedure, owned by an account that holds ALTER SYSTEM
 * and a DIRECT grant on SYS.V_$SESSION (roles are not enabled inside definer-rights PL/SQL), that
 * ends a session only when that session's USERNAME equals the caller's
 * {@code SYS_CONTEXT('USERENV','SESSION_USER')} (SESSION_USER stays the logged-on user inside
 * definer-rights code, unlike CURRENT_USER). Developers get EXECUTE on it and can end their own
 * user's sessions, nothing else. sessionctl calls it with bound parameters when the target option
 * {@code selfServiceProcedure} names it.
 *
 * <p>Errors it raises, mapped by {@link OracleErrors}: ORA-20030 no such session (gone, or the
 * SERIAL# no longer matches), ORA-20031 not your session. Errors of the ALTER SYSTEM inside
 * (ORA-00031 marked for kill, ORA-00027 own session) propagate unchanged.
 */
public final class OracleSelfService {

    private OracleSelfService() {
    }

    /**
     * @param procedure SCHEMA.PROCEDURE (or PROCEDURE), validated
     * @return the DDL and grants a DBA runs once, as the owning schema
     */
    public static String ddl(String procedure) {
        String name = OracleStatements.validProcedureName(procedure);
        return """
                -- Run as a DBA once. The owner needs these grants DIRECTLY (not through a role):
                --   GRANT ALTER SYSTEM TO <owner>;
                --   GRANT SELECT ON SYS.V_$SESSION TO <owner>;
                CREATE OR REPLACE PROCEDURE %1$s (
                    p_sid       IN NUMBER,
                    p_serial    IN NUMBER,
                    p_immediate IN NUMBER DEFAULT 0)
                AUTHID DEFINER
                AS
                    l_user    VARCHAR2(128);
                    l_caller  VARCHAR2(128) := SYS_CONTEXT('USERENV', 'SESSION_USER');
                BEGIN
                    IF p_sid IS NULL OR p_serial IS NULL OR p_sid <> TRUNC(p_sid) OR p_serial <> TRUNC(p_serial)
                       OR p_sid < 0 OR p_serial < 0 THEN
                        RAISE_APPLICATION_ERROR(-20026, 'sid and serial# must be non-negative integers');
                    END IF;
                    BEGIN
                        SELECT USERNAME INTO l_user FROM V$SESSION
                         WHERE SID = p_sid AND SERIAL# = p_serial AND TYPE = 'USER';
                    EXCEPTION WHEN NO_DATA_FOUND THEN
                        RAISE_APPLICATION_ERROR(-20030, 'no session ' || p_sid || ',' || p_serial);
                    END;
                    IF l_user IS NULL OR l_user <> l_caller THEN
                        RAISE_APPLICATION_ERROR(-20031, 'session ' || p_sid || ',' || p_serial
                            || ' does not belong to ' || l_caller);
                    END IF;
                    -- Only integers reach the DDL text.
                    EXECUTE IMMEDIATE 'ALTER SYSTEM KILL SESSION ''' || TO_CHAR(p_sid, 'FM9999999999') || ','
                        || TO_CHAR(p_serial, 'FM9999999999') || ''''
                        || CASE WHEN p_immediate = 1 THEN ' IMMEDIATE' END;
                END;
                /
                GRANT EXECUTE ON %1$s TO <developer role or user>;
                """.formatted(name);
    }

    /** The bound call sessionctl sends. */
    static String call(String procedure) {
        return "BEGIN " + OracleStatements.validProcedureName(procedure)
                + "(p_sid => ?, p_serial => ?, p_immediate => ?); END;";
    }
}
