package dev.sessionctl.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sessionctl.config.ConfigException;
import dev.sessionctl.model.Engine;
import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionKey;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.SessionState;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.render.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Snapshots saved to a file, so a policy can be tested without a database. Reads the JSON that
 * {@code sessionctl sessions -o json} prints (one target), and the file {@code watch --save-snapshot}
 * writes: the same session shape plus {@code ownSessions}, either one snapshot object or
 * {@code {"snapshots": [...]}} for several targets.
 */
public final class SnapshotFile {

    public static final String FORMAT = "sessionctl-snapshot/1";
    private static final ObjectMapper READER = new ObjectMapper();

    private SnapshotFile() {
    }

    public static List<Snapshot> read(Path path) {
        JsonNode root;
        try {
            root = READER.readTree(Files.readString(path, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new ConfigException(path + " line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
                    + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("cannot read snapshot file " + path + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(path + ": expected a JSON object from `sessions -o json` or `watch --save-snapshot`");
        }
        List<Snapshot> out = new ArrayList<>();
        if (root.has("snapshots")) {
            int i = 0;
            for (JsonNode n : root.get("snapshots")) {
                out.add(snapshot(path, "snapshots[" + i++ + "]", n));
            }
        } else {
            out.add(snapshot(path, "", root));
        }
        return out;
    }

    public static void write(Path path, List<Snapshot> snapshots) {
        Object doc = snapshots.size() == 1 ? toJson(snapshots.get(0)) : Map.of("format", FORMAT,
                "snapshots", snapshots.stream().map(SnapshotFile::toJson).toList());
        try {
            Files.writeString(path, Json.MAPPER.writeValueAsString(doc) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot write snapshot file " + path + ": " + e.getMessage(), e);
        }
    }

    static Map<String, Object> toJson(Snapshot snap) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.putAll(Json.snapshotHeader(snap));
        m.put("ownSessions", snap.ownSessions().stream().map(SessionRef::toString).toList());
        m.put("count", snap.sessions().size());
        m.put("sessions", snap.sessions().stream().map(s -> Json.session(s, snap.serverTime())).toList());
        return m;
    }

    private static Snapshot snapshot(Path path, String at, JsonNode n) {
        String where = path + (at.isEmpty() ? "" : " " + at) + ": ";
        String target = text(n, "target");
        Instant serverTime = instant(where, n, "serverTime");
        if (serverTime == null) {
            throw new ConfigException(where + "missing serverTime; every duration is measured from it");
        }
        Engine engine = null;
        String label = text(n, "engine");
        if (label != null) {
            for (Engine e : Engine.values()) {
                if (e.label().equalsIgnoreCase(label)) {
                    engine = e;
                }
            }
        }
        Set<SessionRef> own = new LinkedHashSet<>();
        if (n.has("ownSessions")) {
            for (JsonNode o : n.get("ownSessions")) {
                own.add(ref(where, o.asText()));
            }
        }
        List<Session> sessions = new ArrayList<>();
        JsonNode list = n.get("sessions");
        if (list == null || !list.isArray()) {
            throw new ConfigException(where + "missing 'sessions' array");
        }
        int i = 0;
        for (JsonNode s : list) {
            sessions.add(session(where + "sessions[" + i++ + "]: ", target, s));
        }
        return new Snapshot(target == null ? "snapshot" : target, engine, text(n, "serverVersion"), serverTime,
                sessions, own);
    }

    private static Session session(String where, String target, JsonNode n) {
        SessionKey key;
        try {
            if (n.hasNonNull("incarnation") && n.hasNonNull("sessionId")) {
                key = new SessionKey(target, n.path("instance").asInt(0), n.get("sessionId").asLong(),
                        n.get("incarnation").asText());
            } else {
                key = SessionKey.parse(target, text(n, "key"));
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + e.getMessage());
        }
        Session.Builder b = Session.builder(key)
                .user(text(n, "user")).database(text(n, "database")).clientHost(text(n, "clientHost"))
                .program(text(n, "program")).logonTime(instant(where, n, "logonTime"))
                .stateSince(instant(where, n, "stateSince")).transactionStart(instant(where, n, "transactionStart"))
                .queryStart(instant(where, n, "queryStart")).sqlId(text(n, "sqlId")).sqlText(text(n, "sqlText"))
                .waitEventType(text(n, "waitEventType")).waitEvent(text(n, "waitEvent"))
                .backendType(text(n, "backendType")).serverProcess(text(n, "serverProcess"))
                .protectedReason(text(n, "protectedReason"));
        String state = text(n, "state");
        try {
            b.state(state == null ? SessionState.UNKNOWN : SessionState.parse(state));
        } catch (IllegalArgumentException e) {
            b.state(SessionState.UNKNOWN);
        }
        String kind = text(n, "kind");
        if (kind != null) {
            try {
                b.kind(SessionKind.valueOf(kind.toUpperCase(Locale.ROOT).replace('-', '_')));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + "invalid kind '" + kind + "'; expected client, background,"
                        + " replication, parallel-worker or system");
            }
        }
        if (n.hasNonNull("transactionSize")) {
            b.transactionSize(n.get("transactionSize").asLong());
        }
        if (n.has("blockedBy")) {
            for (JsonNode r : n.get("blockedBy")) {
                b.addBlocker(ref(where, r.asText()));
            }
        }
        if (n.hasNonNull("parent")) {
            b.parent(ref(where, n.get("parent").asText()));
        }
        JsonNode attrs = n.get("attributes");
        if (attrs != null && attrs.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = attrs.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                b.attribute(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText());
            }
        }
        return b.build();
    }

    /** "123" or "123@2", as {@link SessionRef#toString()} prints. */
    static SessionRef ref(String where, String text) {
        try {
            int at = text.indexOf('@');
            return at < 0 ? SessionRef.of(Long.parseLong(text.trim()))
                    : new SessionRef(Integer.parseInt(text.substring(at + 1).trim()), Long.parseLong(text.substring(0, at).trim()));
        } catch (NumberFormatException e) {
            throw new ConfigException(where + "invalid session reference '" + text + "'; expected ID or ID@INSTANCE");
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant instant(String where, JsonNode n, String field) {
        String t = text(n, field);
        if (t == null) {
            return null;
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            throw new ConfigException(where + "invalid " + field + " '" + t + "'; expected an ISO-8601 instant such as"
                    + " 2026-11-22T13:00:00.123Z");
        }
    }
}
