package dev.sessionctl.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.target.TargetSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The targets file (YAML): named databases and what to protect on them.
 *
 * <pre>
 * protect:                      # applies to every target
 *   users: [replicator]
 * targets:
 *   prod-pg:
 *     url: jdbc:postgresql://db1:5432/app
 *     user: sessionctl
 *     passwordEnv: PROD_PG_PASSWORD     # or passwordFile: /run/secrets/pg
 *     options: {variant: rds}
 *     protect:
 *       applications: ["pgbouncer*"]
 * </pre>
 *
 * A clear-text {@code password:} is refused: secrets come from the environment or a file.
 * Unknown keys are errors, reported with the file and line.
 */
public final class TargetsFile {

    private final Path source;
    /** Targets without their password: it is read only for the target actually used. */
    private final Map<String, TargetSpec> targets;
    private final Map<String, PasswordSource> secrets;

    private TargetsFile(Path source, Map<String, TargetSpec> targets, Map<String, PasswordSource> secrets) {
        this.source = source;
        this.targets = targets;
        this.secrets = secrets;
    }

    /** {@code $SESSIONCTL_TARGETS}, else {@code ~/.config/sessionctl/targets.yaml}. */
    public static Path defaultPath() {
        String env = System.getenv("SESSIONCTL_TARGETS");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".config", "sessionctl", "targets.yaml");
    }

    public static TargetsFile load(Path path, Function<String, String> environment) {
        if (!Files.isRegularFile(path)) {
            throw new ConfigException("targets file " + path + " does not exist; create it (see docs/cli.md, 'Targets file')"
                    + " or pass --url");
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read targets file " + path + ": " + e.getMessage(), e);
        }
        return parse(path, text, environment);
    }

    static TargetsFile parse(Path path, String yaml, Function<String, String> environment) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        if (yaml.isBlank()) {
            throw new ConfigException(path + " is empty; expected a 'targets:' map of name -> {url, user, ...}"
                    + " (see docs/cli.md, 'Targets file')");
        }
        FileModel model;
        try {
            model = mapper.readValue(yaml, FileModel.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(where(path, e.getLocation()) + "unknown key '" + e.getPropertyName()
                    + "'; expected one of " + e.getKnownPropertyIds());
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            // Jackson's own text names our model classes; say what the file should hold there instead
            throw new ConfigException(where(path, e.getLocation()) + "expected " + expected(e.getTargetType())
                    + " here; see docs/cli.md, 'Targets file'");
        } catch (JsonProcessingException e) {
            throw new ConfigException(where(path, e.getLocation()) + e.getOriginalMessage());
        }
        if (model == null || model.targets == null || model.targets.isEmpty()) {
            throw new ConfigException(path + ": no targets defined; expected a 'targets:' map of name -> {url, user, ...}");
        }
        ProtectionPolicy global = model.protect == null ? ProtectionPolicy.none() : model.protect.toPolicy();
        Map<String, TargetSpec> out = new LinkedHashMap<>();
        Map<String, PasswordSource> secrets = new LinkedHashMap<>();
        for (Map.Entry<String, TargetModel> e : model.targets.entrySet()) {
            String name = e.getKey();
            TargetModel t = e.getValue();
            if (t == null) {
                throw new ConfigException(path + ": target '" + name + "' is empty; expected url and user");
            }
            if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new ConfigException(path + ": invalid target name '" + name
                        + "'; expected letters, digits, '.', '_' or '-' (at most 64)");
            }
            if (t.password != null) {
                throw new ConfigException(path + ": target '" + name + "' has a clear-text 'password'; "
                        + "use passwordEnv: VARIABLE or passwordFile: /path instead");
            }
            if (t.url == null || t.url.isBlank()) {
                throw new ConfigException(path + ": target '" + name + "' has no url; expected e.g. "
                        + "url: jdbc:postgresql://host:5432/db");
            }
            PasswordSource secret = new PasswordSource(path, name, t.passwordEnv, t.passwordFile, environment);
            ProtectionPolicy p = t.protect == null ? global : global.merge(t.protect.toPolicy());
            Map<String, String> options = t.options == null ? Map.of() : t.options;
            for (String key : options.keySet()) {
                if (!KNOWN_OPTIONS.contains(key)) {
                    throw new ConfigException(path + ": target '" + name + "' has unknown option '" + key + "'"
                            + closest(key).map(c -> " (did you mean '" + c + "'?)").orElse("")
                            + "; expected one of " + String.join(", ", KNOWN_OPTIONS));
                }
            }
            if (t.engine != null) {
                options = new LinkedHashMap<>(options);
                options.put("engine", t.engine);
            }
            out.put(name, new TargetSpec(name, t.url, t.user, null, options, p));
            secrets.put(name, secret);
        }
        return new TargetsFile(path, out, secrets);
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "another kind of value";
        }
        if (type == FileModel.class) {
            return "a map with 'targets:' (and optionally 'protect:')";
        }
        if (type == TargetModel.class) {
            return "a target: a map of url, user, passwordEnv or passwordFile, engine, options, protect";
        }
        if (type == ProtectModel.class) {
            return "a map of users, applications, databases (each a list)";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "a list, e.g. [a, b]";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "a map of name: value";
        }
        return "a single value";
    }

    /**
     * Every key read from a target's {@code options:} anywhere in sessionctl (dialects, host access,
     * escalation, audit). A typo must not silently fall back to a default.
     */
    static final java.util.SortedSet<String> KNOWN_OPTIONS = new java.util.TreeSet<>(List.of(
            "connectTimeoutSeconds", "statementTimeoutMs", "lockTimeoutMs", "engine", "variant",
            "selfServiceProcedure", "hostAccess", "sshKey", "knownHosts", "sshPassphraseEnv", "dbOsUser", "ladder",
            "auditSyslog"));

    private static java.util.Optional<String> closest(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : KNOWN_OPTIONS) {
            int d = editDistance(key.toLowerCase(java.util.Locale.ROOT), k.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 4) ? java.util.Optional.of(best) : java.util.Optional.empty();
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String where(Path path, JsonLocation loc) {
        return loc == null ? path + ": " : path + " line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
    }

    public Path source() {
        return source;
    }

    /** Every target with its password; fails when any target's password cannot be read. */
    public Map<String, TargetSpec> targets() {
        Map<String, TargetSpec> all = new LinkedHashMap<>();
        for (String name : targets.keySet()) {
            all.put(name, target(name));
        }
        return all;
    }

    /** The target names, in file order. */
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(targets.keySet());
    }

    /**
     * One target with its password. Only this target's passwordEnv / passwordFile is read, so a
     * secret that is missing on this machine for another target does not block this one.
     */
    public TargetSpec target(String name) {
        TargetSpec t = targets.get(name);
        if (t == null) {
            throw new ConfigException("unknown target '" + name + "' in " + source + "; known targets: "
                    + String.join(", ", targets.keySet()));
        }
        String password = secrets.get(name).read();
        return password == null ? t : t.withPassword(password);
    }

    /** Where one target's password comes from; read on demand. */
    private record PasswordSource(Path file, String target, String env, String passwordFile,
                                  Function<String, String> environment) {
        String read() {
            if (env != null) {
                String password = environment.apply(env);
                if (password == null) {
                    throw new ConfigException(file + ": target '" + target + "' reads its password from environment variable "
                            + env + ", which is not set");
                }
                return password;
            }
            if (passwordFile != null) {
                try {
                    return Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();
                } catch (IOException ex) {
                    throw new ConfigException(file + ": target '" + target + "': cannot read passwordFile " + passwordFile
                            + " (" + ex.getClass().getSimpleName() + ")");
                }
            }
            return null;
        }
    }

    static final class FileModel {
        @JsonProperty("protect") ProtectModel protect;
        @JsonProperty("targets") LinkedHashMap<String, TargetModel> targets;
    }

    static final class TargetModel {
        @JsonProperty("url") String url;
        @JsonProperty("user") String user;
        @JsonProperty("password") String password;
        @JsonProperty("passwordEnv") String passwordEnv;
        @JsonProperty("passwordFile") String passwordFile;
        @JsonProperty("engine") String engine;
        @JsonProperty("options") Map<String, String> options;
        @JsonProperty("protect") ProtectModel protect;
    }

    static final class ProtectModel {
        @JsonProperty("users") List<String> users;
        @JsonProperty("applications") List<String> applications;
        @JsonProperty("databases") List<String> databases;

        ProtectionPolicy toPolicy() {
            return new ProtectionPolicy(users, applications, databases);
        }
    }
}
