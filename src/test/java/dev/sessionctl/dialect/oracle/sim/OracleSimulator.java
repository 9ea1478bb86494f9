package dev.sessionctl.dialect.oracle.sim;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TEST-ONLY simulation of the parts of Oracle Database that sessionctl touches. No Oracle server
 * runs on the build machines, so the dialect's real SELECT text runs on H2 in MODE=Oracle against
 * tables shaped like the dynamic performance views (H2 accepts the $ and # of V$SESSION and SERIAL#
 * unquoted), and the statements that act (ALTER SYSTEM KILL / DISCONNECT / CANCEL, the rdsadmin
 * procedures, the self-service procedure) are intercepted by a JDBC proxy ({@link SimJdbc}) and
 * applied here following Oracle's documented semantics. Each rule cites its source; the list is
 * repeated in docs/oracle.md.
 *
 * <p>Layout: every view is stored once as its GV$ table with INST_ID; each V$ view is an H2 view of
 * the connected instance's rows ({@code @SIM_INST}, set per connection), as V$ views show the
 * instance a session is connected to (Oracle Real Application Clusters Administration: "GV$ views
 * ... retrieve the V$ view information from all qualified instances").
 */
public final class OracleSimulator implements AutoCloseable {

    /** Undo blocks a rollback undoes per {@link #tick()}: a "large" transaction needs more than one tick. */
    public static final long ROLLBACK_BLOCKS_PER_TICK = 400;

    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** A simulated session: where it lives and its incarnation. */
    public record SimSession(int instance, long sid, long serial, String user) {
        public String saddr() {
            return "S" + instance + "_" + sid + "_" + serial;
        }

        /** The printable sessionctl key. */
        public String key() {
            return sid + "," + serial + ",@" + instance;
        }
    }

    private final String url;
    private final Connection admin;
    private final int instances;
    private String version = "19.0.0.0.0";
    private boolean rds;
    private final Map<String, String> selfServiceProcedures = new HashMap<>();
    private final Map<Integer, Long> nextSid = new HashMap<>();
    private long nextSerial = 1000;
    private long nextObjectId = 70000;
    private long nextSpid = 31000;
    private final Set<String> pendingPostTransaction = new HashSet<>();
    private final Set<String> awaitingClientCall = new HashSet<>();
    private final List<String> intercepted = Collections.synchronizedList(new ArrayList<>());

    /** @param instances 1 for a single-instance database, 2 or more for RAC */
    public OracleSimulator(int instances) {
        this.instances = instances;
        this.url = "jdbc:h2:mem:oracle-sim-" + DATABASES.incrementAndGet() + ";MODE=Oracle;DB_CLOSE_DELAY=-1";
        try {
            this.admin = DriverManager.getConnection(url, "sim", "");
            createSchema();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start the Oracle simulator on H2", e);
        }
    }

    private void createSchema() throws SQLException {
        String[][] views = {
            {"SESSION", "SADDR VARCHAR2(32), SID NUMBER, SERIAL# NUMBER, USERNAME VARCHAR2(128), STATUS VARCHAR2(8),"
                    + " TYPE VARCHAR2(10), SERVER VARCHAR2(9), OSUSER VARCHAR2(128), MACHINE VARCHAR2(64),"
                    + " PROGRAM VARCHAR2(84), MODULE VARCHAR2(64), SERVICE_NAME VARCHAR2(64), LOGON_TIME DATE,"
                    + " LAST_CALL_ET NUMBER, SQL_ID VARCHAR2(13), SQL_CHILD_NUMBER NUMBER, SQL_EXEC_START DATE,"
                    + " EVENT VARCHAR2(64), WAIT_CLASS VARCHAR2(64), BLOCKING_SESSION NUMBER, BLOCKING_INSTANCE NUMBER,"
                    + " FINAL_BLOCKING_SESSION NUMBER, FINAL_BLOCKING_INSTANCE NUMBER, PADDR VARCHAR2(32), TADDR VARCHAR2(32),"
                    // V$SESSION: STATE (WAITING, WAITED ...), WAIT_TIME_MICRO (time in the current wait, 11gR2+),
                    // SECONDS_IN_WAIT (deprecated for the two) (Oracle Database Reference, V$SESSION)
                    + " STATE VARCHAR2(19), WAIT_TIME_MICRO NUMBER, SECONDS_IN_WAIT NUMBER"},
            // V$PROCESS.EXECUTION_TYPE "Operating system execution type" (PROCESS or THREAD) and STID, 12c+
            // (Oracle Database Reference 12.1, V$PROCESS: with multithreading SPID is not unique)
            {"PROCESS", "ADDR VARCHAR2(32), SPID VARCHAR2(24), PNAME VARCHAR2(5), STID VARCHAR2(24), EXECUTION_TYPE VARCHAR2(10)"},
            // V$LOCK: SID, TYPE (TM DML, TX transaction, UL user; DX distributed transaction entry among the
            // system types), LMODE held (0 none .. 6 exclusive), REQUEST (Oracle Database Reference, V$LOCK)
            {"LOCK", "ADDR VARCHAR2(32), KADDR VARCHAR2(32), SID NUMBER, TYPE VARCHAR2(2), ID1 NUMBER, ID2 NUMBER,"
                    + " LMODE NUMBER, REQUEST NUMBER, CTIME NUMBER, BLOCK NUMBER"},
            {"TRANSACTION", "ADDR VARCHAR2(32), SES_ADDR VARCHAR2(32), XIDUSN NUMBER, XIDSLOT NUMBER, XIDSQN NUMBER,"
                    + " STATUS VARCHAR2(16), START_TIME VARCHAR2(20), USED_UBLK NUMBER, USED_UREC NUMBER"},
            {"SQL", "SQL_ID VARCHAR2(13), CHILD_NUMBER NUMBER, SQL_TEXT VARCHAR2(1000), ELAPSED_TIME NUMBER, CPU_TIME NUMBER"},
            {"PX_SESSION", "SADDR VARCHAR2(32), SID NUMBER, SERIAL# NUMBER, QCSID NUMBER, QCSERIAL# NUMBER,"
                    + " QCINST_ID NUMBER, SERVER# NUMBER"},
            {"LOCKED_OBJECT", "XIDUSN NUMBER, XIDSLOT NUMBER, XIDSQN NUMBER, OBJECT_ID NUMBER, SESSION_ID NUMBER,"
                    + " ORACLE_USERNAME VARCHAR2(128), LOCKED_MODE NUMBER"},
            {"INSTANCE", "INSTANCE_NUMBER NUMBER, INSTANCE_NAME VARCHAR2(16), VERSION VARCHAR2(17)"},
        };
        try (Statement st = admin.createStatement()) {
            for (String[] v : views) {
                st.execute("CREATE TABLE GV$" + v[0] + " (INST_ID NUMBER, " + v[1] + ")");
                String cols = columnNames(v[1]);
                st.execute("CREATE VIEW V$" + v[0] + " AS SELECT " + cols + " FROM GV$" + v[0]
                        + " WHERE INST_ID = COALESCE(@SIM_INST, 1)");
            }
            st.execute("CREATE TABLE DBA_OBJECTS (OWNER VARCHAR2(128), OBJECT_NAME VARCHAR2(128), SUBOBJECT_NAME VARCHAR2(128),"
                    + " OBJECT_ID NUMBER, OBJECT_TYPE VARCHAR2(23))");
            // DBA_2PC_PENDING: distributed transactions awaiting recovery; LOCAL_TRAN_ID "n.n.n", STATE collecting /
            // prepared / committed / forced commit / forced rollback, ADVICE C / R (Oracle Database Reference, DBA_2PC_PENDING)
            st.execute("CREATE TABLE DBA_2PC_PENDING (LOCAL_TRAN_ID VARCHAR2(22), GLOBAL_TRAN_ID VARCHAR2(169),"
                    + " STATE VARCHAR2(16), MIXED VARCHAR2(3), ADVICE VARCHAR2(1), TRAN_COMMENT VARCHAR2(255), FAIL_TIME DATE,"
                    + " FORCE_TIME DATE, RETRY_TIME DATE, OS_USER VARCHAR2(64), OS_TERMINAL VARCHAR2(255), HOST VARCHAR2(128),"
                    + " DB_USER VARCHAR2(128), COMMIT# VARCHAR2(16))");
            st.execute("CREATE TABLE ALL_OBJECTS (OWNER VARCHAR2(128), OBJECT_NAME VARCHAR2(128), OBJECT_TYPE VARCHAR2(23))");
            st.execute("CREATE TABLE SIM_PRIVS (USERNAME VARCHAR2(128), PRIVILEGE VARCHAR2(40))");
            st.execute("CREATE TABLE SIM_ROLES (USERNAME VARCHAR2(128), ROLE VARCHAR2(128))");
            st.execute("CREATE VIEW SESSION_PRIVS AS SELECT PRIVILEGE FROM SIM_PRIVS WHERE USERNAME = @SIM_USER");
            st.execute("CREATE VIEW SESSION_ROLES AS SELECT ROLE FROM SIM_ROLES WHERE USERNAME = @SIM_USER");
            st.execute("CREATE ALIAS SYS_CONTEXT FOR '" + SimJdbc.class.getName() + ".sysContext'");
            // OceanBase Oracle mode: GV$OB_PROCESSLIST (OceanBase docs, "GV$OB_PROCESSLIST"); USER and TIME quoted
            st.execute("CREATE TABLE GV$OB_PROCESSLIST (SVR_IP VARCHAR2(46), SVR_PORT NUMBER, SQL_PORT NUMBER, ID NUMBER,"
                    + " \"USER\" VARCHAR2(193), HOST VARCHAR2(128), DB VARCHAR2(128), TENANT VARCHAR2(128), COMMAND VARCHAR2(4096),"
                    + " \"TIME\" NUMBER, STATE VARCHAR2(128), INFO VARCHAR2(4000), SQL_ID VARCHAR2(32), TRANS_ID NUMBER)");
            for (int i = 1; i <= instances; i++) {
                st.execute("INSERT INTO GV$INSTANCE VALUES (" + i + ", " + i + ", 'ORCL" + i + "', '" + version + "')");
                // the background processes every instance runs (Oracle Database Concepts, "Background Processes")
                for (String bg : List.of("PMON", "SMON", "LGWR", "DBW0", "CKPT")) {
                    backgroundSession(i, bg);
                }
            }
        }
    }

    private static String columnNames(String defs) {
        List<String> names = new ArrayList<>();
        for (String part : defs.split(",\\s*(?=[A-Z_#$]+ )")) {
            names.add(part.trim().split("\\s+")[0]);
        }
        return String.join(", ", names);
    }

    // ------------------------------------------------------------------ configuration

    public OracleSimulator version(String v) {
        this.version = v;
        update("UPDATE GV$INSTANCE SET VERSION = ?", v);
        return this;
    }

    public String version() {
        return version;
    }

    public int majorVersion() {
        return Integer.parseInt(version.split("\\.")[0]);
    }

    /** Amazon RDS: installs RDSADMIN.RDSADMIN_UTIL (visible in ALL_OBJECTS); callers need EXECUTE on it. */
    public OracleSimulator rds(boolean on) {
        this.rds = on;
        update("DELETE FROM ALL_OBJECTS WHERE OWNER = 'RDSADMIN'");
        if (on) {
            update("INSERT INTO ALL_OBJECTS VALUES ('RDSADMIN', 'RDSADMIN_UTIL', 'PACKAGE')");
        }
        return this;
    }

    public boolean isRds() {
        return rds;
    }

    /** Installs the self-service procedure (the DDL of OracleSelfService), owned by a user holding ALTER SYSTEM. */
    public OracleSimulator installSelfService(String procedure, String owner) {
        selfServiceProcedures.put(procedure.toUpperCase(Locale.ROOT), owner.toUpperCase(Locale.ROOT));
        String[] p = procedure.toUpperCase(Locale.ROOT).split("\\.");
        update("INSERT INTO ALL_OBJECTS VALUES (?, ?, 'PROCEDURE')", p[0], p[1]);
        grant(owner, "ALTER SYSTEM");
        return this;
    }

    String selfServiceOwner(String procedure) {
        return selfServiceProcedures.get(procedure.toUpperCase(Locale.ROOT));
    }

    public OracleSimulator grant(String user, String privilege) {
        update("INSERT INTO SIM_PRIVS VALUES (?, ?)", user.toUpperCase(Locale.ROOT), privilege);
        return this;
    }

    public OracleSimulator grantRole(String user, String role) {
        update("INSERT INTO SIM_ROLES VALUES (?, ?)", user.toUpperCase(Locale.ROOT), role);
        return this;
    }

    /** A DBA as sessionctl normally connects: ALTER SYSTEM and SELECT_CATALOG_ROLE. */
    public OracleSimulator dba(String user) {
        return grant(user, "ALTER SYSTEM").grantRole(user, "SELECT_CATALOG_ROLE");
    }

    boolean hasPrivilege(String user, String privilege) {
        return count("SELECT COUNT(*) FROM SIM_PRIVS WHERE USERNAME = ? AND PRIVILEGE = ?", user, privilege) > 0;
    }

    /** SELECT_CATALOG_ROLE or SELECT ANY DICTIONARY opens the V$ views and DBA_ views (Oracle Database Security Guide). */
    boolean canReadDictionary(String user) {
        return hasPrivilege(user, "SELECT ANY DICTIONARY")
                || count("SELECT COUNT(*) FROM SIM_ROLES WHERE USERNAME = ? AND ROLE = 'SELECT_CATALOG_ROLE'", user) > 0;
    }

    // ------------------------------------------------------------------ sessions

    private long allocateSid(int instance) {
        long sid = nextSid.getOrDefault(instance, 10L);
        nextSid.put(instance, sid + 7);
        return sid;
    }

    /** A user session (STATUS INACTIVE, no transaction) on an instance. */
    public SimSession session(int instance, String user) {
        return sessionAt(instance, allocateSid(instance), user);
    }

    /** A user session reusing a SID: a new incarnation gets a new SERIAL# (V$SESSION.SERIAL#). */
    public SimSession sessionAt(int instance, long sid, String user) {
        SimSession s = new SimSession(instance, sid, ++nextSerial, user.toUpperCase(Locale.ROOT));
        String paddr = "P" + instance + "_" + sid + "_" + s.serial();
        update("INSERT INTO GV$PROCESS (INST_ID, ADDR, SPID) VALUES (?, ?, ?)", instance, paddr, Long.toString(++nextSpid));
        update("INSERT INTO GV$SESSION (INST_ID, SADDR, SID, SERIAL#, USERNAME, STATUS, TYPE, SERVER, OSUSER, MACHINE,"
                + " PROGRAM, MODULE, SERVICE_NAME, LOGON_TIME, LAST_CALL_ET, PADDR) VALUES (?, ?, ?, ?, ?, 'INACTIVE', 'USER',"
                + " 'DEDICATED', 'app', 'apphost', 'JDBC Thin Client', 'app', 'ORCLPDB', SYSDATE - INTERVAL '1' HOUR, 60, ?)",
                instance, s.saddr(), sid, s.serial(), s.user(), paddr);
        return s;
    }

    private SimSession backgroundSession(int instance, String name) {
        long sid = allocateSid(instance);
        SimSession s = new SimSession(instance, sid, 1, null);
        String paddr = "P" + instance + "_" + sid + "_bg";
        update("INSERT INTO GV$PROCESS (INST_ID, ADDR, SPID, PNAME) VALUES (?, ?, ?, ?)", instance, paddr,
                Long.toString(++nextSpid), name);
        update("INSERT INTO GV$SESSION (INST_ID, SADDR, SID, SERIAL#, USERNAME, STATUS, TYPE, SERVER, PROGRAM, LOGON_TIME,"
                + " LAST_CALL_ET, PADDR) VALUES (?, ?, ?, 1, NULL, 'ACTIVE', 'BACKGROUND', 'DEDICATED', ?, SYSDATE - INTERVAL '1' DAY, 86400, ?)",
                instance, s.saddr(), sid, "oracle@dbhost (" + name + ")", paddr);
        return s;
    }

    /** The background session of a process name (PMON, SMON, ...) on an instance. */
    public SimSession background(int instance, String name) {
        try (PreparedStatement ps = admin.prepareStatement("SELECT s.SID FROM GV$SESSION s JOIN GV$PROCESS p ON p.ADDR = s.PADDR"
                + " AND p.INST_ID = s.INST_ID WHERE s.INST_ID = ? AND p.PNAME = ?")) {
            ps.setInt(1, instance);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new SimSession(instance, rs.getLong(1), 1, null);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The session runs a statement: STATUS ACTIVE, SQL_ID set, a V$SQL row. */
    public void runs(SimSession s, String sqlId, String sqlText) {
        update("MERGE INTO GV$SQL (INST_ID, SQL_ID, CHILD_NUMBER, SQL_TEXT, ELAPSED_TIME, CPU_TIME) KEY (INST_ID, SQL_ID, CHILD_NUMBER)"
                + " VALUES (?, ?, 0, ?, 754000000, 312000000)", s.instance(), sqlId, sqlText);
        update("UPDATE GV$SESSION SET STATUS = 'ACTIVE', SQL_ID = ?, SQL_CHILD_NUMBER = 0, SQL_EXEC_START = SYSDATE - INTERVAL '1' MINUTE,"
                + " LAST_CALL_ET = 60 WHERE INST_ID = ? AND SID = ? AND SERIAL# = ?", sqlId, s.instance(), s.sid(), s.serial());
    }

    /** The session opens a transaction holding {@code undoBlocks} of undo (V$TRANSACTION.USED_UBLK). */
    public void transaction(SimSession s, long undoBlocks) {
        String taddr = "T" + s.saddr();
        update("INSERT INTO GV$TRANSACTION (INST_ID, ADDR, SES_ADDR, XIDUSN, XIDSLOT, XIDSQN, STATUS, START_TIME, USED_UBLK,"
                + " USED_UREC) VALUES (?, ?, ?, 7, ?, 4242, 'ACTIVE', TO_CHAR(SYSDATE - INTERVAL '15' MINUTE, 'MM/DD/YY HH24:MI:SS'), ?, ?)",
                s.instance(), taddr, s.saddr(), s.sid(), undoBlocks, undoBlocks * 30);
        update("UPDATE GV$SESSION SET TADDR = ? WHERE INST_ID = ? AND SID = ? AND SERIAL# = ?", taddr, s.instance(), s.sid(), s.serial());
        // a transaction holds its TX enqueue in exclusive mode (V$LOCK TYPE TX, LMODE 6)
        lockRow(s, "TX", 7L << 16 | s.sid(), 4242, 6);
    }

    private void lockRow(SimSession s, String type, long id1, long id2, int lmode) {
        update("INSERT INTO GV$LOCK (INST_ID, ADDR, KADDR, SID, TYPE, ID1, ID2, LMODE, REQUEST, CTIME, BLOCK)"
                + " VALUES (?, 'L', 'K', ?, ?, ?, ?, ?, 0, 60, 0)", s.instance(), s.sid(), type, id1, id2, lmode);
    }

    /** The session is served by a shared server (V$SESSION.SERVER SHARED; NONE between calls; both list a dispatcher). */
    public void sharedServer(SimSession s, String server) {
        update("UPDATE GV$SESSION SET SERVER = ? WHERE INST_ID = ? AND SID = ?", server, s.instance(), s.sid());
    }

    /** Threaded execution (12c+): the session's server is a thread (V$PROCESS.EXECUTION_TYPE = 'THREAD'). */
    public void threaded(SimSession s) {
        update("UPDATE GV$PROCESS SET EXECUTION_TYPE = 'THREAD', STID = SPID WHERE INST_ID = ? AND ADDR ="
                + " (SELECT PADDR FROM GV$SESSION WHERE INST_ID = ? AND SID = ?)", s.instance(), s.instance(), s.sid());
    }

    /**
     * The session's transaction is distributed (it went through a database link): it holds the DX
     * "distributed transaction entry" lock; with {@code inDoubtState} (e.g. "prepared") the
     * transaction is also listed in DBA_2PC_PENDING under its local id XIDUSN.XIDSLOT.XIDSQN.
     */
    public void distributed(SimSession s, String globalId, String inDoubtState, String advice) {
        lockRow(s, "DX", s.sid(), 0, 4);
        if (inDoubtState != null) {
            update("INSERT INTO DBA_2PC_PENDING (LOCAL_TRAN_ID, GLOBAL_TRAN_ID, STATE, ADVICE, FAIL_TIME, RETRY_TIME, DB_USER)"
                    + " VALUES (?, ?, ?, ?, SYSDATE, SYSDATE, ?)", "7." + s.sid() + ".4242", globalId, inDoubtState, advice, s.user());
        }
    }

    /** The session is in a wait: STATE 'WAITING' for {@code seconds} (WAIT_TIME_MICRO, SECONDS_IN_WAIT). */
    public void waits(SimSession s, String event, String waitClass, long seconds) {
        update("UPDATE GV$SESSION SET EVENT = ?, WAIT_CLASS = ?, STATE = 'WAITING', WAIT_TIME_MICRO = ?, SECONDS_IN_WAIT = ?"
                + " WHERE INST_ID = ? AND SID = ?", event, waitClass, seconds * 1_000_000, seconds, s.instance(), s.sid());
    }

    /** Marks a session KILLED without any statement (it was killed earlier, by someone else). */
    public void markKilled(SimSession s) {
        update("UPDATE GV$SESSION SET STATUS = 'KILLED' WHERE INST_ID = ? AND SID = ?", s.instance(), s.sid());
    }

    /** The session holds a DML lock on a table (V$LOCKED_OBJECT row; DBA_OBJECTS row created once). */
    public void locks(SimSession s, String owner, String table) {
        long objectId = objectId(owner, table);
        update("INSERT INTO GV$LOCKED_OBJECT VALUES (?, 7, ?, 4242, ?, ?, ?, 3)", s.instance(), s.sid(), objectId, s.sid(), s.user());
        lockRow(s, "TM", objectId, 0, 3); // a DML lock on the table in row-X mode (V$LOCK TYPE TM, ID1 = object id)
    }

    private long objectId(String owner, String table) {
        try (PreparedStatement ps = admin.prepareStatement("SELECT OBJECT_ID FROM DBA_OBJECTS WHERE OWNER = ? AND OBJECT_NAME = ?")) {
            ps.setString(1, owner);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return rs.getLong(1);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        long id = ++nextObjectId;
        update("INSERT INTO DBA_OBJECTS VALUES (?, ?, NULL, ?, 'TABLE')", owner, table, id);
        return id;
    }

    /** The waiter waits for a row lock held by the blocker (BLOCKING_SESSION / BLOCKING_INSTANCE, FINAL_*). */
    public void blocks(SimSession blocker, SimSession waiter) {
        update("UPDATE GV$SESSION SET STATUS = 'ACTIVE', EVENT = 'enq: TX - row lock contention', WAIT_CLASS = 'Application',"
                + " BLOCKING_SESSION = ?, BLOCKING_INSTANCE = ? WHERE INST_ID = ? AND SID = ? AND SERIAL# = ?",
                blocker.sid(), blocker.instance(), waiter.instance(), waiter.sid(), waiter.serial());
        recomputeFinalBlockers();
    }

    /** A parallel query slave serving a coordinator (V$PX_SESSION: QCSID, QCINST_ID; the QC has its own row). */
    public SimSession pxSlave(SimSession coordinator, int instance) {
        SimSession slave = session(instance, coordinator.user());
        update("UPDATE GV$SESSION SET STATUS = 'ACTIVE', PROGRAM = 'oracle@dbhost (P000)' WHERE INST_ID = ? AND SID = ?",
                instance, slave.sid());
        update("MERGE INTO GV$PX_SESSION (INST_ID, SADDR, SID, SERIAL#, QCSID, QCSERIAL#, QCINST_ID, SERVER#) KEY (INST_ID, SID)"
                + " VALUES (?, ?, ?, ?, ?, NULL, ?, NULL)", coordinator.instance(), coordinator.saddr(), coordinator.sid(),
                coordinator.serial(), coordinator.sid(), coordinator.instance());
        update("INSERT INTO GV$PX_SESSION VALUES (?, ?, ?, ?, ?, ?, ?, 1)", instance, slave.saddr(), slave.sid(), slave.serial(),
                coordinator.sid(), coordinator.serial(), coordinator.instance());
        return slave;
    }

    /** A transaction whose session row is gone (V$TRANSACTION without V$SESSION: PMON/SMON clean-up). */
    public void orphanTransaction(int instance, long undoBlocks) {
        update("INSERT INTO GV$TRANSACTION (INST_ID, ADDR, SES_ADDR, XIDUSN, XIDSLOT, XIDSQN, STATUS, START_TIME, USED_UBLK,"
                + " USED_UREC) VALUES (?, 'TORPHAN', 'SGONE', 9, 3, 777, 'ACTIVE', TO_CHAR(SYSDATE - INTERVAL '1' HOUR, 'MM/DD/YY HH24:MI:SS'),"
                + " ?, ?)", instance, undoBlocks, undoBlocks * 30);
    }

    /** The session commits: its transaction ends, its locks go, a pending POST_TRANSACTION disconnect happens. */
    public void commit(SimSession s) {
        endTransaction(s.instance(), s.sid());
        if (pendingPostTransaction.remove(s.saddr())) {
            removeSession(s.instance(), s.sid());
        }
    }

    // ------------------------------------------------------------------ reading state (for assertions)

    /** STATUS of a session, or null when its row is gone or the SID now has another SERIAL#. */
    public String status(SimSession s) {
        try (PreparedStatement ps = admin.prepareStatement(
                "SELECT STATUS FROM GV$SESSION WHERE INST_ID = ? AND SID = ? AND SERIAL# = ?")) {
            ps.setInt(1, s.instance());
            ps.setLong(2, s.sid());
            ps.setLong(3, s.serial());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public Long undoBlocks(SimSession s) {
        try (PreparedStatement ps = admin.prepareStatement("SELECT t.USED_UBLK FROM GV$SESSION s JOIN GV$TRANSACTION t"
                + " ON t.ADDR = s.TADDR AND t.INST_ID = s.INST_ID WHERE s.INST_ID = ? AND s.SID = ?")) {
            ps.setInt(1, s.instance());
            ps.setLong(2, s.sid());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** BLOCKING_SESSION of a waiter, or null. */
    public Long blockingSession(SimSession waiter) {
        try (PreparedStatement ps = admin.prepareStatement(
                "SELECT BLOCKING_SESSION FROM GV$SESSION WHERE INST_ID = ? AND SID = ?")) {
            ps.setInt(1, waiter.instance());
            ps.setLong(2, waiter.sid());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long v = rs.getLong(1);
                return rs.wasNull() ? null : v;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public int lockCount(SimSession s) {
        return (int) count("SELECT COUNT(*) FROM GV$LOCKED_OBJECT WHERE INST_ID = ? AND SESSION_ID = ?", s.instance(), s.sid());
    }

    public String sqlId(SimSession s) {
        try (PreparedStatement ps = admin.prepareStatement("SELECT SQL_ID FROM GV$SESSION WHERE INST_ID = ? AND SID = ?")) {
            ps.setInt(1, s.instance());
            ps.setLong(2, s.sid());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every ALTER SYSTEM / PL/SQL call the proxy intercepted, in order, with binds shown. */
    public List<String> intercepted() {
        return List.copyOf(intercepted);
    }

    void recordIntercepted(String text) {
        intercepted.add(text);
    }

    // ------------------------------------------------------------------ time

    /**
     * One step of simulated time: every KILLED session still holding undo rolls back
     * {@link #ROLLBACK_BLOCKS_PER_TICK} blocks; when none is left the row disappears and its locks
     * are released (Oracle Database Administrator's Guide, "Terminating Sessions": a session that
     * is rolling back "holds all resources until it is terminated").
     */
    public synchronized void tick() {
        List<long[]> rolling = new ArrayList<>();
        List<String> saddrs = new ArrayList<>();
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SELECT s.INST_ID, s.SID, t.USED_UBLK, s.SADDR"
                + " FROM GV$SESSION s JOIN GV$TRANSACTION t ON t.ADDR = s.TADDR AND t.INST_ID = s.INST_ID"
                + " WHERE s.STATUS = 'KILLED'")) {
            while (rs.next()) {
                rolling.add(new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)});
                saddrs.add(rs.getString(4));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < rolling.size(); i++) {
            long[] r = rolling.get(i);
            int inst = (int) r[0];
            long left = r[2] - ROLLBACK_BLOCKS_PER_TICK;
            if (left <= 0 && awaitingClientCall.contains(saddrs.get(i))) {
                endTransaction(inst, r[1]); // rolled back, locks released; the row waits for the client's next call
            } else if (left <= 0) {
                removeSession(inst, r[1]);
            } else {
                update("UPDATE GV$TRANSACTION SET USED_UBLK = ?, USED_UREC = ? WHERE INST_ID = ? AND ADDR ="
                        + " (SELECT TADDR FROM GV$SESSION WHERE INST_ID = ? AND SID = ?)", left, left * 30, inst, inst, r[1]);
            }
        }
    }

    // ------------------------------------------------------------------ what the intercepted statements do

    private static final Pattern KILL = Pattern.compile(
            "(?i)^\\s*ALTER\\s+SYSTEM\\s+KILL\\s+SESSION\\s+'\\s*(\\d+)\\s*,\\s*(\\d+)\\s*(?:,\\s*@(\\d+)\\s*)?'\\s*(IMMEDIATE)?\\s*;?\\s*$");
    private static final Pattern DISCONNECT = Pattern.compile(
            "(?i)^\\s*ALTER\\s+SYSTEM\\s+DISCONNECT\\s+SESSION\\s+'\\s*(\\d+)\\s*,\\s*(\\d+)\\s*'\\s*(POST_TRANSACTION)?\\s*(IMMEDIATE)?\\s*;?\\s*$");
    private static final Pattern CANCEL = Pattern.compile(
            "(?i)^\\s*ALTER\\s+SYSTEM\\s+CANCEL\\s+SQL\\s+'\\s*(\\d+)\\s*,\\s*(\\d+)\\s*(?:,\\s*@(\\d+)\\s*)?(?:,\\s*([0-9a-z]{13})\\s*)?'\\s*;?\\s*$");

    /** The caller of an intercepted statement: user, instance and own session. */
    record Caller(String user, int instance, long sid) {
    }

    /** Applies an ALTER SYSTEM statement as the caller; throws the SQLException Oracle would raise. */
    synchronized void alterSystem(Caller caller, String sql) throws SQLException {
        recordIntercepted(sql.trim());
        Matcher m;
        if ((m = KILL.matcher(sql)).matches()) {
            requirePrivilege(caller, "ALTER SYSTEM");
            int inst = m.group(3) == null ? caller.instance() : Integer.parseInt(m.group(3));
            if (inst > instances) {
                throw SimJdbc.ora(26, "missing or invalid session ID"); // no such instance
            }
            kill(caller, inst, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), m.group(4) != null);
        } else if ((m = DISCONNECT.matcher(sql)).matches()) {
            requirePrivilege(caller, "ALTER SYSTEM");
            // no @inst in the DISCONNECT grammar: it looks at the connected instance only
            disconnect(caller, caller.instance(), Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), m.group(3) != null);
        } else if ((m = CANCEL.matcher(sql)).matches()) {
            if (majorVersion() < 18) {
                throw SimJdbc.ora(900, "invalid SQL statement"); // CANCEL SQL appeared in 18c
            }
            requirePrivilege(caller, "ALTER SYSTEM");
            int inst = m.group(3) == null ? caller.instance() : Integer.parseInt(m.group(3));
            cancel(caller, inst, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), m.group(4));
        } else if (sql.toUpperCase(Locale.ROOT).contains("SESSION") || sql.toUpperCase(Locale.ROOT).contains("CANCEL")) {
            throw SimJdbc.ora(26, "missing or invalid session ID");
        } else {
            throw SimJdbc.ora(900, "invalid SQL statement");
        }
    }

    private void requirePrivilege(Caller caller, String privilege) throws SQLException {
        if (!hasPrivilege(caller.user(), privilege)) {
            throw SimJdbc.ora(1031, "insufficient privileges");
        }
    }

    /** The row a (SID, SERIAL#) names on an instance, after Oracle's checks; throws the ORA- error otherwise. */
    private Map<String, Object> target(Caller caller, int inst, long sid, long serial) throws SQLException {
        Map<String, Object> row = row(inst, sid);
        // ORA-00030 "User session ID does not exist": no session with this SID, or a SID whose
        // SERIAL# differs. V$SESSION.SERIAL# "guarantees that session-level commands are applied to
        // the correct session objects if the session ends and another session begins with the same
        // session ID" (Oracle Database Reference, V$SESSION).
        if (row == null || ((Number) row.get("SERIAL#")).longValue() != serial) {
            throw SimJdbc.ora(30, "User session ID does not exist.");
        }
        if (inst == caller.instance() && sid == caller.sid()) {
            throw SimJdbc.ora(27, "cannot kill current session"); // ORA-00027
        }
        if ("BACKGROUND".equals(row.get("TYPE"))) {
            throw SimJdbc.ora(29, "session is not a user session"); // ORA-00029
        }
        return row;
    }

    void kill(Caller caller, int inst, long sid, long serial, boolean immediate) throws SQLException {
        Map<String, Object> row = target(caller, inst, sid, serial);
        if ("KILLED".equals(row.get("STATUS"))) {
            // already marked: Oracle answers ORA-00031 again (ORA-00031 playbook: "do not re-kill")
            throw SimJdbc.ora(31, "session marked for kill");
        }
        boolean inactive = !"ACTIVE".equals(row.get("STATUS"));
        if (inactive) {
            // "When an inactive session has been terminated, the STATUS of the session in the V$SESSION
            // view is KILLED. The row for the terminated session is removed from V$SESSION after the user
            // attempts to use the session again and receives the ORA-00028 message."
            // (Administrator's Guide, "Terminating an Inactive Session"): see clientCalls().
            awaitingClientCall.add((String) row.get("SADDR"));
        }
        long undo = undo(inst, sid);
        if (undo > ROLLBACK_BLOCKS_PER_TICK) {
            // The rollback outlasts the wait: status KILLED, rollback continues (tick()). Without
            // IMMEDIATE the issuer waits (up to 60 s) and then gets ORA-00031 "session marked for kill"
            // (Administrator's Guide, "Terminating an Active Session": "marked to be terminated", status
            // KILLED); with IMMEDIATE control returns at once while the rollback goes on (SQL Language
            // Reference, ALTER SYSTEM, IMMEDIATE).
            update("UPDATE GV$SESSION SET STATUS = 'KILLED' WHERE INST_ID = ? AND SID = ?", inst, sid);
            if (!immediate) {
                throw SimJdbc.ora(31, "session marked for kill");
            }
            return;
        }
        // Small or no transaction: rolled back within the wait, resources released ("When a session is
        // terminated, any active transactions of the session are rolled back, and resources held by the
        // session (such as locks and memory areas) are immediately released").
        if (inactive) {
            endTransaction(inst, sid);
            update("UPDATE GV$SESSION SET STATUS = 'KILLED' WHERE INST_ID = ? AND SID = ?", inst, sid);
        } else {
            removeSession(inst, sid); // an active session gets ORA-00028 at once and is gone
        }
    }

    /**
     * The client of a KILLED inactive session makes its next call: it receives ORA-00028 and the row
     * is removed from V$SESSION (Administrator's Guide, "Terminating an Inactive Session").
     */
    public void clientCalls(SimSession s) {
        if ("KILLED".equals(status(s)) && undoBlocks(s) == null) {
            awaitingClientCall.remove(s.saddr());
            removeSession(s.instance(), s.sid());
        }
    }

    void disconnect(Caller caller, int inst, long sid, long serial, boolean postTransaction) throws SQLException {
        Map<String, Object> row = target(caller, inst, sid, serial);
        long undo = undo(inst, sid);
        if (postTransaction && row.get("TADDR") != null) {
            // POST_TRANSACTION "allows ongoing transactions to complete before the session is disconnected"
            pendingPostTransaction.add((String) row.get("SADDR"));
            return;
        }
        if (undo > ROLLBACK_BLOCKS_PER_TICK) {
            // IMMEDIATE: "disconnects the session and recovers the entire session state immediately,
            // without waiting for ongoing transactions to complete": the server process is gone, the
            // rollback of a large transaction still runs (shown as KILLED until done).
            update("UPDATE GV$SESSION SET STATUS = 'KILLED', PADDR = NULL WHERE INST_ID = ? AND SID = ?",
                    inst, sid);
            return;
        }
        removeSession(inst, sid);
    }

    void cancel(Caller caller, int inst, long sid, long serial, String sqlId) throws SQLException {
        Map<String, Object> row = target(caller, inst, sid, serial);
        // CANCEL SQL ends the current call of the session; the session and its transaction stay
        // (Administrator's Guide 18c+, "Cancelling a SQL Statement in a Session": the session gets
        // ORA-01013). Simulator assumption (not documented): naming a SQL id the session is not
        // running changes nothing.
        if (sqlId == null || sqlId.equals(row.get("SQL_ID"))) {
            update("UPDATE GV$SESSION SET STATUS = 'INACTIVE', SQL_ID = NULL, SQL_EXEC_START = NULL, EVENT = NULL,"
                    + " WAIT_CLASS = NULL, BLOCKING_SESSION = NULL, BLOCKING_INSTANCE = NULL, FINAL_BLOCKING_SESSION = NULL,"
                    + " FINAL_BLOCKING_INSTANCE = NULL WHERE INST_ID = ? AND SID = ?", inst, sid);
        }
    }

    /**
     * rdsadmin.rdsadmin_util.kill / disconnect / cancel (Amazon RDS User Guide): the same effects as
     * the ALTER SYSTEM statements they stand for, run with the package owner's rights, so the caller
     * needs EXECUTE on the package, not ALTER SYSTEM. kill(method => 'PROCESS') ends the server process.
     */
    synchronized void rdsadmin(Caller caller, String procedure, long sid, long serial, String methodOrSqlId) throws SQLException {
        recordIntercepted("rdsadmin.rdsadmin_util." + procedure + "(" + sid + ", " + serial + ", " + methodOrSqlId + ")");
        if (!rds || !hasPrivilege(caller.user(), "EXECUTE RDSADMIN.RDSADMIN_UTIL")) {
            throw SimJdbc.ora(6550, "PLS-00201: identifier 'RDSADMIN.RDSADMIN_UTIL' must be declared");
        }
        switch (procedure) {
            case "kill" -> {
                if ("PROCESS".equals(methodOrSqlId)) {
                    target(caller, caller.instance(), sid, serial);
                    removeSession(caller.instance(), sid); // the process is ended; PMON cleans up
                } else {
                    kill(caller, caller.instance(), sid, serial, "IMMEDIATE".equals(methodOrSqlId));
                }
            }
            case "disconnect" -> disconnect(caller, caller.instance(), sid, serial,
                    "POST_TRANSACTION".equals(methodOrSqlId));
            case "cancel" -> {
                if (majorVersion() < 19) {
                    throw SimJdbc.ora(6550, "PLS-00302: component 'CANCEL' must be declared");
                }
                cancel(caller, caller.instance(), sid, serial, methodOrSqlId);
            }
            default -> throw SimJdbc.ora(6550, "PLS-00302: component must be declared");
        }
    }

    /**
     * The self-service procedure, as its DDL in OracleSelfService defines it: ORA-20030 when no such
     * session, ORA-20031 when its USERNAME is not the caller's SESSION_USER, else ALTER SYSTEM KILL
     * SESSION with the owner's rights (whose errors, ORA-00031 and ORA-00027, propagate).
     */
    synchronized void selfService(Caller caller, String procedure, long sid, long serial, boolean immediate) throws SQLException {
        recordIntercepted(procedure + "(" + sid + ", " + serial + ", " + (immediate ? 1 : 0) + ")");
        String owner = selfServiceOwner(procedure);
        if (owner == null) {
            throw SimJdbc.ora(6550, "PLS-00201: identifier '" + procedure + "' must be declared");
        }
        if (!hasPrivilege(caller.user(), "EXECUTE " + procedure.toUpperCase(Locale.ROOT))) {
            throw SimJdbc.ora(6550, "PLS-00201: identifier '" + procedure + "' must be declared");
        }
        Map<String, Object> row = row(caller.instance(), sid);
        if (row == null || ((Number) row.get("SERIAL#")).longValue() != serial || !"USER".equals(row.get("TYPE"))) {
            throw SimJdbc.ora(20030, "no session " + sid + "," + serial);
        }
        if (!caller.user().equals(row.get("USERNAME"))) {
            throw SimJdbc.ora(20031, "session " + sid + "," + serial + " does not belong to " + caller.user());
        }
        kill(new Caller(owner, caller.instance(), caller.sid()), caller.instance(), sid, serial, immediate);
    }

    // ------------------------------------------------------------------ losing the tool's own connection

    private final Map<String, Integer> brokenConnections = new HashMap<>();

    /**
     * Someone kills the tool's own session: its next call gets ORA-00028 "your session has been
     * killed", later calls ORA-01012 "not logged on" (Administrator's Guide, "Terminating an Active Session").
     */
    public void killConnection(Connection c) {
        brokenConnections.put(SimJdbc.callerOf(c).toString(), 28);
    }

    /** The network drops: every call gets ORA-03113 "end-of-file on communication channel". */
    public void dropConnection(Connection c) {
        brokenConnections.put(SimJdbc.callerOf(c).toString(), 3113);
    }

    synchronized void checkAlive(Caller caller) throws SQLException {
        Integer code = brokenConnections.get(caller.toString());
        if (code == null) {
            return;
        }
        if (code == 28) {
            brokenConnections.put(caller.toString(), 1012);
            throw SimJdbc.ora(28, "your session has been killed");
        }
        throw code == 1012 ? SimJdbc.ora(1012, "not logged on") : SimJdbc.ora(3113, "end-of-file on communication channel");
    }

    // ------------------------------------------------------------------ OceanBase Oracle mode

    private long nextObId = 3221487600L;

    /** A session in GV$OB_PROCESSLIST; returns its ID. */
    public long obSession(String user, String host, String command, String info) {
        long id = ++nextObId;
        obSessionAt(id, user, host, command, info);
        return id;
    }

    /** A session with a given ID (an ID reused by another connection). */
    public void obSessionAt(long id, String user, String host, String command, String info) {
        update("DELETE FROM GV$OB_PROCESSLIST WHERE ID = ?", id);
        update("INSERT INTO GV$OB_PROCESSLIST VALUES ('10.0.0.5', 2882, 2881, ?, ?, ?, 'APP', 'obora', ?, 12, ?, ?, ?, 0)",
                id, user.toUpperCase(Locale.ROOT), host, command, "Sleep".equals(command) ? "SLEEP" : "ACTIVE", info,
                info == null ? "" : "2E175335D36600B7A8EC72C5094888DD");
    }

    public boolean obExists(long id) {
        return count("SELECT COUNT(*) FROM GV$OB_PROCESSLIST WHERE ID = ?", id) > 0;
    }

    public String obCommand(long id) {
        try (PreparedStatement ps = admin.prepareStatement("SELECT COMMAND FROM GV$OB_PROCESSLIST WHERE ID = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A connection to an OceanBase Oracle-mode tenant: its own GV$OB_PROCESSLIST row, SHOW VARIABLES answered. */
    public Connection connectOceanBase(String user) {
        long id = obSession(user, "127.0.0.1:40000", "Query", "SELECT 1 FROM DUAL");
        try {
            Connection real = DriverManager.getConnection(url, "sim", "");
            try (Statement st = real.createStatement()) {
                st.execute("SET @SIM_INST = 1");
                st.execute("SET @SIM_SID = " + id);
                st.execute("SET @SIM_USER = '" + user.toUpperCase(Locale.ROOT).replace("'", "''") + "'");
            }
            return SimJdbc.connection(this, real, new Caller(user.toUpperCase(Locale.ROOT), 1, id), true);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Pattern OB_KILL = Pattern.compile("(?i)^\\s*ALTER\\s+SYSTEM\\s+KILL\\s+SESSION\\s+'\\s*(\\d+)\\s*(?:,\\s*\\d+\\s*)?'\\s*(IMMEDIATE)?\\s*;?\\s*$");
    private static final Pattern OB_KILL_QUERY = Pattern.compile("(?i)^\\s*KILL\\s+QUERY\\s+(\\d+)\\s*;?\\s*$");

    /**
     * OceanBase Oracle mode: ALTER SYSTEM KILL SESSION 'id' ends the session; a serial# and IMMEDIATE
     * are accepted and ignored (OceanBase docs, ALTER SYSTEM KILL SESSION); KILL QUERY id stops the
     * statement. Simulator assumption (not documented): an unknown id raises an error (code 5065 here).
     */
    synchronized void oceanBase(Caller caller, String sql) throws SQLException {
        recordIntercepted(sql.trim());
        Matcher m;
        if ((m = OB_KILL.matcher(sql)).matches()) {
            requirePrivilege(caller, "ALTER SYSTEM");
            long id = Long.parseLong(m.group(1));
            if (!obExists(id)) {
                throw SimJdbc.ora(5065, "Unknown thread id");
            }
            update("DELETE FROM GV$OB_PROCESSLIST WHERE ID = ?", id);
        } else if ((m = OB_KILL_QUERY.matcher(sql)).matches()) {
            requirePrivilege(caller, "ALTER SYSTEM");
            long id = Long.parseLong(m.group(1));
            if (!obExists(id)) {
                throw SimJdbc.ora(5065, "Unknown thread id");
            }
            update("UPDATE GV$OB_PROCESSLIST SET COMMAND = 'Sleep', STATE = 'SLEEP', INFO = NULL WHERE ID = ?", id);
        } else {
            throw SimJdbc.ora(900, "invalid SQL statement");
        }
    }

    // ------------------------------------------------------------------ internals

    private Map<String, Object> row(int inst, long sid) throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement("SELECT * FROM GV$SESSION WHERE INST_ID = ? AND SID = ?")) {
            ps.setInt(1, inst);
            ps.setLong(2, sid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, Object> m = new HashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    m.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                return m;
            }
        }
    }

    private long undo(int inst, long sid) {
        return count("SELECT COALESCE(MAX(t.USED_UBLK), 0) FROM GV$SESSION s JOIN GV$TRANSACTION t ON t.ADDR = s.TADDR"
                + " AND t.INST_ID = s.INST_ID WHERE s.INST_ID = ? AND s.SID = ?", inst, sid);
    }

    private void endTransaction(int inst, long sid) {
        update("DELETE FROM GV$TRANSACTION WHERE INST_ID = ? AND ADDR = (SELECT TADDR FROM GV$SESSION WHERE INST_ID = ? AND SID = ?)",
                inst, inst, sid);
        update("UPDATE GV$SESSION SET TADDR = NULL WHERE INST_ID = ? AND SID = ?", inst, sid);
        releaseLocks(inst, sid);
    }

    /** The session is gone: its transaction, locks, process and PX rows too; its waiters move on. */
    private void removeSession(int inst, long sid) {
        endTransaction(inst, sid);
        update("DELETE FROM GV$PROCESS WHERE INST_ID = ? AND ADDR = (SELECT PADDR FROM GV$SESSION WHERE INST_ID = ? AND SID = ?)",
                inst, inst, sid);
        update("DELETE FROM GV$PX_SESSION WHERE INST_ID = ? AND SID = ?", inst, sid);
        update("DELETE FROM GV$SESSION WHERE INST_ID = ? AND SID = ?", inst, sid);
    }

    private void releaseLocks(int inst, long sid) {
        update("DELETE FROM GV$LOCKED_OBJECT WHERE INST_ID = ? AND SESSION_ID = ?", inst, sid);
        update("DELETE FROM GV$LOCK WHERE INST_ID = ? AND SID = ?", inst, sid);
        // waiters get the lock: no longer blocked by this session, and they run on
        update("UPDATE GV$SESSION SET BLOCKING_SESSION = NULL, BLOCKING_INSTANCE = NULL, EVENT = NULL, WAIT_CLASS = NULL"
                + " WHERE BLOCKING_SESSION = ? AND BLOCKING_INSTANCE = ?", sid, inst);
        recomputeFinalBlockers();
    }

    /** FINAL_BLOCKING_*: the end of each waiter's chain (Oracle Database Reference, V$SESSION). */
    private void recomputeFinalBlockers() {
        Map<String, long[]> blockerOf = new HashMap<>();
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT INST_ID, SID, BLOCKING_INSTANCE, BLOCKING_SESSION FROM GV$SESSION WHERE BLOCKING_SESSION IS NOT NULL")) {
            while (rs.next()) {
                blockerOf.put(rs.getLong(1) + ":" + rs.getLong(2), new long[] {rs.getLong(3), rs.getLong(4)});
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        update("UPDATE GV$SESSION SET FINAL_BLOCKING_SESSION = NULL, FINAL_BLOCKING_INSTANCE = NULL");
        for (Map.Entry<String, long[]> e : blockerOf.entrySet()) {
            long[] end = e.getValue();
            Set<String> seen = new HashSet<>();
            while (blockerOf.containsKey(end[0] + ":" + end[1]) && seen.add(end[0] + ":" + end[1])) {
                end = blockerOf.get(end[0] + ":" + end[1]);
            }
            String[] w = e.getKey().split(":");
            update("UPDATE GV$SESSION SET FINAL_BLOCKING_INSTANCE = ?, FINAL_BLOCKING_SESSION = ? WHERE INST_ID = ? AND SID = ?",
                    end[0], end[1], Long.parseLong(w[0]), Long.parseLong(w[1]));
        }
    }

    private void update(String sql, Object... args) {
        try (PreparedStatement ps = admin.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("simulator update failed: " + sql, e);
        }
    }

    private long count(String sql, Object... args) {
        try (PreparedStatement ps = admin.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("simulator query failed: " + sql, e);
        }
    }

    // ------------------------------------------------------------------ connections

    /**
     * A JDBC connection as {@code user} to {@code instance}: it gets its own session row (so the
     * tool's own session is listed, as in Oracle) and every ALTER SYSTEM / PL/SQL call through it is
     * applied by this simulator.
     */
    public Connection connect(String user, int instance) {
        if (instance < 1 || instance > instances) {
            throw new IllegalArgumentException("instance " + instance + " out of 1.." + instances);
        }
        SimSession own = session(instance, user);
        update("UPDATE GV$SESSION SET STATUS = 'ACTIVE', PROGRAM = 'sessionctl', MODULE = 'sessionctl' WHERE INST_ID = ? AND SID = ?",
                instance, own.sid());
        try {
            Connection real = DriverManager.getConnection(url, "sim", "");
            try (Statement st = real.createStatement()) {
                st.execute("SET @SIM_INST = " + instance);
                st.execute("SET @SIM_SID = " + own.sid());
                st.execute("SET @SIM_USER = '" + own.user().replace("'", "''") + "'");
            }
            return SimJdbc.connection(this, real, new Caller(own.user(), instance, own.sid()), false);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The session row a connection made by {@link #connect} got. */
    public SimSession ownSession(Connection c) {
        Caller caller = SimJdbc.callerOf(c);
        try (PreparedStatement ps = admin.prepareStatement("SELECT SERIAL# FROM GV$SESSION WHERE INST_ID = ? AND SID = ?")) {
            ps.setInt(1, caller.instance());
            ps.setLong(2, caller.sid());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new SimSession(caller.instance(), caller.sid(), rs.getLong(1), caller.user());
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try (Statement st = admin.createStatement()) {
            st.execute("SHUTDOWN");
        } catch (SQLException e) {
            // already closed
        }
    }
}
