package dev.sessionctl.dialect;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DialectRegistryTest {

    @Test
    void aForcedEngineThatDoesNotTakeTheUrlIsRefusedBeforeConnecting() {
        // port 1: nothing listens; the refusal must come before any connection attempt
        TargetSpec spec = new TargetSpec("t", "jdbc:postgresql://127.0.0.1:1/db?password=s3cret", "u", null,
                Map.of("engine", "oracle"), ProtectionPolicy.none());
        assertThatThrownBy(() -> DialectRegistry.load().connect(spec)).isInstanceOf(TargetException.class)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((TargetException) e).kind())
                        .isEqualTo(TargetException.Kind.UNSUPPORTED))
                .hasMessageContaining("engine 'oracle' does not match URL").hasMessageNotContaining("s3cret");
    }

    @Test
    void aBadConnectTimeoutNamesTheOptionAndTheExpectedForm() {
        TargetSpec spec = new TargetSpec("t", "jdbc:postgresql://127.0.0.1:1/db", "u", null,
                Map.of("connectTimeoutSeconds", "ten"), ProtectionPolicy.none());
        assertThatThrownBy(() -> DialectRegistry.load().connect(spec)).isInstanceOf(TargetException.class)
                .hasMessageContaining("connectTimeoutSeconds 'ten'").hasMessageContaining("whole number of seconds");
    }
}
