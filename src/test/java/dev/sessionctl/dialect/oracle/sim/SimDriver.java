package dev.sessionctl.dialect.oracle.sim;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * TEST-ONLY JDBC driver answering {@code jdbc:oracle:thin:@//<name>:1521/...} with a simulator
 * registered under that host name, so the CLI runs unchanged against the simulator. While
 * {@link #install()} is in effect the real Oracle driver is deregistered (it would claim the URL);
 * {@link #uninstall()} puts it back.
 */
public final class SimDriver implements Driver {

    private static final Map<String, OracleSimulator> SIMULATORS = new ConcurrentHashMap<>();
    private static final SimDriver INSTANCE = new SimDriver();
    private static final List<Driver> PARKED = Collections.synchronizedList(new ArrayList<>());

    public static String register(String host, OracleSimulator sim) {
        SIMULATORS.put(host, sim);
        return "jdbc:oracle:thin:@//" + host + ":1521/ORCLPDB";
    }

    public static synchronized void install() throws SQLException {
        for (Driver d : Collections.list(DriverManager.getDrivers())) {
            if (d.getClass().getName().startsWith("oracle.jdbc")) {
                DriverManager.deregisterDriver(d);
                PARKED.add(d);
            }
        }
        DriverManager.registerDriver(INSTANCE);
    }

    public static synchronized void uninstall() throws SQLException {
        DriverManager.deregisterDriver(INSTANCE);
        for (Driver d : PARKED) {
            DriverManager.registerDriver(d);
        }
        PARKED.clear();
        SIMULATORS.clear();
    }

    private static String host(String url) {
        if (url == null || !url.startsWith("jdbc:oracle:thin:@//")) {
            return null;
        }
        String rest = url.substring("jdbc:oracle:thin:@//".length());
        int end = rest.indexOf(':');
        return end < 0 ? null : rest.substring(0, end);
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        OracleSimulator sim = SIMULATORS.get(String.valueOf(host(url)));
        if (sim == null) {
            return null;
        }
        String user = info.getProperty("user");
        if (user == null) {
            throw SimJdbc.ora(1017, "invalid credential or not authorized; logon denied");
        }
        return sim.connect(user, 1);
    }

    @Override
    public boolean acceptsURL(String url) {
        return host(url) != null && SIMULATORS.containsKey(host(url));
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }
}
