package dev.sessionctl.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessionctl.config.ConfigException;
import dev.sessionctl.model.SessionState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyFileTest {

    private static final Path FILE = Path.of("policy.yaml");

    private static Policy parse(String yaml) {
        return PolicyFile.parse(FILE, yaml, Map.of("HOOK", "https://hooks.example/T/1")::get);
    }

    @Test
    void theExampleFileLoads() {
        Policy p = PolicyFile.load(Path.of("examples/policies.yaml"), n -> null);
        assertThat(p.rules()).extracting(Rule::name).containsExactly("idle-blockers", "long-blockers", "runaway-reports",
                "stale-consoles", "ancient-transactions");
        Rule idle = p.rules().get(0);
        assertThat(idle.thresholds().idleInTransaction()).isEqualTo(Duration.ofSeconds(30));
        assertThat(idle.thresholds().waiters()).isEqualTo(1);
        assertThat(idle.match().states()).containsExactly(SessionState.IDLE_IN_TRANSACTION);
        assertThat(idle.victims()).isEqualTo(Victims.ROOT_BLOCKER);
        assertThat(idle.action()).isEqualTo(WatchAction.KILL);
        assertThat(idle.limit()).isEqualTo(new Rule.Limit(10, Duration.ofMinutes(1)));
        assertThat(idle.maxTransactionSize()).isEqualTo(1_000_000L);
        assertThat(idle.line()).isEqualTo(21); // the line of "- name: idle-blockers"
        assertThat(p.rules().get(2).match().sql().matcher("  SELECT * from t").find()).isTrue();
        assertThat(p.rules().get(3).dryRun()).isTrue();
        assertThat(p.rules().get(3).victims()).isEqualTo(Victims.ALL_BUT_OLDEST);
        assertThat(p.protection().users()).contains("replicator");
        assertThat(p.protectedHosts()).containsExactly("10.9.*");
        assertThat(p.interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.deadlineScheduling()).isTrue();
    }

    @Test
    void unknownKeyNamesFileLineAndTheKnownKeys() {
        String yaml = """
                rules:
                  - name: a
                    when:
                      idle: 5m
                      idel_in_tx: 5m
                """;
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("policy.yaml line 5")
                .hasMessageContaining("unknown key 'idel_in_tx'")
                .hasMessageContaining("idleInTransaction");
    }

    @Test
    void everyProblemIsReportedInOneRun() {
        String yaml = """
                rules:
                  - name: a
                    when:
                      idel: 5m
                  - name: b
                    whenn: {busy: 1m}
                  - name: c
                    when: {busy: 1m}
                    limit: {actions: 0, per: 1m}
                """;
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("5 problems in policy.yaml")
                .hasMessageContaining("policy.yaml line 4, column 15: unknown key 'idel'")
                .hasMessageContaining("unknown key 'whenn'")
                .hasMessageContaining("rule 'a' has no threshold")
                .hasMessageContaining("rule 'b' has no threshold")
                .hasMessageContaining("rule 'c': limit needs actions");
    }

    @Test
    void badDurationNamesFileLineAndForm() {
        String yaml = """
                interval: 1s
                rules:
                  - name: a
                    when:
                      busy: 5 minutes
                """;
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("policy.yaml line 5")
                .hasMessageContaining("rules[0].when.busy")
                .hasMessageContaining("invalid duration '5 minutes'")
                .hasMessageContaining("e.g. 500ms, 30s, 5m");
    }

    @Test
    void badRegexNamesFileLineAndTheProblem() {
        String yaml = """
                rules:
                  - name: a
                    match:
                      sql: "select (unclosed"
                    when: {busy: 1m}
                """;
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("policy.yaml line 4")
                .hasMessageContaining("invalid regular expression 'select (unclosed'");
    }

    @Test
    void badEnumValuesAreNamed() {
        assertThatThrownBy(() -> parse("rules:\n  - name: a\n    when: {busy: 1m}\n    victims: everyone\n"))
                .hasMessageContaining("line 4").hasMessageContaining("invalid victims 'everyone'")
                .hasMessageContaining("root-blocker, oldest, all or all-but-oldest");
        assertThatThrownBy(() -> parse("rules:\n  - name: a\n    when: {busy: 1m}\n    action: nuke\n"))
                .hasMessageContaining("line 4").hasMessageContaining("invalid action 'nuke'");
        assertThatThrownBy(() -> parse("rules:\n  - name: a\n    match: {states: [sleeping]}\n    when: {busy: 1m}\n"))
                .hasMessageContaining("line 3").hasMessageContaining("invalid state 'sleeping'");
    }

    @Test
    void aRuleWithoutThresholdIsRefusedWithItsLine() {
        String yaml = """
                rules:
                  - name: ok
                    when: {busy: 1m}
                  - name: everything
                    action: kill
                """;
        assertThatThrownBy(() -> parse(yaml)).hasMessageContaining("policy.yaml line 4")
                .hasMessageContaining("rule 'everything' has no threshold");
    }

    @Test
    void duplicateNamesMissingRulesBadLimitAreRefused() {
        assertThatThrownBy(() -> parse("rules:\n  - name: a\n    when: {busy: 1m}\n  - name: a\n    when: {idle: 1m}\n"))
                .hasMessageContaining("line 4").hasMessageContaining("duplicate rule name 'a'");
        assertThatThrownBy(() -> parse("interval: 1s\n")).hasMessageContaining("no rules defined");
        assertThatThrownBy(() -> parse("rules:\n  - name: a\n    when: {busy: 1m}\n    limit: {actions: 0, per: 1m}\n"))
                .hasMessageContaining("line 2").hasMessageContaining("limit needs actions");
        assertThatThrownBy(() -> parse("rules:\n  - name: 'drop table'\n    when: {busy: 1m}\n"))
                .hasMessageContaining("name 'drop table' is invalid");
    }

    @Test
    void malformedYamlNamesTheLine() {
        assertThatThrownBy(() -> parse("rules:\n  - name: a\n    when: {busy: 1m\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("policy.yaml line");
        // one line, as a log line or a terminal shows it: no echoed source, caret or "in 'reader'"
        assertThatThrownBy(() -> parse("rules: [\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("policy.yaml line 1")
                .hasMessageContaining("expected the node content")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("in 'reader'")
                        .doesNotContain("^"));
    }

    @Test
    void webhookFromTheEnvironment() {
        Policy p = parse("notify: {webhookEnv: HOOK}\nrules:\n  - name: a\n    when: {busy: 1m}\n");
        assertThat(p.webhookUrl()).isEqualTo("https://hooks.example/T/1");
        assertThatThrownBy(() -> parse("notify: {webhookEnv: NOPE}\nrules:\n  - name: a\n    when: {busy: 1m}\n"))
                .hasMessageContaining("NOPE, which is not set");
    }

    @Test
    void aThresholdShorterThanTheIntervalIsWarnedAbout() {
        Policy p = parse("interval: 5s\nrules:\n  - name: a\n    when: {idleInTransaction: 1s, waiters: 1}\n"
                + "  - name: b\n    when: {busy: 10s}\n");
        assertThat(p.warnings()).hasSize(1);
        assertThat(p.warnings().get(0)).contains("rule 'a'").contains("(1s) is shorter than the poll interval (5s)");
    }

    @Test
    void defaults() {
        Policy p = parse("rules:\n  - name: a\n    when: {busy: 1m}\n");
        Rule r = p.rules().get(0);
        assertThat(r.victims()).isEqualTo(Victims.ROOT_BLOCKER);
        assertThat(r.action()).isEqualTo(WatchAction.REPORT);
        assertThat(r.dryRun()).isFalse();
        assertThat(p.dryRun()).isFalse();
        assertThat(p.interval()).isEqualTo(Policy.DEFAULT_INTERVAL);
    }
}
