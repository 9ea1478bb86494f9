package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.testing.FakeTargetConnection;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RollbackEstimateTest {

    private static final Instant NOW = Instant.parse("2026-11-22T03:00:00Z");

    @Test
    void idleInTransactionWithoutAReportedStartIsStillAnOpenTransaction() {
        // PostgreSQL: "idle in transaction (aborted)" has xact_start NULL, yet the session is in a transaction
        Session s = FakeTargetConnection.client(7587, "1").state(SessionState.IDLE_IN_TRANSACTION).build();
        String text = RollbackEstimate.describe(Engine.POSTGRESQL, s, NOW);
        assertThat(text).doesNotContain("no open transaction").contains("a transaction is open");
    }

    @Test
    void idleSessionWithoutTransactionHasNothingToRollBack() {
        Session s = FakeTargetConnection.client(7, "1").state(SessionState.IDLE).build();
        assertThat(RollbackEstimate.describe(Engine.POSTGRESQL, s, NOW)).startsWith("no open transaction reported");
    }

    @Test
    void openTransactionAgeIsShown() {
        Session s = FakeTargetConnection.client(7, "1").state(SessionState.IDLE_IN_TRANSACTION)
                .transactionStart(NOW.minusSeconds(90)).build();
        assertThat(RollbackEstimate.describe(Engine.POSTGRESQL, s, NOW)).startsWith("transaction open 1m30s;");
    }
}
