package dev.sessionctl.dialect.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sessionctl.dialect.DialectRegistry;
import dev.sessionctl.target.TargetException;
import dev.sessionctl.target.TargetSpec;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Choosing the PostgreSQL dialect, and failing clearly without a server. */
class PostgresRegistryTest {

    private static final String SECRET = "s3cret-Pa55word";

    @Test
    void theServiceLoaderKnowsThePostgresDialect() {
        assertThat(DialectRegistry.load().dialects()).anyMatch(d -> d instanceof PostgresDialect);
    }

    @Test
    void aUrlNoEngineHandlesIsUnsupportedAndNamed() {
        TargetException e = connectFails("jdbc:sqlserver://db:1433;databaseName=app");
        assertThat(e.kind()).isEqualTo(TargetException.Kind.UNSUPPORTED);
        assertThat(e.getMessage()).contains("jdbc:sqlserver://db:1433").contains("jdbc:postgresql:");

        TargetException notJdbc = connectFails("postgres://db:5432/app");
        assertThat(notJdbc.kind()).isEqualTo(TargetException.Kind.UNSUPPORTED);
        assertThat(notJdbc.getMessage()).contains("postgres://db:5432/app").contains("jdbc:postgresql://host:5432/db");
    }

    @Test
    void anUnreachableServerIsUnreachableAndTheMessageHasNoPassword() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // free now, nobody listens once closed
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/app?password=" + SECRET + "&connectTimeout=2";
        TargetException e = connectFails(url);
        assertThat(e.kind()).isEqualTo(TargetException.Kind.UNREACHABLE);
        assertThat(e.getMessage()).contains("127.0.0.1:" + closedPort).doesNotContain(SECRET);
        assertThat(String.valueOf(e.getCause())).doesNotContain(SECRET);
    }

    private static TargetException connectFails(String url) {
        TargetSpec spec = new TargetSpec("t", url, "someone", SECRET, Map.of(), null);
        return catchThrowableOfType(TargetException.class, () -> DialectRegistry.load().connect(spec).close());
    }
}
