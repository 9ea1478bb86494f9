package dev.sessionctl.bulk;

import dev.sessionctl.escalation.EscalationResult;
import dev.sessionctl.escalation.Escalator;
import dev.sessionctl.escalation.StepRecord;
import dev.sessionctl.kill.KillOutcome;
import dev.sessionctl.kill.KillRequest;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.kill.SessionKiller;
import dev.sessionctl.model.SessionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Executes a {@link KillPlan} entry by entry, each through the kill path (or the escalation
 * ladder), so guards and the identity re-check apply to every session. One failure, even an
 * exception, never stops the rest; sessions over the plan's {@code max} are reported SKIPPED.
 */
public final class BulkExecutor {

    private BulkExecutor() {
    }

    /** Plain kill with the plan's action. */
    public static BulkResult kill(KillPlan plan, SessionKiller killer, KillRequest request, Consumer<BulkResult.Item> progress) {
        return run(plan, e -> new BulkResult.Item(e, killer.killOne(e.session().key(), request), null), progress);
    }

    /** The escalation ladder on each session. */
    public static BulkResult escalate(KillPlan plan, Escalator escalator, Escalator.Goal goal, String reason,
                                      Consumer<BulkResult.Item> progress) {
        return run(plan, e -> {
            EscalationResult er = escalator.escalate(e.session().key(), goal, reason);
            return new BulkResult.Item(e, lastResult(e.session().key(), plan, er), er);
        }, progress);
    }

    private interface Step {
        BulkResult.Item apply(KillPlan.Entry e);
    }

    private static BulkResult run(KillPlan plan, Step step, Consumer<BulkResult.Item> progress) {
        List<BulkResult.Item> items = new ArrayList<>();
        for (KillPlan.Entry e : plan.entries()) {
            BulkResult.Item item;
            try {
                item = step.apply(e);
            } catch (RuntimeException ex) {
                item = new BulkResult.Item(e, KillResult.of(e.session().key(), plan.action(), KillOutcome.FAILED,
                        e.statement(), "failed: " + ex.getMessage()), null);
            }
            items.add(item);
            if (progress != null) {
                progress.accept(item);
            }
        }
        for (KillPlan.Entry e : plan.overMax()) {
            BulkResult.Item item = new BulkResult.Item(e, KillResult.of(e.session().key(), plan.action(), KillOutcome.SKIPPED,
                    null, "skipped: over --max " + plan.max()), null);
            items.add(item);
            if (progress != null) {
                progress.accept(item);
            }
        }
        return new BulkResult(plan, items);
    }

    private static KillResult lastResult(SessionKey key, KillPlan plan, EscalationResult er) {
        List<StepRecord> performed = er.performed();
        KillOutcome o = switch (er.status()) {
            case DONE -> KillOutcome.TERMINATED;
            case STATEMENT_STOPPED -> KillOutcome.CANCELLED;
            case ALREADY_GONE -> KillOutcome.ALREADY_GONE;
            case ROLLING_BACK -> KillOutcome.MARKED_FOR_KILL;
            case REFUSED -> KillOutcome.REFUSED_BY_GUARD;
            case NOT_DONE -> KillOutcome.NOT_VERIFIED;
        };
        KillResult last = performed.isEmpty() ? null : performed.get(performed.size() - 1).result();
        if (o == KillOutcome.CANCELLED && last != null && last.outcome() == KillOutcome.NOTHING_TO_CANCEL) {
            o = KillOutcome.NOTHING_TO_CANCEL; // no statement ran: nothing was cancelled, the session keeps its locks
        }
        KillResult base = last != null ? last.withOutcome(o, er.message())
                : KillResult.of(key, plan.action(), o, null, er.message());
        return base.withChecks(er.checks().isEmpty() || last != null && !last.checks().isEmpty() ? List.of() : er.checks());
    }
}
