package dev.sessionctl.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sessionctl.audit.AuditLog;
import dev.sessionctl.audit.AuditRecord;
import dev.sessionctl.audit.AuditSink;
import dev.sessionctl.audit.AuditTrail;
import dev.sessionctl.audit.JsonLinesAuditFile;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.render.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The console's audit: every kill and cancel goes to the shared audit trail of the termination
 * engine ({@link AuditTrail} on a {@link JsonLinesAuditFile}, the same file and format as the CLI's,
 * so {@code sessionctl audit} lists console actions too): the intent is fsynced before the statement
 * is sent (if it cannot be written, nothing is done) and the outcome after. The actor is the
 * signed-in user: {@code osUser} = console user, {@code host} = client address, {@code via} =
 * "console admin (password|proxy)" or "console self-service@TARGET (database sign-in)".
 *
 * <p>Sign-ins, failed sign-ins, throttled sign-ins, sign-outs and refused kills are access events,
 * not actions: they go to a separate JSON lines file next to it ({@code console-access.jsonl}), so
 * the action trail keeps the engine's format.
 */
public final class ConsoleAudit {

    private static final ObjectMapper LINE = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final Path actionsFile;
    private final Path file;
    private final AuditSink actions;
    private final Clock clock;

    /**
     * @param actionsFile the audit trail shared with the CLI
     * @param accessFile  the console's access events
     */
    public ConsoleAudit(Path actionsFile, Path accessFile, Clock clock) {
        this.actionsFile = actionsFile.toAbsolutePath();
        this.file = accessFile.toAbsolutePath();
        this.clock = clock;
        this.actions = new SerializedSink(new JsonLinesAuditFile(this.actionsFile));
        try {
            for (Path p : List.of(this.actionsFile, this.file)) {
                if (p.getParent() != null) {
                    Files.createDirectories(p.getParent());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the audit directory for " + actionsFile, e);
        }
    }

    /** The access file beside an audit trail: {@code DIR/console-access.jsonl}. */
    public static Path accessFileBeside(Path actionsFile) {
        Path parent = actionsFile.toAbsolutePath().getParent();
        return parent.resolve("console-access.jsonl");
    }

    public Path actionsFile() {
        return actionsFile;
    }

    public Path file() {
        return file;
    }

    /**
     * The engine's file sink takes an OS file lock per append, and one JVM may not hold two locks
     * on one file: requests of this server append one at a time (other processes wait on the lock).
     */
    private static final class SerializedSink implements AuditSink {
        private final JsonLinesAuditFile file;

        SerializedSink(JsonLinesAuditFile file) {
            this.file = file;
        }

        @Override
        public synchronized void append(AuditRecord record) {
            file.append(record);
        }

        @Override
        public String describe() {
            return file.describe();
        }
    }

    /** How the audit trail names a console user. */
    static AuditRecord.Actor actor(Principal p, String address) {
        String via = p.isAdmin() ? "console admin (" + p.via() + ")"
                : "console self-service@" + p.target() + " (database sign-in)";
        return new AuditRecord.Actor(p.name(), address, ProcessHandle.current().pid(), via);
    }

    /** Whether an action of the trail was done by this self-service user through the console. */
    static boolean bySelfService(AuditLog.Entry e, Principal p) {
        AuditRecord first = e.first();
        AuditRecord.Actor a = first == null ? null : first.actor();
        return a != null && p.name().equals(a.osUser()) && a.via() != null
                && a.via().startsWith("console self-service@" + p.target() + " ");
    }

    /** The kill path's listener for this principal: the engine's audit trail, with the console user as actor. */
    public KillListener listenerFor(Principal who, String address) {
        return new AuditTrail(actions, List.of(), actor(who, address), "http", clock);
    }

    /** A sign-in, failed sign-in, sign-out or refused request: who (as claimed), from where, what. */
    public void event(String type, Principal who, String claimedUser, String target, String address, String detail) {
        Map<String, Object> e = base(type, who, address);
        if (who == null) {
            Map<String, Object> actor = new LinkedHashMap<>();
            actor.put("user", claimedUser);
            actor.put("address", address);
            e.put("actor", actor);
        }
        e.put("target", target);
        e.put("detail", detail);
        append(e);
    }

    private Map<String, Object> base(String type, Principal who, String address) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", clock.instant().toString());
        e.put("event", type);
        if (who != null) {
            Map<String, Object> actor = new LinkedHashMap<>();
            actor.put("user", who.name());
            actor.put("role", who.role().label());
            actor.put("via", who.via());
            actor.put("signedInTarget", who.target());
            actor.put("address", address);
            e.put("actor", actor);
        }
        return e;
    }

    /** Appends one line and forces it to disk before returning. */
    synchronized void append(Map<String, Object> event) {
        byte[] line;
        try {
            line = (LINE.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render an audit record", e);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the audit trail " + file + "; the action was not performed", e);
        }
    }

    /**
     * The newest {@code limit} access events matching {@code keep}, newest first. Reads the file backwards
     * in blocks, so the console's polling costs the size of the answer, not of the whole trail.
     */
    public synchronized List<Map<String, Object>> readAccess(Predicate<Map<String, Object>> keep, int limit) {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = ch.size();
            byte[] carry = new byte[0]; // the start of a line whose beginning lies in an earlier block
            ByteBuffer block = ByteBuffer.allocate(64 * 1024);
            while (pos > 0 && out.size() < limit) {
                int n = (int) Math.min(block.capacity(), pos);
                pos -= n;
                block.clear().limit(n);
                while (block.hasRemaining()) {
                    if (ch.read(block, pos + block.position()) < 0) {
                        break;
                    }
                }
                byte[] data = new byte[n + carry.length];
                System.arraycopy(block.array(), 0, data, 0, n);
                System.arraycopy(carry, 0, data, n, carry.length);
                int end = data.length;
                for (int i = data.length - 1; i >= 0 && out.size() < limit; i--) {
                    if (data[i] == '\n') {
                        collect(data, i + 1, end, keep, out);
                        end = i;
                    }
                }
                carry = java.util.Arrays.copyOfRange(data, 0, end);
                if (pos == 0 && out.size() < limit) {
                    collect(carry, 0, carry.length, keep, out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit trail " + file, e);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void collect(byte[] data, int from, int to, Predicate<Map<String, Object>> keep,
                                List<Map<String, Object>> out) {
        if (to <= from) {
            return;
        }
        String line = new String(data, from, to - from, StandardCharsets.UTF_8);
        if (line.isBlank()) {
            return;
        }
        try {
            Map<String, Object> e = LINE.readValue(line, Map.class);
            if (keep.test(e)) {
                out.add(e);
            }
        } catch (JsonProcessingException ex) {
            // a torn last line after a crash: skip it, keep the rest
        }
    }

    /**
     * Actions of the trail (one entry per action: intent, outcome, verification) and access events,
     * merged newest first. Actions use the CLI's {@code audit -o json} shape plus {@code event:
     * "action"} and {@code time}.
     */
    public List<Map<String, Object>> read(Predicate<AuditLog.Entry> keepAction, Predicate<Map<String, Object>> keepAccess,
                                         int limit) {
        List<Map<String, Object>> all = new ArrayList<>();
        if (keepAction != null) {
            for (AuditLog.Entry e : AuditLog.read(actionsFile).entries()) {
                if (e.first() != null && keepAction.test(e)) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("event", "action");
                    m.put("time", e.time() == null ? null : e.time().toString());
                    m.putAll(Json.auditEntry(e));
                    all.add(m);
                }
            }
        }
        if (keepAccess != null) {
            all.addAll(readAccess(keepAccess, limit));
        }
        all.sort(Comparator.comparing((Map<String, Object> m) -> String.valueOf(m.get("time"))).reversed());
        return all.size() > limit ? new ArrayList<>(all.subList(0, limit)) : all;
    }
}
