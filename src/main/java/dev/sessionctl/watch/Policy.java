package dev.sessionctl.watch;

import dev.sessionctl.guard.ProtectionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A validated watch policy: global settings, what is protected everywhere, and the rules in file
 * order (the first rule that acts on a session wins).
 *
 * @param dryRun             decide and print only, for every rule
 * @param interval           time between two polls of one target
 * @param targets            target names from the targets file; empty = the ones given on the command line
 * @param protection         users / applications / databases never ended (added to each target's own)
 * @param protectedHosts     client hosts never ended (* wildcards)
 * @param webhookUrl         Slack-compatible webhook notified of every action, or null
 * @param deadlineScheduling act at the moment a threshold is crossed rather than at the next poll
 * @param actionTimeout      how long one action may wait for its session to go
 */
public record Policy(Path source, boolean dryRun, Duration interval, List<String> targets,
                     ProtectionPolicy protection, List<String> protectedHosts, String webhookUrl,
                     boolean deadlineScheduling, Duration actionTimeout, List<Rule> rules) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    public Policy {
        targets = targets == null ? List.of() : List.copyOf(targets);
        protection = protection == null ? ProtectionPolicy.none() : protection;
        protectedHosts = protectedHosts == null ? List.of() : List.copyOf(protectedHosts);
        interval = interval == null ? DEFAULT_INTERVAL : interval;
        actionTimeout = actionTimeout == null ? Duration.ofSeconds(5) : actionTimeout;
        rules = List.copyOf(rules);
    }

    public static Policy of(List<Rule> rules) {
        return new Policy(null, false, DEFAULT_INTERVAL, List.of(), ProtectionPolicy.none(), List.of(), null, true,
                null, rules);
    }

    /**
     * Things that validate but will not do what the author probably expects: a time threshold shorter
     * than the poll interval (a session that starts and crosses between two polls cannot have a
     * deadline planned; it is acted on at the next poll).
     */
    public List<String> warnings() {
        List<String> out = new java.util.ArrayList<>();
        for (Rule r : rules) {
            Rule.Thresholds t = r.thresholds();
            Duration shortest = java.util.stream.Stream.of(t.busy(), t.idle(), t.idleInTransaction(), t.blocking(),
                    t.transactionAge()).filter(java.util.Objects::nonNull).min(Duration::compareTo).orElse(null);
            if (shortest != null && shortest.compareTo(interval) < 0) {
                out.add("rule '" + r.name() + "': its shortest threshold (" + dev.sessionctl.model.Durations.format(shortest)
                        + ") is shorter than the poll interval (" + dev.sessionctl.model.Durations.format(interval)
                        + "): a session that starts and crosses between two polls is acted on at the next poll;"
                        + " poll at least once per threshold");
            }
        }
        return out;
    }

    public Policy withDryRun(boolean v) {
        return new Policy(source, v, interval, targets, protection, protectedHosts, webhookUrl, deadlineScheduling,
                actionTimeout, rules);
    }

    public Policy withInterval(Duration v) {
        return new Policy(source, dryRun, v, targets, protection, protectedHosts, webhookUrl, deadlineScheduling,
                actionTimeout, rules);
    }

    public Policy withDeadlineScheduling(boolean v) {
        return new Policy(source, dryRun, interval, targets, protection, protectedHosts, webhookUrl, v,
                actionTimeout, rules);
    }

    public Policy withProtection(ProtectionPolicy p, List<String> hosts) {
        return new Policy(source, dryRun, interval, targets, p, hosts, webhookUrl, deadlineScheduling,
                actionTimeout, rules);
    }
}
