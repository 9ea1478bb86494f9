package dev.sessionctl.cli;

import dev.sessionctl.model.Durations;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.render.Json;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code sessions --count-by}: sessions counted per user, application, client host, database or state,
 * largest group first, with how many are idle and the oldest idle age, so that a leaking connection
 * pool (hundreds of idle sessions of one application, some idle for hours) shows in one line.
 */
final class SessionCounts {

    enum By {
        USER("user", "USER", Session::user),
        APP("app", "APP", Session::program),
        HOST("host", "HOST", Session::clientHost),
        DB("db", "DB", Session::database),
        STATE("state", "STATE", SessionCounts::stateWord);

        final String option;
        final String header;
        final Function<Session, String> value;

        By(String option, String header, Function<Session, String> value) {
            this.option = option;
            this.header = header;
            this.value = value;
        }

        static By parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            for (By b : values()) {
                if (b.option.equals(t)) {
                    return b;
                }
            }
            throw new UserError("invalid --count-by '" + text + "'; expected one of user, app, host, db, state");
        }
    }

    /** One group: {@code value} null when the engine reports none (e.g. no application name). */
    record Group(String value, int sessions, int idle, int idleInTransaction, Duration oldestIdle) { }

    private SessionCounts() {
    }

    /** The same words --state accepts, so a group can be selected again with --state. */
    static String stateWord(Session s) {
        if (s.state() == SessionState.ACTIVE && s.isWaitingOnSession()) {
            return "waiting";
        }
        return s.state().cliName();
    }

    static List<Group> count(List<Session> sessions, By by, Instant serverTime) {
        Map<String, List<Session>> groups = new LinkedHashMap<>();
        for (Session s : sessions) {
            groups.computeIfAbsent(by.value.apply(s), k -> new ArrayList<>()).add(s);
        }
        List<Group> out = new ArrayList<>();
        for (Map.Entry<String, List<Session>> e : groups.entrySet()) {
            int idle = 0;
            int idleTx = 0;
            Duration oldest = null;
            for (Session s : e.getValue()) {
                boolean isIdle = s.state() == SessionState.IDLE;
                boolean isIdleTx = s.state() == SessionState.IDLE_IN_TRANSACTION;
                if (!isIdle && !isIdleTx) {
                    continue;
                }
                idle += isIdle ? 1 : 0;
                idleTx += isIdleTx ? 1 : 0;
                Duration d = s.timeInState(serverTime);
                if (d != null && (oldest == null || d.compareTo(oldest) > 0)) {
                    oldest = d;
                }
            }
            out.add(new Group(e.getKey(), e.getValue().size(), idle, idleTx, oldest));
        }
        out.sort(Comparator.comparingInt(Group::sessions).reversed()
                .thenComparing(g -> g.value() == null ? "" : g.value(), String.CASE_INSENSITIVE_ORDER));
        return out;
    }

    static void render(PrintWriter out, Snapshot snap, List<Session> shown, By by, OutputFormat output, boolean wide) {
        List<Group> groups = count(shown, by, snap.serverTime());
        switch (output) {
            case JSON -> {
                Map<String, Object> m = Json.snapshotHeader(snap);
                m.put("countBy", by.option);
                m.put("count", shown.size());
                m.put("groups", groups.stream().map(g -> {
                    Map<String, Object> gm = new LinkedHashMap<>();
                    gm.put("value", g.value());
                    gm.put("sessions", g.sessions());
                    gm.put("idle", g.idle());
                    gm.put("idleInTransaction", g.idleInTransaction());
                    gm.put("oldestIdleSeconds", Json.seconds(g.oldestIdle()));
                    return gm;
                }).toList());
                Json.print(out, m);
            }
            case CSV -> {
                out.println(Table.csv(List.of(by.option, "sessions", "idle", "idle_in_transaction", "oldest_idle_seconds")));
                for (Group g : groups) {
                    Double secs = Json.seconds(g.oldestIdle());
                    out.println(Table.csv(List.of(Text.nz(g.value()), Integer.toString(g.sessions()),
                            Integer.toString(g.idle()), Integer.toString(g.idleInTransaction()),
                            secs == null ? "" : secs.toString())));
                }
                out.flush();
            }
            default -> {
                Table t = new Table().column("SESSIONS", 8).column("IDLE", 6).column("IDLE-TX", 7)
                        .column("OLDEST-IDLE", 11).column(by.header, 200);
                for (Group g : groups) {
                    t.row(g.sessions(), g.idle(), g.idleInTransaction(), Durations.format(g.oldestIdle()),
                            g.value() == null ? "(none)" : g.value());
                }
                t.print(out, wide);
                out.println(shown.size() + " session(s) in " + groups.size() + " group(s) by " + by.option + " on "
                        + snap.target() + " (" + snap.engine() + " " + Text.nz(snap.serverVersion()) + ")");
                out.flush();
            }
        }
    }
}
