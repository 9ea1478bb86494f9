package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleAuditTest {

    @Test
    void readsAccessEventsNewestFirstAcrossBlocksSkippingATornLine(@TempDir Path dir) throws Exception {
        ConsoleAudit audit = new ConsoleAudit(dir.resolve("audit.jsonl"), dir.resolve("access.jsonl"), Clock.systemUTC());
        String padding = "x".repeat(700); // ~1 KB lines: 300 of them span several 64 KB blocks
        for (int i = 0; i < 300; i++) {
            audit.event(i % 2 == 0 ? "login" : "logout", null, "user" + i, "t", "127.0.0.1", padding + " é " + i);
        }
        Files.writeString(audit.file(), "{\"event\":\"torn", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        List<Map<String, Object>> last = audit.readAccess(e -> true, 5);
        assertThat(last.stream().map(e -> (Object) ((Map<?, ?>) e.get("actor")).get("user")).toList())
                .containsExactly("user299", "user298", "user297", "user296", "user295");
        List<Map<String, Object>> logins = audit.readAccess(e -> "login".equals(e.get("event")), 1000);
        assertThat(logins).hasSize(150);
        assertThat(logins.get(149).get("detail")).asString().endsWith(" é 0");
        assertThat(audit.readAccess(e -> true, 1000)).hasSize(300);
        assertThat(Files.readAllLines(audit.file())).hasSize(301);
    }

    @Test
    void missingFileReadsAsEmpty(@TempDir Path dir) {
        assertThat(new ConsoleAudit(dir.resolve("none.jsonl"), dir.resolve("none-access.jsonl"), Clock.systemUTC()).read(e -> true, e -> true, 10)).isEmpty();
    }
}
