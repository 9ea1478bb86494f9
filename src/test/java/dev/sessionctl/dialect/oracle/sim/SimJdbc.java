package dev.sessionctl.dialect.oracle.sim;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TEST-ONLY JDBC proxies for the {@link OracleSimulator}: reads go to H2 unchanged (after the
 * dictionary-privilege check Oracle makes: without SELECT_CATALOG_ROLE or SELECT ANY DICTIONARY
 * the V$/GV$/DBA_ views raise ORA-00942), ALTER SYSTEM statements and the rdsadmin / self-service
 * PL/SQL calls are applied by the simulator, which raises Oracle's errors with Oracle's vendor codes.
 */
public final class SimJdbc {

    private static final Pattern DICTIONARY = Pattern.compile("(?i)\\b(G?V\\$[A-Z_]+|DBA_[A-Z_]+)\\b");
    private static final Pattern RDSADMIN = Pattern.compile(
            "(?is)^\\s*BEGIN\\s+rdsadmin\\.rdsadmin_util\\.(kill|disconnect|cancel)\\s*\\((.*)\\)\\s*;\\s*END\\s*;?\\s*$");
    private static final Pattern SELF_SERVICE = Pattern.compile(
            "(?is)^\\s*BEGIN\\s+([A-Z0-9_$#]+(?:\\.[A-Z0-9_$#]+)?)\\s*\\(\\s*p_sid\\s*=>\\s*\\?\\s*,\\s*p_serial\\s*=>\\s*\\?\\s*,"
                    + "\\s*p_immediate\\s*=>\\s*\\?\\s*\\)\\s*;\\s*END\\s*;?\\s*$");

    private SimJdbc() {
    }

    /** An Oracle error as the thin driver reports it: vendor code = NNNNN of ORA-NNNNN. */
    static SQLException ora(int code, String message) {
        return new SQLException(String.format("ORA-%05d: %s", code, message), "99999", code);
    }

    /** H2 alias behind SYS_CONTEXT('USERENV', ...): the simulated session's SID, INSTANCE, SESSION_USER. */
    public static String sysContext(Connection c, String namespace, String parameter) throws SQLException {
        if (!"USERENV".equalsIgnoreCase(namespace)) {
            return null;
        }
        String var = switch (parameter.toUpperCase(Locale.ROOT)) {
            case "SID" -> "@SIM_SID";
            case "INSTANCE" -> "@SIM_INST";
            case "SESSION_USER", "CURRENT_USER" -> "@SIM_USER";
            default -> null;
        };
        if (var == null) {
            return null;
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT " + var)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static Connection connection(OracleSimulator sim, Connection real, OracleSimulator.Caller caller, boolean oceanBase) {
        return (Connection) Proxy.newProxyInstance(SimJdbc.class.getClassLoader(), new Class<?>[] {Connection.class},
                new ConnectionHandler(sim, real, caller, oceanBase));
    }

    static OracleSimulator.Caller callerOf(Connection c) {
        return ((ConnectionHandler) Proxy.getInvocationHandler(c)).caller;
    }

    private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private record ConnectionHandler(OracleSimulator sim, Connection real, OracleSimulator.Caller caller, boolean oceanBase)
            implements InvocationHandler {

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            switch (m.getName()) {
                case "createStatement" -> {
                    Statement st = (Statement) SimJdbc.invoke(real, m, args);
                    return Proxy.newProxyInstance(SimJdbc.class.getClassLoader(), new Class<?>[] {Statement.class},
                            new StatementHandler(sim, st, caller, (Connection) proxy, oceanBase));
                }
                case "prepareStatement", "prepareCall" -> {
                    sim.checkAlive(caller);
                    String sql = (String) args[0];
                    Matcher rds = RDSADMIN.matcher(sql);
                    Matcher self = SELF_SERVICE.matcher(sql);
                    if (rds.matches() || self.matches()) {
                        Class<?> type = m.getName().equals("prepareCall") ? CallableStatement.class : PreparedStatement.class;
                        return Proxy.newProxyInstance(SimJdbc.class.getClassLoader(), new Class<?>[] {type},
                                new CallHandler(sim, caller, sql, (Connection) proxy));
                    }
                    if (!oceanBase) {
                        checkDictionary(sim, caller, sql);
                    }
                    return SimJdbc.invoke(real, m, args);
                }
                case "toString" -> {
                    return "SimConnection[" + caller + "]";
                }
                case "getMetaData" -> {
                    // the product name and version the thin driver reports, so detection by metadata works
                    java.sql.DatabaseMetaData md = real.getMetaData();
                    return Proxy.newProxyInstance(SimJdbc.class.getClassLoader(), new Class<?>[] {java.sql.DatabaseMetaData.class},
                            (p, mm, a) -> switch (mm.getName()) {
                                case "getDatabaseProductName" -> oceanBase ? "OceanBase" : "Oracle";
                                case "getDatabaseProductVersion" -> (oceanBase ? "OceanBase 4.2.1 (Oracle mode)" : "Oracle Database " + sim.version());
                                case "getDatabaseMajorVersion" -> sim.majorVersion();
                                case "getDatabaseMinorVersion" -> 0;
                                case "getConnection" -> proxy;
                                default -> SimJdbc.invoke(md, mm, a);
                            });
                }
                default -> {
                    return SimJdbc.invoke(real, m, args);
                }
            }
        }
    }

    static void checkDictionary(OracleSimulator sim, OracleSimulator.Caller caller, String sql) throws SQLException {
        if (DICTIONARY.matcher(sql).find() && !sim.canReadDictionary(caller.user())) {
            throw ora(942, "table or view does not exist");
        }
    }

    private record StatementHandler(OracleSimulator sim, Statement real, OracleSimulator.Caller caller, Connection owner,
                                    boolean oceanBase)
            implements InvocationHandler {

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            String name = m.getName();
            if (name.startsWith("execute")) {
                sim.checkAlive(caller);
            }
            if ((name.equals("execute") || name.equals("executeUpdate") || name.equals("executeQuery") || name.equals("executeLargeUpdate"))
                    && args != null && args.length >= 1 && args[0] instanceof String sql) {
                String upper = sql.trim().toUpperCase(Locale.ROOT);
                if (oceanBase && (upper.startsWith("ALTER SYSTEM") || upper.startsWith("KILL"))) {
                    sim.oceanBase(caller, sql);
                    return name.equals("execute") ? Boolean.FALSE : name.equals("executeLargeUpdate") ? 0L : 0;
                }
                if (oceanBase && upper.startsWith("SHOW VARIABLES LIKE 'OB_COMPATIBILITY_MODE'")) {
                    // H2 has no SHOW VARIABLES: answer as an Oracle-mode OceanBase tenant does (minimal rewrite)
                    return real.executeQuery("SELECT 'ob_compatibility_mode' AS VARIABLE_NAME, 'ORACLE' AS \"VALUE\" FROM DUAL");
                }
                if (upper.startsWith("ALTER SYSTEM")) {
                    sim.alterSystem(caller, sql);
                    return name.equals("execute") ? Boolean.FALSE : name.equals("executeLargeUpdate") ? 0L : 0;
                }
                if (!oceanBase) {
                    checkDictionary(sim, caller, sql);
                }
            }
            if (name.equals("getConnection")) {
                return owner;
            }
            return SimJdbc.invoke(real, m, args);
        }
    }

    /** A bound PL/SQL call (rdsadmin or self-service) applied by the simulator on execute. */
    private static final class CallHandler implements InvocationHandler {
        private final OracleSimulator sim;
        private final OracleSimulator.Caller caller;
        private final String sql;
        private final Connection owner;
        private final Map<Integer, Object> binds = new TreeMap<>();

        CallHandler(OracleSimulator sim, OracleSimulator.Caller caller, String sql, Connection owner) {
            this.sim = sim;
            this.caller = caller;
            this.sql = sql;
            this.owner = owner;
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            String name = m.getName();
            if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer idx) {
                binds.put(idx, args[1]);
                return null;
            }
            switch (name) {
                case "setQueryTimeout", "close", "clearParameters" -> {
                    return null;
                }
                case "execute", "executeUpdate" -> {
                    sim.checkAlive(caller);
                    run();
                    return name.equals("execute") ? Boolean.FALSE : 0;
                }
                case "getConnection" -> {
                    return owner;
                }
                case "isClosed" -> {
                    return false;
                }
                case "toString" -> {
                    return "SimCall[" + sql + "]";
                }
                default -> throw new UnsupportedOperationException("simulated call statement does not support " + name);
            }
        }

        private long number(int index) throws SQLException {
            Object v = binds.get(index);
            if (!(v instanceof Number n)) {
                throw ora(6550, "PLS-00306: wrong number or types of arguments in call");
            }
            return n.longValue();
        }

        private void run() throws SQLException {
            Matcher rds = RDSADMIN.matcher(sql);
            if (rds.matches()) {
                String procedure = rds.group(1).toLowerCase(Locale.ROOT);
                Object third = binds.get(3);
                sim.rdsadmin(caller, procedure, number(1), number(2), third == null ? null : third.toString());
                return;
            }
            Matcher self = SELF_SERVICE.matcher(sql);
            if (self.matches()) {
                sim.selfService(caller, self.group(1), number(1), number(2), number(3) == 1);
                return;
            }
            throw ora(900, "invalid SQL statement");
        }
    }
}
