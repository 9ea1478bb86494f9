package dev.sessionctl.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.kill.KillOutcome;
import org.junit.jupiter.api.Test;

/** Syslog severity follows KillOutcome.acceptable(), including outcomes added later. */
class SyslogSeverityTest {

    @Test
    void acceptableOutcomesAreNoticesOthersWarnings() {
        for (KillOutcome o : KillOutcome.values()) {
            assertThat(SyslogAuditSink.isAcceptable(o.label())).as(o.label()).isEqualTo(o.acceptable());
        }
        assertThat(SyslogAuditSink.isAcceptable("nothing-to-cancel")).isTrue();
        assertThat(SyslogAuditSink.isAcceptable("verified")).isTrue();
        assertThat(SyslogAuditSink.isAcceptable("unfinished")).isFalse();
    }
}
