package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.config.ConfigException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServeConfigTest {

    private static final Path FILE = Path.of("/etc/sessionctl/serve.yaml");
    private static final String HASH = PasswordHasher.hash("pw".toCharArray(), 20_000);

    @Test
    void readsEverySection() throws Exception {
        ServeConfig c = ServeConfig.parse(FILE, """
                listen: {host: 0.0.0.0, port: 9090}
                targetsFile: targets.yaml
                admins:
                  - {username: dba1, passwordHash: "%s"}
                proxy: {trustedAddresses: [127.0.0.1, "::1"], identityHeader: X-Auth-User}
                selfService: {targets: [prod-pg]}
                audit: {file: /var/log/sessionctl/audit.jsonl}
                sessions: {idleTimeout: 10m, absoluteTimeout: 8h}
                loginRateLimit: {perAddress: 7, perUser: 3, window: 5m}
                """.formatted(HASH), k -> null);
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(9090);
        assertThat(c.targetsFile()).isEqualTo(Path.of("/etc/sessionctl/targets.yaml"));
        assertThat(c.adminHashes()).containsEntry("dba1", HASH);
        assertThat(c.trustedProxies()).contains(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"));
        assertThat(c.identityHeader()).isEqualTo("X-Auth-User");
        assertThat(c.selfServiceAllowed("prod-pg")).isTrue();
        assertThat(c.selfServiceAllowed("other")).isFalse();
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.loginLimitPerAddress()).isEqualTo(7);
        assertThat(c.loginLimitPerUser()).isEqualTo(3);
        assertThat(c.loginWindow()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.tls()).isFalse();
    }

    @Test
    void refusesClearTextSecretsAndBadValuesWithFileAndExpectedForm() {
        assertThatThrownBy(() -> ServeConfig.parse(FILE, "admins: [{username: a, password: hunter2}]", k -> null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("clear-text").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> ServeConfig.parse(FILE, "admins: [{username: a, passwordHash: nothash}]", k -> null))
                .hasMessageContaining("admin 'a'").hasMessageContaining("pbkdf2-sha256$");
        assertThatThrownBy(() -> ServeConfig.parse(FILE, "proxy: {trustedAddresses: [proxy.example.com]}", k -> null))
                .hasMessageContaining("'proxy.example.com'").hasMessageContaining("literal IP address");
        assertThatThrownBy(() -> ServeConfig.parse(FILE, "proxy: {identityHeader: X-User}", k -> null))
                .hasMessageContaining("trustedAddresses");
        assertThatThrownBy(() -> ServeConfig.parse(FILE, "sessions: {idleTimeout: soon}", k -> null))
                .hasMessageContaining("sessions.idleTimeout").hasMessageContaining("'soon'");
        assertThatThrownBy(() -> ServeConfig.parse(FILE, "listen: {prot: 1}", k -> null))
                .hasMessageContaining("unknown key 'prot'");
        assertThatThrownBy(() -> ServeConfig.parse(FILE, "listen: {port: 70000}", k -> null))
                .hasMessageContaining("70000");
    }

    @Test
    void tlsPasswordComesFromTheEnvironmentOnly(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path ks = java.nio.file.Files.writeString(dir.resolve("ks.p12"), "x");
        Path file = dir.resolve("serve.yaml");
        assertThatThrownBy(() -> ServeConfig.parse(file, "tls: {keystore: ks.p12, keystorePassword: changeit}", k -> null))
                .hasMessageContaining("keystorePasswordEnv").hasMessageNotContaining("changeit");
        assertThatThrownBy(() -> ServeConfig.parse(file, "tls: {keystore: ks.p12}", k -> null))
                .hasMessageContaining("SESSIONCTL_KEYSTORE_PASSWORD").hasMessageContaining("not set");
        ServeConfig c = ServeConfig.parse(file, "tls: {keystore: ks.p12, keystorePasswordEnv: KS_PW}",
                Map.of("KS_PW", "changeit")::get);
        assertThat(c.tls()).isTrue();
        assertThat(c.keystore()).isEqualTo(ks);
        assertThat(c.keystorePassword()).isEqualTo("changeit");
    }
}
