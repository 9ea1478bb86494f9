package dev.sessionctl.dialect.oracle;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Builds the ALTER SYSTEM statements. DDL cannot bind parameters, so the text is assembled ONLY
 * from integers parsed and range-checked here and from a SQL id matching {@code [0-9a-z]{13}};
 * anything else is refused with a message naming the bad value. Grammar (Oracle SQL Language
 * Reference, ALTER SYSTEM, end_session_clauses and cancel_sql_clause):
 * <pre>
 *   KILL SESSION 'sid, serial# [, @inst]' [IMMEDIATE]
 *   DISCONNECT SESSION 'sid, serial#' [POST_TRANSACTION] [IMMEDIATE]      -- no @inst form
 *   CANCEL SQL 'sid, serial# [, @inst] [, sql_id]'                        -- 18c and later
 * </pre>
 */
public final class OracleStatements {

    /** V$SESSION.SQL_ID is VARCHAR2(13) of base-32 characters (digits and lower-case letters). */
    public static final Pattern SQL_ID = Pattern.compile("[0-9a-z]{13}");
    private static final Pattern DIGITS = Pattern.compile("\\d{1,10}");
    /** SID and SERIAL# are NUMBERs; in practice both fit in 32 bits. */
    static final long MAX_ID = 4_294_967_295L;
    /** RAC instance numbers are small positive integers. */
    static final int MAX_INSTANCE = 4096;

    private OracleStatements() {
    }

    /** The three numbers of a session, validated. {@code instance} is 0 when the statement must not name one. */
    public record Ids(long sid, long serial, int instance) {
        public Ids {
            if (sid < 0 || sid > MAX_ID) {
                throw new IllegalArgumentException("invalid Oracle SID " + sid + "; expected an integer 0.." + MAX_ID);
            }
            if (serial < 0 || serial > MAX_ID) {
                throw new IllegalArgumentException("invalid Oracle SERIAL# " + serial + "; expected an integer 0.." + MAX_ID);
            }
            if (instance < 0 || instance > MAX_INSTANCE) {
                throw new IllegalArgumentException("invalid Oracle instance " + instance + "; expected 1.." + MAX_INSTANCE);
            }
        }

        /** From a session key: SID = id, SERIAL# = incarnation (digits only), instance = key instance. */
        public static Ids of(SessionKey key) {
            return new Ids(key.sessionId(), serialOf(key), key.instance());
        }
    }

    /** The SERIAL# of an Oracle key; an incarnation that is not a plain integer is refused. */
    public static long serialOf(SessionKey key) {
        String inc = key.incarnation();
        if (!DIGITS.matcher(inc).matches()) {
            throw new IllegalArgumentException("invalid Oracle session key '" + key.printable()
                    + "': the incarnation must be the SERIAL# (an integer), e.g. 125,4892 or 125,4892,@2");
        }
        long v = Long.parseLong(inc);
        if (v > MAX_ID) {
            throw new IllegalArgumentException("invalid Oracle SERIAL# " + inc + " in key '" + key.printable() + "'");
        }
        return v;
    }

    /** A SQL id fit to embed in CANCEL SQL, or null when the value is absent or not a valid SQL id. */
    public static String validSqlIdOrNull(String sqlId) {
        return sqlId != null && SQL_ID.matcher(sqlId).matches() ? sqlId : null;
    }

    /**
     * @param withInstance put {@code ,@inst} in the text (RAC: more than one instance)
     */
    public static String kill(Ids ids, boolean withInstance, boolean immediate) {
        String text = "ALTER SYSTEM KILL SESSION '" + ids.sid() + "," + ids.serial()
                + (withInstance && ids.instance() > 0 ? ",@" + ids.instance() : "") + "'";
        return immediate ? text + " IMMEDIATE" : text;
    }

    /** DISCONNECT SESSION has no @instance form: the caller runs it on the owning instance only. */
    public static String disconnect(Ids ids, boolean postTransaction) {
        return "ALTER SYSTEM DISCONNECT SESSION '" + ids.sid() + "," + ids.serial() + "' "
                + (postTransaction ? "POST_TRANSACTION" : "IMMEDIATE");
    }

    /** @param sqlId a SQL id matching {@link #SQL_ID}, or null to cancel whatever runs */
    public static String cancelSql(Ids ids, boolean withInstance, String sqlId) {
        if (sqlId != null && !SQL_ID.matcher(sqlId).matches()) {
            throw new IllegalArgumentException("invalid SQL id '" + sqlId + "'; expected 13 characters of 0-9 and a-z");
        }
        return "ALTER SYSTEM CANCEL SQL '" + ids.sid() + "," + ids.serial()
                + (withInstance && ids.instance() > 0 ? ",@" + ids.instance() : "")
                + (sqlId == null ? "" : "," + sqlId) + "'";
    }

    /** The ALTER SYSTEM text for an action, or null when ALTER SYSTEM has no form for it. */
    public static String forAction(KillAction action, Session victim, boolean withInstance) {
        Ids ids = Ids.of(victim.key());
        return switch (action) {
            case CANCEL -> cancelSql(ids, withInstance, validSqlIdOrNull(victim.sqlId()));
            case TERMINATE -> kill(ids, withInstance, false);
            case TERMINATE_IMMEDIATE -> kill(ids, withInstance, true);
            case DISCONNECT_POST_TRANSACTION -> disconnect(ids, true);
            case DISCONNECT_IMMEDIATE -> disconnect(ids, false);
            default -> null;
        };
    }

    /** A PL/SQL procedure name as configured ({@code SCHEMA.PROC} or {@code PROC}), checked so it can be embedded. */
    public static String validProcedureName(String name) {
        if (name == null || !name.matches("[A-Za-z][A-Za-z0-9_$#]{0,127}(\\.[A-Za-z][A-Za-z0-9_$#]{0,127})?")) {
            throw new IllegalArgumentException("invalid selfServiceProcedure '" + name
                    + "'; expected SCHEMA.PROCEDURE or PROCEDURE (letters, digits, _ $ #)");
        }
        return name.toUpperCase(Locale.ROOT);
    }
}
