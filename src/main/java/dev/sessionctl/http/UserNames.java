package dev.sessionctl.http;

import dev.sessionctl.model.Engine;
import java.util.Locale;

/**
 * Database user names as each engine compares them, so "my sessions" means exactly the sessions
 * the engine attributes to the signed-in account (the rule of the definer-rights wrapper:
 * {@code username = USER}).
 *
 * <ul>
 * <li>Oracle (and OceanBase Oracle mode): an unquoted name is stored upper-case, so {@code scott}
 *     signs in as {@code SCOTT}; a name typed in double quotes is taken literally.</li>
 * <li>PostgreSQL, MySQL, MariaDB: role / user names are compared exactly.</li>
 * </ul>
 */
public final class UserNames {

    private UserNames() {
    }

    /** The name as the engine will report it in its session list. */
    public static String canonical(Engine engine, String typed) {
        String t = typed.strip();
        if (engine != null && engine.family() == Engine.Family.ORACLE) {
            if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
                return t.substring(1, t.length() - 1);
            }
            return t.toUpperCase(Locale.ROOT);
        }
        return t;
    }

    /**
     * The name as the engine will report it, preferring what the signed-in connection itself
     * reported: Oracle's dialect reads {@code SYS_CONTEXT('USERENV','SESSION_USER')}, which is
     * exactly {@code V$SESSION.USERNAME} (and the wrapper's {@code USER}). Other engines' reported
     * user may carry a host part (MySQL {@code user@host}), so the case rule is used there.
     */
    public static String canonical(Engine engine, String typed, String reportedBySession) {
        if (engine != null && engine.family() == Engine.Family.ORACLE && reportedBySession != null
                && !reportedBySession.isBlank()) {
            return reportedBySession;
        }
        return canonical(engine, typed);
    }

    /** The login name to hand to the driver (quotes kept for Oracle's case-sensitive names). */
    public static String forLogin(String typed) {
        return typed.strip();
    }

    /** Whether a session's user is the signed-in user: exact match of canonical names. */
    public static boolean same(String sessionUser, String canonicalUser) {
        return sessionUser != null && canonicalUser != null && sessionUser.equals(canonicalUser);
    }
}
