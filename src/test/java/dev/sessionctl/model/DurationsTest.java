package dev.sessionctl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void parsesUnitsAndBareSeconds() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("45")).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void malformedNamesTheValueAndTheExpectedForm() {
        assertThatThrownBy(() -> Durations.parse("5x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'5x'").hasMessageContaining("e.g. 500ms");
    }

    @Test
    void tooLargeIsAClearUsageErrorNotANumberFormatOrArithmeticFailure() {
        // digits beyond a long: NumberFormatException; a long number of hours or days: Duration overflows;
        // a Duration beyond toMillis(): ArithmeticException later, in whatever uses it
        for (String huge : new String[] {"99999999999999999999h", "99999999999999999999", "9999999999999999d",
                "9223372036854775807s"}) {
            assertThatThrownBy(() -> Durations.parse(huge)).as(huge).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + huge + "'").hasMessageContaining("too large");
        }
    }
}
