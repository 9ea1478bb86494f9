package dev.sessionctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.http.PasswordHasher;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void hashPasswordReadsStdinAndPrintsAVerifiableHashOnly() {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream("console-pw\n".getBytes(StandardCharsets.UTF_8)));
            Run r = run("serve", "--hash-password");
            assertThat(r.code()).isEqualTo(ExitCode.OK);
            String hash = r.out().strip();
            assertThat(hash).startsWith("pbkdf2-sha256$").doesNotContain("console-pw");
            assertThat(PasswordHasher.verify("console-pw".toCharArray(), hash)).isTrue();
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void badOptionsAreUsageErrorsNamingTheValue(@TempDir Path dir) throws Exception {
        Path targets = Files.writeString(dir.resolve("targets.yaml"), "targets: {pg: {url: 'jdbc:postgresql://localhost:1/x'}}");
        Run listen = run("serve", "--targets-file", targets.toString(), "--listen", "localhost");
        assertThat(listen.code()).isEqualTo(ExitCode.USAGE);
        assertThat(listen.err()).contains("'localhost'").contains("HOST:PORT");

        Run port = run("serve", "--targets-file", targets.toString(), "--listen", "127.0.0.1:99999");
        assertThat(port.code()).isEqualTo(ExitCode.USAGE);
        assertThat(port.err()).contains("99999");

        Path config = Files.writeString(dir.resolve("serve.yaml"), "admins: [{username: a, password: clear}]");
        Run clear = run("serve", "--config", config.toString(), "--targets-file", targets.toString());
        assertThat(clear.code()).isEqualTo(ExitCode.USAGE);
        assertThat(clear.err()).contains("clear-text").doesNotContain("clear}");

        Run missing = run("serve", "--targets-file", dir.resolve("none.yaml").toString());
        assertThat(missing.code()).isEqualTo(ExitCode.USAGE);
        assertThat(missing.err()).contains("none.yaml");
    }
}
