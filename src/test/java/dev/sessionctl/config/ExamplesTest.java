package dev.sessionctl.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped example targets file stays valid as the format evolves. */
class ExamplesTest {

    @Test
    void exampleTargetsFileLoads() {
        TargetsFile f = TargetsFile.load(Path.of("examples/targets.yaml"), name -> "from-env-" + name);
        assertThat(f.names()).contains("prod-pg", "prod-maria", "ora-rac", "ora-rds");
        assertThat(f.target("prod-pg").protection().users()).contains("replicator");
        assertThat(f.target("ora-rds").option("variant", null)).isEqualTo("rds");
    }
}
