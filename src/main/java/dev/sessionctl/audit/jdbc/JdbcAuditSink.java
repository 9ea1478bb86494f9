package dev.sessionctl.audit.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sessionctl.audit.AuditException;
import dev.sessionctl.audit.AuditRecord;
import dev.sessionctl.audit.AuditSink;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;

/**
 * A kill log table in a database (the DBA's habitual "kill log"), fed from the audit trail. Kept
 * outside the JDBC-free audit core. Portable column types (VARCHAR up to 4000, TIMESTAMP, NUMERIC)
 * so the same table works on PostgreSQL, MySQL/MariaDB, Oracle and H2; long texts are cut. The
 * VARCHAR sizes add up to about 11 000 characters: under MySQL's 65 535-byte row limit even in
 * utf8mb4 (4 bytes a character). The full record is in the audit file; the table is a summary.
 * Writes in autocommit: each record is committed on its own.
 */
public final class JdbcAuditSink implements AuditSink {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final Connection connection;
    private final String table;

    /**
     * @param table  table name, optionally schema-qualified; letters, digits and underscores only
     * @param create create the table when it does not exist
     */
    public JdbcAuditSink(Connection connection, String table, boolean create) {
        if (table == null || !table.matches("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?")) {
            throw new IllegalArgumentException("invalid audit table name '" + table
                    + "'; expected NAME or SCHEMA.NAME (letters, digits, underscores)");
        }
        this.connection = connection;
        this.table = table;
        try {
            connection.setAutoCommit(true);
            if (create && !exists()) {
                try (Statement st = connection.createStatement()) {
                    st.execute("CREATE TABLE " + table + " (id VARCHAR(36) NOT NULL, phase VARCHAR(16) NOT NULL,"
                            + " recorded_at TIMESTAMP NOT NULL, os_user VARCHAR(128), os_host VARCHAR(255), origin VARCHAR(32),"
                            + " target VARCHAR(255), session_key VARCHAR(100), session_db_user VARCHAR(128),"
                            + " action VARCHAR(40), statement VARCHAR(4000), reason VARCHAR(1000), outcome VARCHAR(40),"
                            + " message VARCHAR(1000), duration_ms NUMERIC(19), record_json VARCHAR(4000))");
                }
            }
        } catch (SQLException e) {
            throw new AuditException("cannot prepare the audit table " + table + " [SQLSTATE " + e.getSQLState() + "]", e);
        }
    }

    private boolean exists() throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.setMaxRows(1);
            st.executeQuery("SELECT id FROM " + table + " WHERE 1 = 0").close();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public String describe() {
        return "table " + table;
    }

    @Override
    public void append(AuditRecord r) {
        String sql = "INSERT INTO " + table + " (id, phase, recorded_at, os_user, os_host, origin, target, session_key,"
                + " session_db_user, action, statement, reason, outcome, message, duration_ms, record_json)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, r.id());
            ps.setString(2, r.phase());
            ps.setTimestamp(3, Timestamp.from(r.time()));
            ps.setString(4, r.actor() == null ? null : cut(r.actor().osUser(), 128));
            ps.setString(5, r.actor() == null ? null : cut(r.actor().host(), 255));
            ps.setString(6, cut(r.origin(), 32));
            ps.setString(7, cut(r.target(), 255));
            ps.setString(8, r.session() == null ? null : cut(r.session().key(), 100));
            ps.setString(9, r.session() == null ? null : cut(r.session().user(), 128));
            ps.setString(10, cut(r.action(), 40));
            ps.setString(11, cut(r.statement(), 4000));
            ps.setString(12, cut(r.reason(), 1000));
            ps.setString(13, cut(r.outcome(), 40));
            ps.setString(14, cut(r.message(), 1000));
            if (r.durationMs() == null) {
                ps.setNull(15, Types.BIGINT);
            } else {
                ps.setLong(15, r.durationMs());
            }
            ps.setString(16, cut(json(r), 4000));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new AuditException("cannot insert into audit table " + table + " [SQLSTATE " + e.getSQLState() + "]", e);
        }
    }

    private static String json(AuditRecord r) {
        try {
            return JSON.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing a log connection: nothing left to record
        }
    }
}
