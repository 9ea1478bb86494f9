package dev.sessionctl.watch;

import dev.sessionctl.guard.Guard;
import dev.sessionctl.guard.GuardChain;
import dev.sessionctl.guard.ProtectionPolicy;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.Snapshot;
import java.util.List;
import java.util.Optional;

/** The guards of a watched target: the standard chain, the policy's and target's protection, protected hosts. */
public final class WatchGuards {

    private WatchGuards() {
    }

    public static GuardChain forTarget(Policy policy, ProtectionPolicy targetProtection) {
        ProtectionPolicy p = targetProtection == null ? policy.protection() : targetProtection.merge(policy.protection());
        GuardChain chain = GuardChain.standard(p);
        List<String> hosts = policy.protectedHosts();
        if (!hosts.isEmpty()) {
            chain = chain.with(new Guard() {
                @Override
                public String name() {
                    return "protected-host";
                }

                @Override
                public Optional<String> refuse(Session session, Snapshot snapshot) {
                    String g = dev.sessionctl.model.Globs.firstMatch(hosts, session.clientHost());
                    return g == null ? Optional.empty() : Optional.of("client host '" + session.clientHost()
                            + "' is protected by the watch policy (pattern '" + g + "')");
                }
            });
        }
        return chain;
    }
}
