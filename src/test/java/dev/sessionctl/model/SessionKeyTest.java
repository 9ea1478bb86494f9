package dev.sessionctl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionKeyTest {

    @Test
    void printableFormRoundTrips() {
        SessionKey pg = new SessionKey("t", 0, 4711, "1732280412345678");
        SessionKey rac = new SessionKey("t", 2, 125, "4892");
        assertThat(pg.printable()).isEqualTo("4711,1732280412345678");
        assertThat(rac.printable()).isEqualTo("125,4892,@2");
        assertThat(SessionKey.parse("t", pg.printable())).isEqualTo(pg);
        assertThat(SessionKey.parse("t", rac.printable())).isEqualTo(rac);
        assertThat(SessionKey.parse("t", " 42,ab12cd34 ")).isEqualTo(new SessionKey("t", 0, 42, "ab12cd34"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "4711", "4711,", ",123", "-1,5", "12x,5", "1,2,3", "1,2,@x", "1,a b",
            "1,2;drop table x", "1,2,@1,4", "99999999999999999999,1"})
    void malformedKeysAreRejectedWithTheExpectedForm(String text) {
        assertThatThrownBy(() -> SessionKey.parse("t", text))
                .isInstanceOf(SessionKey.InvalidKeyException.class)
                .hasMessageContaining("ID,INCARNATION[,@INSTANCE]");
    }

    @Test
    void incarnationCannotCarryQuotesOrSpaces() {
        assertThatThrownBy(() -> new SessionKey("t", 0, 1, "1' or '1'='1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("incarnation");
    }

    @Test
    void durationsParseAndFormat() {
        assertThat(Durations.parse("1h30m").toMinutes()).isEqualTo(90);
        assertThat(Durations.parse("500ms").toMillis()).isEqualTo(500);
        assertThat(Durations.parse("45").getSeconds()).isEqualTo(45);
        assertThat(Durations.format(java.time.Duration.ofSeconds(185))).isEqualTo("3m05s");
        assertThatThrownBy(() -> Durations.parse("5 minutes")).hasMessageContaining("'5 minutes'")
                .hasMessageContaining("30s");
    }

    @Test
    void stateParsesCliSpellings() {
        assertThat(SessionState.parse("idle-in-transaction")).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        assertThat(SessionState.parse("idle in transaction")).isEqualTo(SessionState.IDLE_IN_TRANSACTION);
        assertThatThrownBy(() -> SessionState.parse("sleeping")).hasMessageContaining("'sleeping'")
                .hasMessageContaining("idle-in-transaction");
    }
}
