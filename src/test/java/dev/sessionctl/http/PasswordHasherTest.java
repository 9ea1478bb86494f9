package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    @Test
    void hashVerifiesOnlyTheSamePassword() {
        String h = PasswordHasher.hash("s3cret!".toCharArray(), 20_000);
        assertThat(h).startsWith("pbkdf2-sha256$20000$").doesNotContain("s3cret");
        assertThat(PasswordHasher.verify("s3cret!".toCharArray(), h)).isTrue();
        assertThat(PasswordHasher.verify("s3cret?".toCharArray(), h)).isFalse();
        assertThat(PasswordHasher.verify("".toCharArray(), h)).isFalse();
    }

    @Test
    void eachHashHasItsOwnSalt() {
        String a = PasswordHasher.hash("same".toCharArray(), 20_000);
        String b = PasswordHasher.hash("same".toCharArray(), 20_000);
        assertThat(a).isNotEqualTo(b);
        assertThat(PasswordHasher.verify("same".toCharArray(), a)).isTrue();
        assertThat(PasswordHasher.verify("same".toCharArray(), b)).isTrue();
    }

    @Test
    void malformedStoredValuesNeverVerifyAndAreRejectedByConfigCheck() {
        assertThat(PasswordHasher.verify("x".toCharArray(), "plain-text-password")).isFalse();
        assertThat(PasswordHasher.verify("x".toCharArray(), null)).isFalse();
        assertThatThrownBy(() -> PasswordHasher.checkFormat("hunter2", "serve.yaml: admin 'a'"))
                .hasMessageContaining("serve.yaml: admin 'a'").hasMessageContaining("pbkdf2-sha256$ITERATIONS$SALT$HASH");
        assertThatThrownBy(() -> PasswordHasher.checkFormat("pbkdf2-sha256$1000$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "x"))
                .hasMessageContaining("1000 iterations");
        assertThatThrownBy(() -> PasswordHasher.hash("x".toCharArray(), 5)).hasMessageContaining("too low");
    }
}
