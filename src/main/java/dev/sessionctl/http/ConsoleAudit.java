package dev.sessionctl.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sessionctl.kill.Check;
import dev.sessionctl.kill.KillAction;
import dev.sessionctl.kill.KillListener;
import dev.sessionctl.kill.KillResult;
import dev.sessionctl.model.Session;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The console's audit trail: one JSON object per line, appended and fsynced before the action runs
 * (intent) and after (outcome), each carrying the signed-in user, how they signed in and their
 * address. Sign-ins, failed sign-ins and sign-outs are recorded too. A failure to write the intent
 * stops the action ({@link KillListener} contract): nothing unrecorded is done.
 *
 * <p>This is the console's own minimal JSONL writer; the termination engine's audit package
 * ({@code dev.sessionctl.audit}) was not on main when this was written.
 */
public final class ConsoleAudit {

    private static final ObjectMapper LINE = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final int SQL_LIMIT = 2000;

    private final Path file;
    private final Clock clock;

    public ConsoleAudit(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the audit directory for " + file, e);
        }
    }

    public Path file() {
        return file;
    }

    /** A listener recording every action the killer takes on behalf of this principal. */
    public KillListener listenerFor(Principal who, String address) {
        return new KillListener() {
            @Override
            public void beforeAction(String target, Session victim, KillAction action, String statement, String reason) {
                Map<String, Object> e = base("intent", who, address);
                e.put("target", target);
                e.put("session", victim(victim));
                e.put("action", action.label());
                e.put("statement", statement);
                e.put("reason", reason);
                append(e);
            }

            @Override
            public void afterAction(String target, Session victim, KillResult result) {
                Map<String, Object> e = base("outcome", who, address);
                e.put("target", target);
                e.put("session", victim(victim));
                e.put("action", result.action().label());
                e.put("statement", result.statement());
                e.put("outcome", result.outcome().label());
                e.put("message", result.message());
                e.put("errorCode", result.errorCode());
                e.put("elapsedMillis", result.elapsed().toMillis());
                List<Map<String, Object>> checks = new ArrayList<>();
                for (Check c : result.checks()) {
                    Map<String, Object> cm = new LinkedHashMap<>();
                    cm.put("name", c.name());
                    cm.put("passed", c.passed());
                    cm.put("detail", c.detail());
                    checks.add(cm);
                }
                e.put("checks", checks);
                append(e);
            }
        };
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

    private static Map<String, Object> victim(Session s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", s.key().printable());
        m.put("user", s.user());
        m.put("database", s.database());
        m.put("state", s.state().cliName());
        m.put("program", s.program());
        m.put("clientHost", s.clientHost());
        m.put("transactionSize", s.transactionSize());
        String sql = s.sqlText();
        m.put("sqlText", sql == null || sql.length() <= SQL_LIMIT ? sql : sql.substring(0, SQL_LIMIT) + "...");
        return m;
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
     * The newest {@code limit} records matching {@code keep}, newest first. Reads the file backwards
     * in blocks, so the console's polling costs the size of the answer, not of the whole trail.
     */
    @SuppressWarnings("unchecked")
    public synchronized List<Map<String, Object>> read(Predicate<Map<String, Object>> keep, int limit) {
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
}
