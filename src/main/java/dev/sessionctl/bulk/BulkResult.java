package dev.sessionctl.bulk;

import dev.sessionctl.escalation.EscalationResult;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillResult;
import java.util.List;

/**
 * Per-session results of executing a {@link KillPlan}, in plan order, then the sessions left out
 * by {@code --max} as SKIPPED.
 */
public record BulkResult(KillPlan plan, List<Item> items) {

    /**
     * @param result     the kill path's result (for an escalation: the last step performed, or a synthesized one)
     * @param escalation the whole escalation when the plan was run with the ladder, else null
     */
    public record Item(KillPlan.Entry entry, KillResult result, EscalationResult escalation) {
        public boolean succeeded() {
            return escalation != null ? escalation.succeeded() : result.succeeded();
        }
    }

    public BulkResult {
        items = List.copyOf(items);
    }

    public long succeeded() {
        return items.stream().filter(Item::succeeded).count();
    }

    public long failed() {
        return items.stream().filter(i -> !i.succeeded()).count();
    }

    public long skipped() {
        return items.stream().filter(i -> i.result().outcome() == KillOutcome.SKIPPED).count();
    }
}
