package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.net.CookieManager;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS from a keystore whose password comes from the environment; cookies are Secure under TLS. */
class ConsoleTlsTest {

    @Test
    void servesHttpsWithSecureCookiesAndHsts(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("console.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "console", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "test-store-pw", "-keypass", "test-store-pw")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();

        Path yaml = Files.writeString(dir.resolve("serve.yaml"), """
                listen: {host: 127.0.0.1, port: 0}
                tls: {keystore: console.p12, keystorePasswordEnv: TEST_KS_PW}
                admins: [{username: dba, passwordHash: "%s"}]
                audit: {file: audit.jsonl}
                """.formatted(PasswordHasher.hash("dba-pw".toCharArray(), 20_000)));
        ServeConfig config = ServeConfig.load(yaml, Map.of("TEST_KS_PW", "test-store-pw")::get);
        TargetPool.Connector unreachable = spec -> {
            throw new TargetException(TargetException.Kind.UNREACHABLE, "connecting to " + spec.name() + " failed");
        };
        Map<String, TargetSpec> targets = Map.of("db", new TargetSpec("db", "jdbc:postgresql://127.0.0.1:1/x",
                "postgres", "secret-dba-pw", Map.of(), ProtectionPolicy.none()));
        try (ConsoleServer server = ConsoleServer.start(config, targets, unreachable)) {
            assertThat(server.url()).startsWith("https://127.0.0.1:");
            ApiClient c = new ApiClient(server.url(), HttpClient.newBuilder().sslContext(trusting(ks))
                    .cookieHandler(new CookieManager()).build());
            ApiClient.Response login = c.loginAdmin("dba", "dba-pw");
            assertThat(login.status()).isEqualTo(200);
            assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).contains("Secure").contains("HttpOnly")
                    .contains("SameSite=Strict");
            assertThat(login.headers().firstValue("Strict-Transport-Security")).isPresent();
            // a target failure comes back in the error shape, without the DBA password
            ApiClient.Response down = c.get("/api/targets/db/sessions");
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.errorCode()).isEqualTo("target-unreachable");
            assertThat(down.text()).doesNotContain("secret-dba-pw");
            assertThat(c.get("/api/targets").json().get("targets").get(0).get("url").asText()).isNotBlank();
        }
    }

    /** Trusts exactly the test's self-signed certificate. */
    private static SSLContext trusting(Path ks) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(ks)) {
            store.load(in, "test-store-pw".toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("console", (X509Certificate) store.getCertificate("console"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

}
