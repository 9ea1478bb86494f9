package dev.sessionctl.guard;

import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The guards every kill path runs, in order. Built-in guards cannot be switched off; configured
 * protection adds to them.
 */
public final class GuardChain {

    /** A refusal: which guard, and why. */
    public record Refusal(String guard, String reason) {
        @Override
        public String toString() {
            return guard + ": " + reason;
        }
    }

    private final List<Guard> guards;

    private GuardChain(List<Guard> guards) {
        this.guards = List.copyOf(guards);
    }

    /** The built-in guards plus the configured protection. */
    public static GuardChain standard(ProtectionPolicy policy) {
        List<Guard> g = new ArrayList<>();
        g.add(simple("own-connection", (s, snap) -> snap.isOwn(s.ref())
                ? "this is sessionctl's own connection" : null));
        g.add(simple("not-a-client", (s, snap) -> s.kind() != SessionKind.CLIENT
                ? "not a client session (" + describeKind(s) + ")" : null));
        g.add(simple("already-terminating", (s, snap) -> s.state() == SessionState.TERMINATING
                ? "already being terminated; it is cleaning up or rolling back, ending it again would not help (use explain)"
                : null));
        g.add(simple("protected-user", (s, snap) -> matched("user", policy.users(), s.user())));
        g.add(simple("protected-application", (s, snap) -> matched("application", policy.applications(), s.program())));
        g.add(simple("protected-database", (s, snap) -> matched("database", policy.databases(), s.database())));
        g.add(simple("engine-protected", (s, snap) -> s.protectedReason()));
        return new GuardChain(g);
    }

    /**
     * This chain with the guard named {@code name} replaced, keeping its place. The escalation
     * ladder uses it to swap "already-terminating" for a guard that lets a stalled rollback be
     * escalated while still refusing one that makes progress.
     *
     * @throws IllegalArgumentException when no guard has that name
     */
    public GuardChain replacing(String name, Guard replacement) {
        List<Guard> g = new ArrayList<>(guards);
        for (int i = 0; i < g.size(); i++) {
            if (g.get(i).name().equals(name)) {
                g.set(i, replacement);
                return new GuardChain(g);
            }
        }
        throw new IllegalArgumentException("no guard named '" + name + "' in the chain");
    }

    public GuardChain with(Guard extra) {
        List<Guard> g = new ArrayList<>(guards);
        g.add(extra);
        return new GuardChain(g);
    }

    /** The first guard that refuses, or empty when the session may be ended. */
    public Optional<Refusal> check(Session session, Snapshot snapshot) {
        for (Guard g : guards) {
            Optional<String> why = g.refuse(session, snapshot);
            if (why.isPresent()) {
                return Optional.of(new Refusal(g.name(), why.get()));
            }
        }
        return Optional.empty();
    }

    /**
     * The snapshot with {@code protectedReason} filled on every session a guard would refuse, so
     * listings show PROTECTED before anyone asks for a kill.
     */
    public Snapshot annotate(Snapshot snapshot) {
        List<Session> out = new ArrayList<>(snapshot.sessions().size());
        for (Session s : snapshot.sessions()) {
            Optional<Refusal> r = check(s, snapshot);
            if (r.isPresent() && s.protectedReason() == null && !"already-terminating".equals(r.get().guard())) {
                out.add(s.withProtection(r.get().guard() + ": " + r.get().reason()));
            } else {
                out.add(s);
            }
        }
        return snapshot.withSessions(out);
    }

    private static String describeKind(Session s) {
        String k = s.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        return s.backendType() == null ? k : k + ": " + s.backendType();
    }

    private static String matched(String what, List<String> patterns, String value) {
        String p = dev.sessionctl.model.Globs.firstMatch(patterns, value);
        return p == null ? null : what + " '" + value + "' is protected by configuration (pattern '" + p + "')";
    }

    private interface Rule {
        String reason(Session s, Snapshot snap);
    }

    private static Guard simple(String name, Rule rule) {
        return new Guard() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Optional<String> refuse(Session session, Snapshot snapshot) {
                return Optional.ofNullable(rule.reason(session, snapshot));
            }
        };
    }
}
