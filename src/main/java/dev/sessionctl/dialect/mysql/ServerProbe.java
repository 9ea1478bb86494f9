package dev.sessionctl.dialect.mysql;

import dev.sessionctl.target.TargetSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * What a MySQL-protocol server really is. Drivers misreport (MySQL Connector/J says "MySQL" to a
 * MariaDB server), so the server is asked: {@code VERSION()} carries "MariaDB" or "OceanBase",
 * {@code @@version_comment} says "MariaDB Server" / "OceanBase ..." / "MySQL Community Server".
 * Amazon RDS and Aurora are told by the {@code mysql.rds_kill} procedure (or {@code variant: rds}).
 */
record ServerProbe(String version, String versionComment, boolean rdsProcedures) {

    static ServerProbe of(Connection c, TargetSpec spec) throws SQLException {
        String version;
        String comment;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT VERSION(), @@version_comment")) {
            rs.next();
            version = rs.getString(1);
            comment = rs.getString(2);
        }
        boolean rds = "rds".equalsIgnoreCase(spec.option("variant", "")) || hasRdsProcedures(c);
        return new ServerProbe(version == null ? "" : version, comment == null ? "" : comment, rds);
    }

    /** Like {@link #of} but answers null when the server does not speak MySQL SQL (OceanBase in Oracle mode). */
    static ServerProbe tryOf(Connection c, TargetSpec spec) {
        try {
            return of(c, spec);
        } catch (SQLException e) {
            return null;
        }
    }

    private static boolean hasRdsProcedures(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'mysql'"
                        + " AND ROUTINE_NAME IN ('rds_kill', 'rds_kill_query')")) {
            return rs.next() && rs.getInt(1) == 2;
        }
    }

    boolean isMariaDb() {
        return lc(version).contains("mariadb") || lc(versionComment).contains("mariadb");
    }

    boolean isOceanBase() {
        return lc(version).contains("oceanbase") || lc(versionComment).contains("oceanbase");
    }

    boolean isMySql() {
        return !isMariaDb() && !isOceanBase();
    }

    /** Major and minor from the version string ("8.0.36-log" -> 800, "10.11.5-MariaDB" -> 1011). */
    int majorMinor() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(version);
        return m.find() ? Integer.parseInt(m.group(1)) * 100 + Integer.parseInt(m.group(2)) : 0;
    }

    private static String lc(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }
}
