package dev.sessionctl.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.render.Json;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The published API enumerates exactly the outcomes the kill path can return. */
class OpenApiOutcomesTest {

    @Test
    void killResultOutcomeEnumListsEveryKillOutcome() throws Exception {
        JsonNode doc;
        try (InputStream in = OpenApiOutcomesTest.class.getResourceAsStream("/http/openapi.json")) {
            assertThat(in).as("openapi.json on the classpath").isNotNull();
            doc = Json.MAPPER.readTree(in);
        }
        List<String> enumerated = new ArrayList<>();
        doc.findValues("outcome").forEach(o -> {
            if (o.has("enum")) {
                o.get("enum").forEach(v -> enumerated.add(v.asText()));
            }
        });
        assertThat(enumerated).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(KillOutcome.values()).map(KillOutcome::label).toList());
    }
}
