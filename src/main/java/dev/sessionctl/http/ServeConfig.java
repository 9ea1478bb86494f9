package dev.sessionctl.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sessionctl.config.ConfigException;
import dev.sessionctl.model.Durations;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The configuration of {@code sessionctl serve} (YAML). Secrets are never in it: administrators
 * have PBKDF2 hashes, the TLS keystore password comes from an environment variable, and database
 * passwords stay in the targets file's passwordEnv / passwordFile. See docs/http.md.
 *
 * <pre>
 * listen: {host: 127.0.0.1, port: 8080}
 * targetsFile: /etc/sessionctl/targets.yaml
 * admins:
 *   - {username: dba1, passwordHash: "pbkdf2-sha256$600000$...$..."}
 * proxy: {trustedAddresses: [127.0.0.1], identityHeader: X-Forwarded-User}
 * selfService: {targets: [prod-pg]}
 * tls: {keystore: /etc/sessionctl/console.p12, keystorePasswordEnv: SESSIONCTL_KEYSTORE_PASSWORD}
 * audit: {file: /var/log/sessionctl/audit.jsonl}
 * sessions: {idleTimeout: 30m, absoluteTimeout: 12h}
 * loginRateLimit: {perAddress: 20, perUser: 5, window: 15m}
 * </pre>
 */
public record ServeConfig(String host, int port, Path targetsFile, Map<String, String> adminHashes,
                          Set<InetAddress> trustedProxies, String identityHeader, List<String> selfServiceTargets,
                          Path keystore, String keystorePassword, String keystoreType, Path auditFile,
                          Duration idleTimeout, Duration absoluteTimeout, int loginLimitPerAddress,
                          int loginLimitPerUser, Duration loginWindow) {

    public ServeConfig {
        adminHashes = Map.copyOf(adminHashes);
        trustedProxies = Set.copyOf(trustedProxies);
        selfServiceTargets = selfServiceTargets == null ? null : List.copyOf(selfServiceTargets);
    }

    public boolean tls() {
        return keystore != null;
    }

    /** Self-service is allowed on this target (null list = on every target). */
    public boolean selfServiceAllowed(String target) {
        return selfServiceTargets == null || selfServiceTargets.contains(target);
    }

    /** Defaults: loopback only, no administrators, no proxy, self-service everywhere, no TLS. */
    public static ServeConfig defaults(Path targetsFile) {
        return new ServeConfig("127.0.0.1", 8080, targetsFile, Map.of(), Set.of(), null, null, null, null, null,
                null, Duration.ofMinutes(30), Duration.ofHours(12), 20, 5, Duration.ofMinutes(15));
    }

    public ServeConfig withListen(String newHost, Integer newPort) {
        return new ServeConfig(newHost == null ? host : newHost, newPort == null ? port : newPort, targetsFile,
                adminHashes, trustedProxies, identityHeader, selfServiceTargets, keystore, keystorePassword,
                keystoreType, auditFile, idleTimeout, absoluteTimeout, loginLimitPerAddress, loginLimitPerUser,
                loginWindow);
    }

    public ServeConfig withTargetsFile(Path file) {
        return new ServeConfig(host, port, file, adminHashes, trustedProxies, identityHeader, selfServiceTargets,
                keystore, keystorePassword, keystoreType, auditFile, idleTimeout, absoluteTimeout,
                loginLimitPerAddress, loginLimitPerUser, loginWindow);
    }

    public ServeConfig withAuditFile(Path file) {
        return new ServeConfig(host, port, targetsFile, adminHashes, trustedProxies, identityHeader, selfServiceTargets,
                keystore, keystorePassword, keystoreType, file, idleTimeout, absoluteTimeout,
                loginLimitPerAddress, loginLimitPerUser, loginWindow);
    }

    public static ServeConfig load(Path path, Function<String, String> environment) {
        if (!Files.isRegularFile(path)) {
            throw new ConfigException("serve config " + path + " does not exist; see docs/http.md for an example");
        }
        try {
            return parse(path, Files.readString(path, StandardCharsets.UTF_8), environment);
        } catch (IOException e) {
            throw new ConfigException("cannot read serve config " + path + ": " + e.getMessage(), e);
        }
    }

    static ServeConfig parse(Path path, String yaml, Function<String, String> environment) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        FileModel m;
        try {
            m = mapper.readValue(yaml, FileModel.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(where(path, e.getLocation()) + "unknown key '" + e.getPropertyName()
                    + "'; expected one of " + e.getKnownPropertyIds());
        } catch (JsonProcessingException e) {
            throw new ConfigException(where(path, e.getLocation()) + e.getOriginalMessage());
        }
        if (m == null) {
            m = new FileModel();
        }
        Path base = path.toAbsolutePath().getParent();
        String host = m.listen == null || m.listen.host == null ? "127.0.0.1" : m.listen.host;
        int port = m.listen == null || m.listen.port == null ? 8080 : m.listen.port;
        if (port < 0 || port > 65535) {
            throw new ConfigException(path + ": invalid listen.port " + port + "; expected 0..65535 (0 = any free port)");
        }
        Map<String, String> admins = new LinkedHashMap<>();
        if (m.admins != null) {
            for (AdminModel a : m.admins) {
                if (a == null || a.username == null || a.username.isBlank()) {
                    throw new ConfigException(path + ": an admins entry has no username; expected {username: NAME, passwordHash: ...}");
                }
                if (a.password != null) {
                    throw new ConfigException(path + ": admin '" + a.username + "' has a clear-text 'password'; store a"
                            + " passwordHash from `sessionctl serve --hash-password` instead");
                }
                try {
                    PasswordHasher.checkFormat(a.passwordHash, path + ": admin '" + a.username + "'");
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(e.getMessage());
                }
                if (admins.put(a.username, a.passwordHash) != null) {
                    throw new ConfigException(path + ": admin '" + a.username + "' is listed twice");
                }
            }
        }
        List<InetAddress> proxies = new ArrayList<>();
        String header = null;
        if (m.proxy != null) {
            for (String addr : m.proxy.trustedAddresses == null ? List.<String>of() : m.proxy.trustedAddresses) {
                proxies.add(literalAddress(path, addr));
            }
            header = m.proxy.identityHeader == null ? "X-Forwarded-User" : m.proxy.identityHeader;
            if (!header.matches("[A-Za-z0-9-]{1,64}")) {
                throw new ConfigException(path + ": invalid proxy.identityHeader '" + header + "'; expected a header name");
            }
            if (proxies.isEmpty()) {
                throw new ConfigException(path + ": proxy.identityHeader needs proxy.trustedAddresses (the reverse"
                        + " proxy's IP addresses); the header is honoured only from them");
            }
        }
        Path keystore = null;
        String keystorePassword = null;
        String keystoreType = null;
        if (m.tls != null) {
            if (m.tls.keystore == null) {
                throw new ConfigException(path + ": tls needs keystore: /path/to/keystore.p12");
            }
            keystore = base.resolve(m.tls.keystore);
            if (!Files.isReadable(keystore)) {
                throw new ConfigException(path + ": tls.keystore " + keystore + " cannot be read");
            }
            if (m.tls.keystorePassword != null) {
                throw new ConfigException(path + ": tls has a clear-text keystorePassword; use keystorePasswordEnv: VARIABLE");
            }
            String env = m.tls.keystorePasswordEnv == null ? "SESSIONCTL_KEYSTORE_PASSWORD" : m.tls.keystorePasswordEnv;
            keystorePassword = environment.apply(env);
            if (keystorePassword == null) {
                throw new ConfigException(path + ": the TLS keystore password is read from environment variable " + env
                        + ", which is not set");
            }
            keystoreType = m.tls.keystoreType == null ? "PKCS12" : m.tls.keystoreType;
        }
        Duration idle = duration(path, "sessions.idleTimeout", m.sessions == null ? null : m.sessions.idleTimeout, "30m");
        Duration absolute = duration(path, "sessions.absoluteTimeout", m.sessions == null ? null : m.sessions.absoluteTimeout, "12h");
        int perAddress = m.loginRateLimit == null || m.loginRateLimit.perAddress == null ? 20 : m.loginRateLimit.perAddress;
        int perUser = m.loginRateLimit == null || m.loginRateLimit.perUser == null ? 5 : m.loginRateLimit.perUser;
        if (perAddress < 1 || perUser < 1) {
            throw new ConfigException(path + ": loginRateLimit.perAddress and perUser must be at least 1");
        }
        Duration window = duration(path, "loginRateLimit.window", m.loginRateLimit == null ? null : m.loginRateLimit.window, "15m");
        Path targets = m.targetsFile == null ? null : base.resolve(m.targetsFile);
        Path audit = m.audit == null || m.audit.file == null ? null : base.resolve(m.audit.file);
        List<String> selfTargets = m.selfService == null ? null : m.selfService.targets;
        if (m.selfService != null && Boolean.FALSE.equals(m.selfService.enabled)) {
            selfTargets = List.of();
        }
        return new ServeConfig(host, port, targets, admins, Set.copyOf(proxies), header, selfTargets, keystore,
                keystorePassword, keystoreType, audit, idle, absolute, perAddress, perUser, window);
    }

    private static InetAddress literalAddress(Path path, String text) {
        // only literal addresses: a host name here would make trust depend on DNS
        if (text == null || !text.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
            throw new ConfigException(path + ": invalid proxy.trustedAddresses entry '" + text
                    + "'; expected a literal IP address such as 127.0.0.1 or ::1");
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new ConfigException(path + ": invalid proxy.trustedAddresses entry '" + text + "'");
        }
    }

    private static Duration duration(Path path, String key, String text, String fallback) {
        try {
            return Durations.parse(text == null ? fallback : text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path + ": " + key + ": " + e.getMessage());
        }
    }

    private static String where(Path path, JsonLocation loc) {
        return loc == null ? path + ": " : path + " line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
    }

    public String describe() {
        return (tls() ? "https" : "http") + "://" + host + ":" + port + " admins=" + adminHashes.keySet()
                + " proxy=" + trustedProxies.stream().map(InetAddress::getHostAddress).collect(Collectors.toList());
    }

    static final class FileModel {
        @JsonProperty("listen") ListenModel listen;
        @JsonProperty("targetsFile") String targetsFile;
        @JsonProperty("admins") List<AdminModel> admins;
        @JsonProperty("proxy") ProxyModel proxy;
        @JsonProperty("selfService") SelfServiceModel selfService;
        @JsonProperty("tls") TlsModel tls;
        @JsonProperty("audit") AuditModel audit;
        @JsonProperty("sessions") SessionsModel sessions;
        @JsonProperty("loginRateLimit") RateModel loginRateLimit;
    }

    static final class ListenModel {
        @JsonProperty("host") String host;
        @JsonProperty("port") Integer port;
    }

    static final class AdminModel {
        @JsonProperty("username") String username;
        @JsonProperty("passwordHash") String passwordHash;
        @JsonProperty("password") String password;
    }

    static final class ProxyModel {
        @JsonProperty("trustedAddresses") List<String> trustedAddresses;
        @JsonProperty("identityHeader") String identityHeader;
    }

    static final class SelfServiceModel {
        @JsonProperty("enabled") Boolean enabled;
        @JsonProperty("targets") List<String> targets;
    }

    static final class TlsModel {
        @JsonProperty("keystore") String keystore;
        @JsonProperty("keystorePasswordEnv") String keystorePasswordEnv;
        @JsonProperty("keystorePassword") String keystorePassword;
        @JsonProperty("keystoreType") String keystoreType;
    }

    static final class AuditModel {
        @JsonProperty("file") String file;
    }

    static final class SessionsModel {
        @JsonProperty("idleTimeout") String idleTimeout;
        @JsonProperty("absoluteTimeout") String absoluteTimeout;
    }

    static final class RateModel {
        @JsonProperty("perAddress") Integer perAddress;
        @JsonProperty("perUser") Integer perUser;
        @JsonProperty("window") String window;
    }
}
