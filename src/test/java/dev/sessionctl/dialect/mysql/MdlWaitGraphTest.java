package dev.sessionctl.dialect.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.dialect.mysql.MdlWaitGraph.Lock;
import dev.sessionctl.dialect.mysql.MdlWaitGraph.Mode;
import dev.sessionctl.dialect.mysql.MdlWaitGraph.Wait;
import dev.sessionctl.dialect.mysql.MdlWaitGraph.Waiter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MdlWaitGraphTest {

    private static Lock granted(long id, String table, Mode m) {
        return new Lock(id, "TABLE", "app", table, m, true);
    }

    private static Lock pending(long id, String table, Mode m) {
        return new Lock(id, "TABLE", "app", table, m, false);
    }

    @Test
    void convoyBehindAlterWaitsOnTheAlterAndTheAlterOnTheIdleTransaction() {
        // 10 idle in transaction (read t), 20 ALTER TABLE t (holds SU, wants X), 30/31 SELECT t, 40 INSERT t
        Map<Long, Wait> w = MdlWaitGraph.fromLocks(List.of(
                granted(10, "t", Mode.SHARED_READ),
                granted(20, "t", Mode.SHARED_UPGRADABLE), pending(20, "t", Mode.EXCLUSIVE),
                pending(30, "t", Mode.SHARED_READ), pending(31, "t", Mode.SHARED_READ),
                pending(40, "t", Mode.SHARED_WRITE)));
        assertThat(w.get(20L).blockers()).containsExactly(10L);
        assertThat(w.get(30L).blockers()).containsExactly(20L);
        assertThat(w.get(31L).blockers()).containsExactly(20L);
        assertThat(w.get(40L).blockers()).containsExactly(20L);
        assertThat(w).doesNotContainKey(10L);
        assertThat(w.get(20L).inferred()).isFalse();
        assertThat(w.get(20L).object()).contains("app.t").contains("EXCLUSIVE");
    }

    @Test
    void compatibleLocksAndOtherObjectsDoNotBlock() {
        Map<Long, Wait> w = MdlWaitGraph.fromLocks(List.of(
                granted(10, "other", Mode.EXCLUSIVE),
                granted(11, "t", Mode.SHARED_WRITE),
                pending(20, "t", Mode.SHARED_READ_ONLY),   // LOCK TABLES t READ waits for the writer
                pending(21, "t", Mode.SHARED_WRITE_LOW_PRIO))); // a low-priority writer yields to the pending SRO
        assertThat(w.get(20L).blockers()).containsExactly(11L);
        assertThat(w.get(21L).blockers()).containsExactly(20L);
    }

    @Test
    void scopedGlobalReadLockBlocksWritersOnly() {
        Map<Long, Wait> w = MdlWaitGraph.fromLocks(List.of(
                new Lock(1, "GLOBAL", "", "", Mode.SHARED, true),              // FLUSH TABLES WITH READ LOCK
                new Lock(2, "GLOBAL", "", "", Mode.INTENTION_EXCLUSIVE, false), // a writer
                new Lock(3, "GLOBAL", "", "", Mode.SHARED, false)));           // another FTWRL: compatible
        assertThat(w.get(2L).blockers()).containsExactly(1L);
        assertThat(w.get(3L).blockers()).isEmpty();
    }

    @Test
    void modeNamesOfBothEnginesParse() {
        assertThat(Mode.parse("MDL_SHARED_NO_READ_WRITE")).isEqualTo(Mode.SHARED_NO_READ_WRITE);
        assertThat(Mode.parse("shared_read")).isEqualTo(Mode.SHARED_READ);
        assertThat(Mode.parse("MDL_BACKUP_DML")).isNull();
    }

    @Test
    void inferenceBlamesOpenTransactionsForDdlAndTheDdlForItsQueue() {
        List<Waiter> waiters = List.of(
                new Waiter(20, "ALTER TABLE `app`.`t` ADD COLUMN c INT", "app"),
                new Waiter(30, "SELECT * FROM t WHERE id = 1", "app"),
                new Waiter(31, "select count(*) from app.t", "app"));
        Map<Long, Wait> w = MdlWaitGraph.inferred(waiters, Set.of(10L, 11L, 30L));
        // 30 has an open transaction but waits itself: not a suspect
        assertThat(w.get(20L).blockers()).containsExactlyInAnyOrder(10L, 11L);
        assertThat(w.get(30L).blockers()).containsExactly(20L);
        assertThat(w.get(31L).blockers()).containsExactly(20L);
        assertThat(w.values()).allMatch(Wait::inferred);
    }

    @Test
    void inferenceWithoutDdlWaiterBlamesOpenTransactions() {
        Map<Long, Wait> w = MdlWaitGraph.inferred(List.of(new Waiter(30, "SELECT 1 FROM t", "app")), Set.of(10L));
        assertThat(w.get(30L).blockers()).containsExactly(10L);
    }

    @Test
    void grantedOnlyListDerivesPendingRequestsFromStatements() {
        List<Lock> granted = List.of(
                granted(10, "t", Mode.SHARED_READ),
                granted(20, "t", Mode.SHARED_UPGRADABLE),
                granted(11, "u", Mode.SHARED_WRITE));
        List<Waiter> waiters = List.of(
                new Waiter(20, "ALTER TABLE t ADD COLUMN c INT", "app"),
                new Waiter(30, "SELECT * FROM t", "app"),
                new Waiter(40, "CALL something()", "app"));
        Map<Long, Wait> w = MdlWaitGraph.withGrantedOnly(granted, waiters, Set.of(10L, 11L));
        assertThat(w.get(20L).blockers()).containsExactly(10L); // not 11: it holds u, not t
        assertThat(w.get(20L).inferred()).isFalse();
        assertThat(w.get(30L).blockers()).containsExactly(20L);
        assertThat(w.get(40L).inferred()).isTrue(); // no table in the statement: fall back
    }

    @Test
    void statementReading() {
        assertThat(MdlWaitGraph.isExclusiveStatement("  alter table t add c int")).isTrue();
        assertThat(MdlWaitGraph.isExclusiveStatement("/* app */ TRUNCATE TABLE t")).isTrue();
        assertThat(MdlWaitGraph.isExclusiveStatement("CREATE UNIQUE INDEX i ON t (a)")).isTrue();
        assertThat(MdlWaitGraph.isExclusiveStatement("SELECT * FROM alter_log")).isFalse();
        assertThat(MdlWaitGraph.isWriteStatement("update t set a = 1")).isTrue();
        assertThat(MdlWaitGraph.tablesOf("SELECT a FROM `my db`.`T1` JOIN t2 ON t2.id = T1.id"))
                .contains("my db.t1", "t2");
        assertThat(MdlWaitGraph.tablesOf("INSERT INTO app.t (a) SELECT a FROM s")).contains("app.t", "s");
        assertThat(MdlWaitGraph.tablesOf(null)).isEmpty();
    }
}
