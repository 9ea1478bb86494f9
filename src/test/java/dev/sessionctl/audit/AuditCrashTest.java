package dev.sessionctl.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail loses nothing: a child JVM running a bulk kill (real kill path, real audit file)
 * is SIGKILLed in the middle; every action that reached the engine has its intent record, and the
 * file is still valid JSON lines.
 */
class AuditCrashTest {

    @TempDir
    Path dir;

    @Test
    void sigkillMidBulkKillLosesNoIntent() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                AuditCrashChild.class.getName(), file.toString(), "5000")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Set<Long> executed = new HashSet<>();
        boolean finished = false;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("EXECUTED ")) {
                    executed.add(Long.parseLong(line.substring(9).trim()));
                    if (executed.size() == 150) {
                        child.toHandle().destroyForcibly(); // SIGKILL on Linux; the handle leaves our end of the pipe open
                    }
                } else if (line.equals("FINISHED")) {
                    finished = true;
                }
            }
        }
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(finished).as("the child must have been killed mid-way").isFalse();
        assertThat(child.exitValue()).isEqualTo(128 + 9);

        AuditLog.Contents contents = AuditLog.read(file);
        // valid JSON lines: nothing damaged (a single write per record cannot be torn by SIGKILL)
        assertThat(contents.damaged()).isEmpty();
        for (String l : Files.readAllLines(file)) {
            assertThat(l).startsWith("{").endsWith("}");
        }
        Set<Long> intents = new HashSet<>();
        for (AuditRecord r : contents.records()) {
            if (r.phase().equals(AuditRecord.INTENT)) {
                intents.add(r.session().sessionId());
                assertThat(r.reason()).isEqualTo("crash test bulk kill");
                assertThat(r.statement()).startsWith("FAKE terminate");
                assertThat(r.actor().osUser()).isNotBlank();
            }
        }
        assertThat(executed).hasSizeGreaterThanOrEqualTo(150);
        assertThat(intents).containsAll(executed);
        List<AuditLog.Entry> entries = contents.entries();
        assertThat(entries).allSatisfy(e -> assertThat(e.intent()).isNotNull());
        assertThat(entries.stream().filter(e -> e.outcome() != null).count()).isGreaterThanOrEqualTo(140);
    }
}
