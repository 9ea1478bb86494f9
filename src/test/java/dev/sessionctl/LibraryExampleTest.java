package dev.sessionctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessionctl.audit.AuditLog;
import dev.sessionctl.embedded.BlockingWorkload;
import dev.sessionctl.embedded.EmbeddedPostgresServer;
import dev.sessionctl.target.TargetSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the docs/library.md example on a real PostgreSQL, and checks the doc still shows that very code. */
class LibraryExampleTest {

    @TempDir
    Path dir;

    @Test
    void exampleEndsTheIdleBlockerOnARealServer() {
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start();
             BlockingWorkload w = BlockingWorkload.start(pg.jdbcUrl(), pg.superuser(), pg.password(), "lib_orders", 3,
                     true, Duration.ofMinutes(2))) {
            TargetSpec spec = new TargetSpec("local", pg.jdbcUrl(), pg.superuser(), pg.password(), Map.of(), null);
            Path audit = dir.resolve("audit.jsonl");
            ByteArrayOutputStream buf = new ByteArrayOutputStream();

            int ended = LibraryExample.endIdleBlockers(spec, audit, new PrintStream(buf, true, StandardCharsets.UTF_8));

            String printed = buf.toString(StandardCharsets.UTF_8);
            assertThat(ended).as(printed).isEqualTo(1);
            assertThat(printed).contains("idle in an open transaction").contains("DONE: ")
                    .contains("ok   session-gone").contains("ok   server-process-gone");
            assertThat(w.awaitWaitersFinished(Duration.ofSeconds(20))).isTrue();
            assertThat(AuditLog.read(audit).entries()).extracting(AuditLog.Entry::status)
                    .contains("terminated/verified", "done");
        }
    }

    @Test
    void docsShowTheCompiledExample() throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/sessionctl/LibraryExample.java"));
        Matcher m = Pattern.compile("// --- example start\\n(.*?)\\n\\s*// --- example end", Pattern.DOTALL).matcher(source);
        assertThat(m.find()).isTrue();
        String doc = Files.readString(Path.of("docs/library.md"));
        Matcher d = Pattern.compile("<!-- example -->\\n```java\\n(.*?)\\n```", Pattern.DOTALL).matcher(doc);
        assertThat(d.find()).as("docs/library.md has the example block").isTrue();
        assertThat(normalise(d.group(1))).isEqualTo(normalise(m.group(1)));
    }

    private static String normalise(String block) {
        List<String> lines = Arrays.asList(block.split("\n"));
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return lines.stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip()).map(String::stripTrailing)
                .collect(Collectors.joining("\n")).strip();
    }
}
