package dev.sessionctl.guard;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Configured protection: sessions of these users, applications (program / application_name) or
 * databases are never ended. Patterns are case-insensitive and may use {@code *} as a wildcard
 * ({@code replicator}, {@code pgbouncer*}, {@code *backup*}).
 */
public record ProtectionPolicy(List<String> users, List<String> applications, List<String> databases) {

    public ProtectionPolicy {
        users = users == null ? List.of() : List.copyOf(users);
        applications = applications == null ? List.of() : List.copyOf(applications);
        databases = databases == null ? List.of() : List.copyOf(databases);
    }

    public static ProtectionPolicy none() {
        return new ProtectionPolicy(List.of(), List.of(), List.of());
    }

    public ProtectionPolicy merge(ProtectionPolicy other) {
        return new ProtectionPolicy(concat(users, other.users), concat(applications, other.applications),
                concat(databases, other.databases));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).distinct().toList();
    }

    public Set<String> usersLowerCase() {
        return users.stream().map(u -> u.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    }
}
