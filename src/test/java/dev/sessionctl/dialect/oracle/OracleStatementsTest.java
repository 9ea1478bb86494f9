package dev.sessionctl.dialect.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class OracleStatementsTest {

    static Session victim(String key, String sqlId) {
        return Session.builder(SessionKey.parse("t", key)).sqlId(sqlId).build();
    }

    @Test
    void statementsFollowTheGrammar() {
        Session s = victim("125,4892,@2", "8vu7s907prbgr");
        assertThat(OracleStatements.forAction(KillAction.TERMINATE, s, true)).isEqualTo("ALTER SYSTEM KILL SESSION '125,4892,@2'");
        assertThat(OracleStatements.forAction(KillAction.TERMINATE, s, false)).isEqualTo("ALTER SYSTEM KILL SESSION '125,4892'");
        assertThat(OracleStatements.forAction(KillAction.TERMINATE_IMMEDIATE, s, true))
                .isEqualTo("ALTER SYSTEM KILL SESSION '125,4892,@2' IMMEDIATE");
        assertThat(OracleStatements.forAction(KillAction.DISCONNECT_POST_TRANSACTION, s, true))
                .isEqualTo("ALTER SYSTEM DISCONNECT SESSION '125,4892' POST_TRANSACTION");
        assertThat(OracleStatements.forAction(KillAction.DISCONNECT_IMMEDIATE, s, true))
                .isEqualTo("ALTER SYSTEM DISCONNECT SESSION '125,4892' IMMEDIATE");
        assertThat(OracleStatements.forAction(KillAction.CANCEL, s, true))
                .isEqualTo("ALTER SYSTEM CANCEL SQL '125,4892,@2,8vu7s907prbgr'");
        assertThat(OracleStatements.forAction(KillAction.OS_KILL, s, true)).isNull();
    }

    @Test
    void onlyValidatedValuesReachTheText() {
        // an incarnation that is not a SERIAL#
        assertThatThrownBy(() -> OracleStatements.forAction(KillAction.TERMINATE, victim("125,48x2", null), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be the SERIAL#");
        // a SQL id that is not 13 base-32 characters is left out of CANCEL SQL, never embedded
        assertThat(OracleStatements.forAction(KillAction.CANCEL, victim("125,4892", "x' OR 1=1--"), false))
                .isEqualTo("ALTER SYSTEM CANCEL SQL '125,4892'");
        assertThatThrownBy(() -> OracleStatements.cancelSql(new OracleStatements.Ids(1, 2, 0), false, "ABCDEFGHIJKLM"))
                .hasMessageContaining("invalid SQL id");
        assertThatThrownBy(() -> new OracleStatements.Ids(1, 99_999_999_999L, 0)).hasMessageContaining("SERIAL#");
        assertThatThrownBy(() -> OracleStatements.validProcedureName("x; drop user y")).hasMessageContaining("selfServiceProcedure");
        assertThat(OracleStatements.validProcedureName("appadm.kill_my_session")).isEqualTo("APPADM.KILL_MY_SESSION");
    }

    @Test
    void errorCodesNotMessages() {
        assertThat(OracleErrors.outcomeOf(new SQLException("anything", "99999", 31))).isEqualTo(KillOutcome.MARKED_FOR_KILL);
        assertThat(OracleErrors.outcomeOf(new SQLException("anything", "99999", 30))).isEqualTo(KillOutcome.ALREADY_GONE);
        assertThat(OracleErrors.outcomeOf(new SQLException("ORA-00031: session marked for kill", "99999", 1031)))
                .isEqualTo(KillOutcome.REFUSED_PRIVILEGE);
        for (int lost : new int[] {28, 3113, 3114, 3135, 17008, 17410}) {
            assertThat(OracleErrors.outcomeOf(new SQLException("x", null, lost))).isEqualTo(KillOutcome.CONNECTION_LOST);
        }
        assertThat(OracleErrors.outcomeOf(new SQLException("x", "99999", 27))).isEqualTo(KillOutcome.FAILED);
        assertThat(OracleErrors.outcomeOf(new SQLException("x", "99999", 1013))).isEqualTo(KillOutcome.TIMED_OUT);
        assertThat(OracleErrors.label(31)).isEqualTo("ORA-00031");
        assertThat(OracleErrors.label(17008)).isEqualTo("ORA-17008");
    }

    @Test
    void selfServiceDdlChecksTheCallerAndBuildsTheDdlFromIntegersOnly() {
        String ddl = OracleSelfService.ddl("appadm.kill_my_session");
        assertThat(ddl).contains("CREATE OR REPLACE PROCEDURE APPADM.KILL_MY_SESSION").contains("AUTHID DEFINER")
                .contains("SYS_CONTEXT('USERENV', 'SESSION_USER')").contains("l_user <> l_caller")
                .contains("RAISE_APPLICATION_ERROR(-20031").contains("RAISE_APPLICATION_ERROR(-20030")
                .contains("GRANT SELECT ON SYS.V_$SESSION").contains("TO_CHAR(p_sid, 'FM9999999999')");
        assertThat(OracleSelfService.call("appadm.kill_my_session"))
                .isEqualTo("BEGIN APPADM.KILL_MY_SESSION(p_sid => ?, p_serial => ?, p_immediate => ?); END;");
    }
}
