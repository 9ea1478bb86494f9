package dev.sessionctl.watch;

import java.time.Instant;
import java.util.List;

/** Every decision of one evaluation of a policy against one snapshot. */
public record Evaluation(String target, Instant serverTime, List<Decision> decisions) {

    public Evaluation {
        decisions = List.copyOf(decisions);
    }

    public List<Decision> with(Decision.Verdict verdict) {
        return decisions.stream().filter(d -> d.verdict() == verdict).toList();
    }
}
