package dev.sessionctl.dialect.mysql;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who waits for whom on metadata locks (MDL), in pure Java so it is tested without a server.
 *
 * <p>With a full lock list ({@code performance_schema.metadata_locks}: granted and pending) a
 * pending request waits for every other session holding an incompatible granted lock on the same
 * object, and for every other session with an incompatible pending request of higher priority
 * (the server serves a pending EXCLUSIVE before new shared requests: that is what makes a convoy
 * of SELECTs queue behind an ALTER TABLE that itself waits for an idle transaction). The two
 * compatibility matrices are the ones MySQL documents for its MDL subsystem.
 *
 * <p>Without pending locks (MariaDB's {@code METADATA_LOCK_INFO} lists granted locks only) the
 * pending request of each waiting session is derived from its statement, see
 * {@link #withGrantedOnly}. Without any lock list, {@link #inferred} applies documented rules.
 */
final class MdlWaitGraph {

    /** MDL lock types, in the column order of the matrices below. */
    enum Mode {
        SHARED, SHARED_HIGH_PRIO, SHARED_READ, SHARED_WRITE, SHARED_WRITE_LOW_PRIO, SHARED_UPGRADABLE,
        SHARED_READ_ONLY, SHARED_NO_WRITE, SHARED_NO_READ_WRITE, EXCLUSIVE, INTENTION_EXCLUSIVE;

        /** Accepts MySQL spellings ({@code SHARED_READ}) and MariaDB's ({@code MDL_SHARED_READ}); null when unknown. */
        static Mode parse(String text) {
            if (text == null) {
                return null;
            }
            String t = text.trim().toUpperCase(Locale.ROOT);
            if (t.startsWith("MDL_")) {
                t = t.substring(4);
            }
            for (Mode m : values()) {
                if (m.name().equals(t)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** One granted or pending MDL request. Object type is TABLE, SCHEMA, GLOBAL, FUNCTION, ... */
    record Lock(long sessionId, String objectType, String schema, String name, Mode mode, boolean granted) {
        String object() {
            return (objectType == null ? "" : objectType.toUpperCase(Locale.ROOT)) + "|" + lower(schema) + "|" + lower(name);
        }
    }

    /** A session in a "Waiting for ... metadata lock" state, with its statement and default schema. */
    record Waiter(long sessionId, String sql, String database) {
    }

    /** The blockers found for one waiter, and a short description of what it waits for. */
    record Wait(Set<Long> blockers, String object, boolean inferred) {
    }

    // request row x granted/pending column, over SHARED..EXCLUSIVE ('+' compatible, '-' conflicts)
    private static final String[] GRANTED = {
        "+++++++++-", // S
        "+++++++++-", // SH
        "++++++++--", // SR
        "++++++----", // SW
        "++++++----", // SWLP
        "+++++-+---", // SU
        "+++--+++--", // SRO
        "+++---+---", // SNW
        "++--------", // SNRW
        "----------", // X
    };
    private static final String[] PENDING = {
        "+++++++++-", // S
        "++++++++++", // SH
        "++++++++--", // SR
        "+++++++---", // SW
        "++++++----", // SWLP
        "+++++++++-", // SU
        "+++-++++--", // SRO
        "+++++++++-", // SNW
        "+++++++++-", // SNRW
        "++++++++++", // X
    };

    private static final Set<String> SCOPED = Set.of("GLOBAL", "SCHEMA", "COMMIT", "TABLESPACE", "BACKUP",
            "BACKUP LOCK", "BACKUP_LOCK");

    private MdlWaitGraph() {
    }

    /** From a full list of granted and pending locks: the blockers of every session with a pending lock. */
    static Map<Long, Wait> fromLocks(List<Lock> locks) {
        Map<String, List<Lock>> byObject = new LinkedHashMap<>();
        for (Lock l : locks) {
            if (l.mode() != null) {
                byObject.computeIfAbsent(l.object(), k -> new ArrayList<>()).add(l);
            }
        }
        Map<Long, Wait> out = new LinkedHashMap<>();
        for (List<Lock> onObject : byObject.values()) {
            for (Lock p : onObject) {
                if (p.granted()) {
                    continue;
                }
                Set<Long> blockers = new LinkedHashSet<>();
                boolean scoped = SCOPED.contains(p.objectType() == null ? "" : p.objectType().toUpperCase(Locale.ROOT));
                for (Lock other : onObject) {
                    if (other.sessionId() == p.sessionId()) {
                        continue;
                    }
                    if (conflicts(p.mode(), other.mode(), other.granted(), scoped)) {
                        blockers.add(other.sessionId());
                    }
                }
                String what = describe(p);
                Wait prev = out.get(p.sessionId());
                if (prev != null) {
                    blockers.addAll(prev.blockers());
                    what = prev.object();
                }
                out.put(p.sessionId(), new Wait(blockers, what, false));
            }
        }
        return out;
    }

    /**
     * From granted locks only (MariaDB METADATA_LOCK_INFO): each waiter's pending request is derived
     * from its statement: DDL-like statements request EXCLUSIVE, INSERT/UPDATE/DELETE/REPLACE
     * SHARED_WRITE, anything else SHARED_READ, on the tables the statement names. A waiter whose
     * tables cannot be read from its statement falls back to {@link #inferred}.
     */
    static Map<Long, Wait> withGrantedOnly(List<Lock> granted, List<Waiter> waiters, Set<Long> openTransactions) {
        List<Lock> all = new ArrayList<>(granted);
        List<Waiter> unknown = new ArrayList<>();
        for (Waiter w : waiters) {
            Set<String> tables = tablesOf(w.sql());
            if (tables.isEmpty()) {
                unknown.add(w);
                continue;
            }
            Mode mode = isExclusiveStatement(w.sql()) ? Mode.EXCLUSIVE
                    : isWriteStatement(w.sql()) ? Mode.SHARED_WRITE : Mode.SHARED_READ;
            for (String t : tables) {
                String[] st = splitQualified(t, w.database());
                all.add(new Lock(w.sessionId(), "TABLE", st[0], st[1], mode, false));
            }
        }
        Map<Long, Wait> out = fromLocks(all);
        if (!unknown.isEmpty()) {
            Map<Long, Wait> guessed = inferred(waiters, openTransactions);
            for (Waiter w : unknown) {
                Wait g = guessed.get(w.sessionId());
                if (g != null) {
                    out.put(w.sessionId(), g);
                }
            }
        }
        return out;
    }

    /**
     * Without any lock list (MariaDB with performance_schema off and no METADATA_LOCK_INFO plugin):
     * <ol>
     * <li>a waiter running a DDL-like statement (ALTER, DROP, TRUNCATE, RENAME, CREATE/DROP INDEX,
     *     OPTIMIZE, REPAIR, LOCK TABLES, FLUSH TABLES) waits for every session with an open InnoDB
     *     transaction (INNODB_TRX) that is not itself waiting for a metadata lock: any of them may
     *     hold a shared lock on the table until it commits, and the server does not say which;</li>
     * <li>any other waiter queues behind the DDL-like waiters naming one of its tables (all of them
     *     when its tables cannot be matched);</li>
     * <li>if there is no DDL-like waiter, a waiter waits for the open transactions as in rule 1.</li>
     * </ol>
     * The edges are marked inferred.
     */
    static Map<Long, Wait> inferred(List<Waiter> waiters, Set<Long> openTransactions) {
        Set<Long> waiting = new LinkedHashSet<>();
        List<Waiter> exclusive = new ArrayList<>();
        for (Waiter w : waiters) {
            waiting.add(w.sessionId());
            if (isExclusiveStatement(w.sql())) {
                exclusive.add(w);
            }
        }
        Map<Long, Wait> out = new LinkedHashMap<>();
        for (Waiter w : waiters) {
            Set<Long> blockers = new LinkedHashSet<>();
            String what = firstTable(w.sql());
            if (exclusive.contains(w) || exclusive.isEmpty()) {
                for (Long t : openTransactions) {
                    if (!waiting.contains(t) && t != w.sessionId()) {
                        blockers.add(t);
                    }
                }
            } else {
                Set<String> mine = tableNames(w.sql());
                for (Waiter e : exclusive) {
                    Set<String> theirs = tableNames(e.sql());
                    if (!java.util.Collections.disjoint(mine, theirs)) {
                        blockers.add(e.sessionId());
                    }
                }
                if (blockers.isEmpty()) {
                    exclusive.forEach(e -> blockers.add(e.sessionId()));
                }
            }
            out.put(w.sessionId(), new Wait(blockers, what, true));
        }
        return out;
    }

    private static boolean conflicts(Mode request, Mode other, boolean otherGranted, boolean scoped) {
        if (scoped || request == Mode.INTENTION_EXCLUSIVE || other == Mode.INTENTION_EXCLUSIVE) {
            return scopedConflict(request, other, otherGranted);
        }
        String row = (otherGranted ? GRANTED : PENDING)[request.ordinal()];
        return row.charAt(other.ordinal()) == '-';
    }

    /** Scoped locks (GLOBAL, SCHEMA, ...) use only IX, S and X. */
    private static boolean scopedConflict(Mode request, Mode other, boolean otherGranted) {
        boolean reqIx = request == Mode.INTENTION_EXCLUSIVE;
        boolean reqX = request == Mode.EXCLUSIVE;
        boolean othIx = other == Mode.INTENTION_EXCLUSIVE;
        boolean othX = other == Mode.EXCLUSIVE;
        if (otherGranted) {
            if (reqX || othX) {
                return true;
            }
            return reqIx != othIx; // IX conflicts with S, S with IX
        }
        // among pending requests only a shared request yields to a pending EXCLUSIVE
        return !reqIx && !reqX && othX;
    }

    private static String describe(Lock l) {
        String obj = l.schema() == null || l.schema().isEmpty() ? l.name() : l.schema() + "." + l.name();
        return (l.objectType() == null ? "" : l.objectType().toLowerCase(Locale.ROOT) + " ")
                + (obj == null ? "" : obj) + " (" + l.mode() + ")";
    }

    // ---- statement reading: only to find table names and the kind of request; never executed ----

    private static final Pattern EXCLUSIVE_STMT = Pattern.compile(
            "^\\s*(?:/\\*.*?\\*/\\s*)*(ALTER|DROP|TRUNCATE|RENAME|OPTIMIZE|REPAIR|LOCK\\s+TABLES?|FLUSH\\s+TABLES?"
                    + "|CREATE\\s+(?:UNIQUE\\s+|FULLTEXT\\s+|SPATIAL\\s+)?INDEX|CREATE\\s+(?:OR\\s+REPLACE\\s+)?TRIGGER)\\b",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern WRITE_STMT = Pattern.compile(
            "^\\s*(?:/\\*.*?\\*/\\s*)*(INSERT|UPDATE|DELETE|REPLACE)\\b", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final String IDENT = "(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)";
    private static final Pattern TABLE_REF = Pattern.compile(
            "\\b(?:FROM|JOIN|INTO|UPDATE|TABLE|TABLES|ON)\\s+(" + IDENT + "(?:\\s*\\.\\s*" + IDENT + ")?)",
            Pattern.CASE_INSENSITIVE);
    private static final Set<String> NOT_TABLES = Set.of("select", "set", "duplicate", "if", "exists", "not",
            "ignore", "low_priority", "delayed", "high_priority", "quick", "dual", "lateral", "only");

    static boolean isExclusiveStatement(String sql) {
        return sql != null && EXCLUSIVE_STMT.matcher(sql).find();
    }

    static boolean isWriteStatement(String sql) {
        return sql != null && WRITE_STMT.matcher(sql).find();
    }

    /** Table references of a statement, as written ({@code db.t} or {@code t}), unquoted and lower case. */
    static Set<String> tablesOf(String sql) {
        Set<String> out = new LinkedHashSet<>();
        if (sql == null) {
            return out;
        }
        Matcher m = TABLE_REF.matcher(sql);
        while (m.find()) {
            String ref = m.group(1).replaceAll("\\s*\\.\\s*", ".");
            String[] parts = ref.split("\\.(?=(?:[^`]*`[^`]*`)*[^`]*$)");
            StringBuilder b = new StringBuilder();
            for (String p : parts) {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(unquote(p));
            }
            String t = b.toString().toLowerCase(Locale.ROOT);
            if (!t.isEmpty() && !NOT_TABLES.contains(t) && !t.chars().allMatch(Character::isDigit)) {
                out.add(t);
            }
        }
        return out;
    }

    private static Set<String> tableNames(String sql) {
        Set<String> out = new LinkedHashSet<>();
        for (String t : tablesOf(sql)) {
            int dot = t.lastIndexOf('.');
            out.add(dot < 0 ? t : t.substring(dot + 1));
        }
        return out;
    }

    private static String firstTable(String sql) {
        Set<String> t = tablesOf(sql);
        return t.isEmpty() ? "table (unknown)" : "table " + t.iterator().next();
    }

    private static String[] splitQualified(String t, String database) {
        int dot = t.indexOf('.');
        return dot < 0 ? new String[] {lower(database), t} : new String[] {t.substring(0, dot), t.substring(dot + 1)};
    }

    private static String unquote(String p) {
        if (p.length() >= 2 && p.startsWith("`") && p.endsWith("`")) {
            return p.substring(1, p.length() - 1).replace("``", "`");
        }
        return p;
    }

    private static String lower(String s) {
        return Objects.toString(s, "").toLowerCase(Locale.ROOT);
    }
}
