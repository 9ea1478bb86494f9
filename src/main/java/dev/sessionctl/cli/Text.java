package dev.sessionctl.cli;

import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionState;
import java.time.Duration;
import java.time.Instant;

/** Short human forms used by table and tree output. */
final class Text {

    private Text() {
    }

    static String state(Session s) {
        return switch (s.state()) {
            case ACTIVE -> s.isWaitingOnSession() ? "waiting" : "active";
            case IDLE -> "idle";
            case IDLE_IN_TRANSACTION -> "idle-tx";
            case TERMINATING -> "ending";
            case UNKNOWN -> "?";
        };
    }

    static String age(Session s, Instant now) {
        Duration d = s.state() == SessionState.ACTIVE && s.queryStart() != null ? s.queryAge(now) : s.timeInState(now);
        return Durations.format(d);
    }

    static String waitOf(Session s) {
        if (s.waitEvent() == null) {
            return "";
        }
        return s.waitEventType() == null ? s.waitEvent() : s.waitEventType() + ":" + s.waitEvent();
    }

    static String nz(String s) {
        return s == null ? "" : s;
    }

    static String sql(Session s) {
        return s.sqlText() == null ? "" : Table.oneLine(s.sqlText());
    }
}
