package dev.sessionctl.watch;

import dev.sessionctl.kill.KillResult;
import dev.sessionctl.target.TargetException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Structured logs (SLF4J, key=value) of decisions and actions. Never logs a password (none reaches here). */
public final class WatchLog implements WatchListener {

    private static final Logger LOG = LoggerFactory.getLogger("dev.sessionctl.watch");

    @Override
    public void decided(Decision d) {
        LOG.info("event=decision verdict={} rule={} target={} key={} user={} action={} reason=\"{}\"",
                d.verdict().label(), d.rule(), d.target(), d.session().key().printable(), d.session().user(),
                d.action().label(), quote(d.reason()));
    }

    @Override
    public void acted(Decision d, KillResult r, Duration reactionDelay) {
        LOG.info("event=action rule={} target={} key={} user={} action={} outcome={} elapsedMs={} reactionDelayMs={}"
                        + " reason=\"{}\" message=\"{}\"", d.rule(), d.target(), r.key().printable(), d.session().user(),
                r.action().label(), r.outcome().label(), r.elapsed().toMillis(), reactionDelay.toMillis(),
                quote(d.reason()), quote(r.message()));
    }

    @Override
    public void pollFailed(String target, TargetException error, Duration retryIn) {
        // the Watchdog logs failures itself, with the retry delay
    }

    static String quote(String s) {
        return s == null ? "" : s.replace("\"", "'").replace("\n", " ");
    }
}
