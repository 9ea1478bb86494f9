package dev.sessionctl.watch;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sessionctl.config.ConfigException;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.model.Durations;
import dev.sessionctl.model.SessionState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Loads and validates a watch policy file (YAML). Everything is checked at load: unknown keys,
 * durations, regular expressions, enum values, rules without a threshold, duplicate names. Every
 * error names the file and line and the expected form, so a bad file never reaches a database.
 * See docs/watch.md for the reference and examples/policies.yaml for an example.
 */
public final class PolicyFile {

    private static final Pattern RULE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private PolicyFile() {
    }

    public static Policy load(Path path) {
        return load(path, System::getenv);
    }

    public static Policy load(Path path, Function<String, String> environment) {
        if (!Files.isRegularFile(path)) {
            throw new ConfigException("policy file " + path + " does not exist; see docs/watch.md and examples/policies.yaml");
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read policy file " + path + ": " + e.getMessage(), e);
        }
        return parse(path, text, environment);
    }

    public static Policy parse(Path path, String yaml, Function<String, String> environment) {
        // unknown keys are collected, not fatal at the first one, so one run names every misspelt key
        List<String> problems = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .addHandler(new com.fasterxml.jackson.databind.deser.DeserializationProblemHandler() {
                    @Override
                    public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p,
                                                         JsonDeserializer<?> deserializer, Object bean, String name)
                            throws IOException {
                        problems.add(where(path, p.currentLocation()) + "unknown key '" + name + "'; expected one of "
                                + deserializer.getKnownPropertyNames());
                        p.skipChildren();
                        return true;
                    }
                })
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
        FileModel model;
        try {
            model = mapper.readValue(yaml, FileModel.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(where(path, e.getLocation()) + at(e) + "unknown key '" + e.getPropertyName()
                    + "'; expected one of " + e.getKnownPropertyIds());
        } catch (JsonMappingException e) {
            throw new ConfigException(where(path, e.getLocation()) + at(e) + oneLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new ConfigException(where(path, e.getLocation()) + oneLine(e.getOriginalMessage()));
        }
        if (model == null || model.rules == null || model.rules.isEmpty()) {
            failIfAny(path, problems);
            throw new ConfigException(path + ": no rules defined; expected a 'rules:' list (see docs/watch.md)");
        }
        List<Rule> rules = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (RuleModel r : model.rules) {
            String here = path + " line " + r.line + ": ";
            if (r.name == null || !RULE_NAME.matcher(r.name).matches()) {
                problems.add(here + "rule " + (r.name == null ? "without a name" : "name '" + r.name + "' is invalid")
                        + "; expected name: letters, digits, '.', '_' or '-' (at most 64)");
                continue;
            }
            if (!names.add(r.name)) {
                problems.add(here + "duplicate rule name '" + r.name + "'; rule names must be unique");
                continue;
            }
            ThresholdsModel w = r.when == null ? new ThresholdsModel() : r.when;
            Rule.Thresholds t = new Rule.Thresholds(w.busy, w.idle, w.idleInTransaction, w.blocking, w.waiters,
                    w.transactionAge);
            if (t.isEmpty()) {
                problems.add(here + "rule '" + r.name + "' has no threshold; a rule needs 'when:' with at least"
                        + " one of busy, idle, idleInTransaction, blocking, waiters, transactionAge");
                continue;
            }
            if (w.waiters != null && w.waiters < 1) {
                problems.add(here + "rule '" + r.name + "': when.waiters must be at least 1, got " + w.waiters);
                continue;
            }
            if (r.maxTransactionSize != null && r.maxTransactionSize < 0) {
                problems.add(here + "rule '" + r.name + "': maxTransactionSize must not be negative");
                continue;
            }
            Rule.Limit limit = null;
            if (r.limit != null) {
                if (r.limit.actions == null || r.limit.actions < 1 || r.limit.per == null || r.limit.per.isZero()) {
                    problems.add(here + "rule '" + r.name + "': limit needs actions (a positive number) and"
                            + " per (a duration), e.g. limit: {actions: 5, per: 1m}");
                    continue;
                }
                limit = new Rule.Limit(r.limit.actions, r.limit.per);
            }
            MatchModel m = r.match == null ? new MatchModel() : r.match;
            Rule.Match match = new Rule.Match(m.users, m.databases, m.programs, m.hosts, m.modules, m.sql, m.sqlIds,
                    m.states == null ? null : new LinkedHashSet<>(m.states), m.waitEvents);
            rules.add(new Rule(r.name, match, t, r.maxTransactionSize, r.victims == null ? Victims.ROOT_BLOCKER : r.victims,
                    r.action == null ? WatchAction.REPORT : r.action, limit, Boolean.TRUE.equals(r.dryRun),
                    Boolean.TRUE.equals(r.allowWaiters), r.line));
        }
        failIfAny(path, problems);
        if (model.interval != null && model.interval.isZero()) {
            throw new ConfigException(path + ": interval must be positive, e.g. interval: 250ms");
        }
        String webhook = null;
        if (model.notify != null) {
            if (model.notify.webhook != null && model.notify.webhookEnv != null) {
                throw new ConfigException(path + ": notify: give webhook or webhookEnv, not both");
            }
            webhook = model.notify.webhook;
            if (model.notify.webhookEnv != null) {
                webhook = environment.apply(model.notify.webhookEnv);
                if (webhook == null) {
                    throw new ConfigException(path + ": notify.webhookEnv names environment variable "
                            + model.notify.webhookEnv + ", which is not set");
                }
            }
            if (webhook != null && !webhook.startsWith("https://") && !webhook.startsWith("http://")) {
                throw new ConfigException(path + ": invalid notify webhook; expected an http(s):// URL");
            }
        }
        ProtectModel p = model.protect == null ? new ProtectModel() : model.protect;
        return new Policy(path, Boolean.TRUE.equals(model.dryRun), model.interval, model.targets,
                new ProtectionPolicy(p.users, p.applications, p.databases), p.hosts, webhook,
                model.deadlineScheduling == null || model.deadlineScheduling, model.actionTimeout, rules);
    }

    /** One problem: its own message; several: all of them, one per line, so one edit fixes the file. */
    private static void failIfAny(Path path, List<String> problems) {
        if (problems.size() == 1) {
            throw new ConfigException(problems.get(0));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.size() + " problems in " + path + ":\n  " + String.join("\n  ", problems));
        }
    }

    private static String where(Path path, JsonLocation loc) {
        return loc == null || loc.getLineNr() < 1 ? path + ": "
                : path + " line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
    }

    /** "rules[1].when.idle: " from Jackson's path. */
    private static String at(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.length() == 0 ? "" : sb + ": ";
    }

    // ------------------------------------------------------------------ file model

    static final class FileModel {
        @JsonProperty("dryRun") Boolean dryRun;
        @JsonProperty("interval") @JsonDeserialize(using = DurationValue.class) Duration interval;
        @JsonProperty("targets") List<String> targets;
        @JsonProperty("protect") ProtectModel protect;
        @JsonProperty("notify") NotifyModel notify;
        @JsonProperty("deadlineScheduling") Boolean deadlineScheduling;
        @JsonProperty("actionTimeout") @JsonDeserialize(using = DurationValue.class) Duration actionTimeout;
        @JsonProperty("rules") @JsonDeserialize(contentUsing = LocatedRule.class) List<RuleModel> rules;
    }

    static final class ProtectModel {
        @JsonProperty("users") List<String> users;
        @JsonProperty("applications") @JsonAlias("programs") List<String> applications;
        @JsonProperty("databases") @JsonAlias("schemas") List<String> databases;
        @JsonProperty("hosts") List<String> hosts;
    }

    static final class NotifyModel {
        @JsonProperty("webhook") String webhook;
        @JsonProperty("webhookEnv") String webhookEnv;
    }

    static final class RuleModel {
        int line;
        @JsonProperty("name") String name;
        @JsonProperty("match") MatchModel match;
        @JsonProperty("when") ThresholdsModel when;
        @JsonProperty("maxTransactionSize") Long maxTransactionSize;
        @JsonProperty("victims") @JsonDeserialize(using = VictimsValue.class) Victims victims;
        @JsonProperty("action") @JsonDeserialize(using = ActionValue.class) WatchAction action;
        @JsonProperty("limit") LimitModel limit;
        @JsonProperty("dryRun") Boolean dryRun;
        @JsonProperty("allowWaiters") Boolean allowWaiters;
    }

    static final class MatchModel {
        @JsonProperty("users") List<String> users;
        @JsonProperty("databases") @JsonAlias("schemas") List<String> databases;
        @JsonProperty("programs") @JsonAlias("applications") List<String> programs;
        @JsonProperty("hosts") List<String> hosts;
        @JsonProperty("modules") List<String> modules;
        @JsonProperty("sql") @JsonDeserialize(using = RegexValue.class) Pattern sql;
        @JsonProperty("sqlIds") List<String> sqlIds;
        @JsonProperty("states") @JsonDeserialize(contentUsing = StateValue.class) List<SessionState> states;
        @JsonProperty("waitEvents") List<String> waitEvents;
    }

    static final class ThresholdsModel {
        @JsonProperty("busy") @JsonDeserialize(using = DurationValue.class) Duration busy;
        @JsonProperty("idle") @JsonDeserialize(using = DurationValue.class) Duration idle;
        @JsonProperty("idleInTransaction") @JsonDeserialize(using = DurationValue.class) Duration idleInTransaction;
        @JsonProperty("blocking") @JsonDeserialize(using = DurationValue.class) Duration blocking;
        @JsonProperty("waiters") Integer waiters;
        @JsonProperty("transactionAge") @JsonDeserialize(using = DurationValue.class) Duration transactionAge;
    }

    static final class LimitModel {
        @JsonProperty("actions") Integer actions;
        @JsonProperty("per") @JsonDeserialize(using = DurationValue.class) Duration per;
    }

    // ------------------------------------------------------------------ value parsers (errors carry the line)

    /** Records the line a rule starts on, then binds it normally. */
    static final class LocatedRule extends JsonDeserializer<RuleModel> {
        @Override
        public RuleModel deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            int line = p.currentTokenLocation().getLineNr();
            RuleModel r = ctxt.readValue(p, RuleModel.class);
            r.line = line;
            return r;
        }
    }

    static final class DurationValue extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(p, e.getMessage());
            }
        }
    }

    static final class RegexValue extends JsonDeserializer<Pattern> {
        @Override
        public Pattern deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            try {
                return Pattern.compile(text, Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
            } catch (PatternSyntaxException e) {
                throw JsonMappingException.from(p, "invalid regular expression '" + text + "': " + e.getDescription()
                        + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
            }
        }
    }

    static final class StateValue extends JsonDeserializer<SessionState> {
        @Override
        public SessionState deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            try {
                return SessionState.parse(p.getValueAsString());
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(p, e.getMessage());
            }
        }
    }

    static final class VictimsValue extends JsonDeserializer<Victims> {
        @Override
        public Victims deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            try {
                return Victims.parse(p.getValueAsString());
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(p, e.getMessage());
            }
        }
    }

    static final class ActionValue extends JsonDeserializer<WatchAction> {
        @Override
        public WatchAction deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            try {
                return WatchAction.parse(p.getValueAsString());
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(p, e.getMessage());
            }
        }
    }

    /**
     * The YAML parser's text spans several lines, echoing the source with a caret under it and
     * "in 'reader'" for its position (which {@link #where} already gives): keep only what it says.
     */
    static String oneLine(String message) {
        if (message == null) {
            return "not valid YAML";
        }
        List<String> kept = new ArrayList<>();
        for (String line : message.split("\\R")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("in 'reader'") || t.matches("\\^+") || line.startsWith("    ")) {
                continue;
            }
            kept.add(t);
        }
        return kept.isEmpty() ? "not valid YAML" : String.join("; ", kept);
    }
}
