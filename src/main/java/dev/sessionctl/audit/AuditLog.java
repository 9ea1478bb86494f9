package dev.sessionctl.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the audit file back: every record, and every action as one {@link Entry} (its intent,
 * its outcome, its verification). An action whose intent has no outcome is {@code unfinished}:
 * sessionctl stopped (crash, SIGKILL) between the two. Lines that are not valid JSON are returned
 * as damaged with their line numbers, never silently dropped; a torn last line is expected after
 * a power loss and is reported as such.
 */
public final class AuditLog {

    /** One action: intent, then outcome and verification when they were recorded. */
    public record Entry(String id, AuditRecord intent, AuditRecord outcome, AuditRecord verification,
                        AuditRecord escalation) {

        public AuditRecord first() {
            return intent != null ? intent : outcome != null ? outcome : verification != null ? verification : escalation;
        }

        /** The outcome label, {@code unfinished} when only the intent exists. */
        public String status() {
            if (escalation != null) {
                return escalation.outcome();
            }
            if (verification != null && outcome != null) {
                return outcome.outcome() + "/" + verification.outcome();
            }
            return outcome != null ? outcome.outcome() : "unfinished";
        }

        public Instant time() {
            return first().time();
        }
    }

    /** A line that is not a valid record. */
    public record Damaged(long lineNumber, String text, boolean lastLine) {
    }

    /** What the file holds. */
    public record Contents(List<AuditRecord> records, List<Damaged> damaged) {

        public List<Entry> entries() {
            Map<String, AuditRecord[]> byId = new LinkedHashMap<>();
            for (AuditRecord r : records) {
                AuditRecord[] slots = byId.computeIfAbsent(r.id(), k -> new AuditRecord[4]);
                switch (r.phase()) {
                    case AuditRecord.INTENT -> slots[0] = r;
                    case AuditRecord.OUTCOME -> slots[1] = r;
                    case AuditRecord.VERIFICATION -> slots[2] = r;
                    default -> slots[3] = r;
                }
            }
            List<Entry> out = new ArrayList<>();
            byId.forEach((id, s) -> out.add(new Entry(id, s[0], s[1], s[2], s[3])));
            return out;
        }
    }

    /**
     * Filters for {@code sessionctl audit}; null fields match everything.
     *
     * @param user    the operator's OS user or the session's database user
     * @param outcome an outcome label (terminated, refused-by-guard, ...) or "unfinished"
     */
    public record Filter(Instant since, String target, String user, String outcome) {

        public static Filter all() {
            return new Filter(null, null, null, null);
        }

        public boolean matches(Entry e) {
            AuditRecord f = e.first();
            if (since != null && f.time() != null && f.time().isBefore(since)) {
                return false;
            }
            if (target != null && !target.equalsIgnoreCase(f.target())) {
                return false;
            }
            if (user != null) {
                boolean byActor = f.actor() != null && user.equalsIgnoreCase(f.actor().osUser());
                boolean bySession = f.session() != null && user.equalsIgnoreCase(f.session().user());
                if (!byActor && !bySession) {
                    return false;
                }
            }
            if (outcome != null) {
                String o = outcome.toLowerCase(Locale.ROOT).replace('_', '-');
                String s = e.status();
                return s != null && (s.equals(o) || s.startsWith(o + "/"));
            }
            return true;
        }
    }

    private AuditLog() {
    }

    public static Contents read(Path file) {
        List<AuditRecord> records = new ArrayList<>();
        List<Damaged> damaged = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
            boolean endsWithNewline = endsWithNewline(file);
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.isBlank()) {
                    continue;
                }
                boolean last = i == lines.size() - 1;
                try {
                    AuditRecord rec = AuditJson.MAPPER.readValue(l, AuditRecord.class);
                    if (rec.id() == null || rec.phase() == null) {
                        damaged.add(new Damaged(i + 1, l, last));
                    } else if (last && !endsWithNewline) {
                        damaged.add(new Damaged(i + 1, l, true)); // complete JSON but its newline never made it
                        records.add(rec);
                    } else {
                        records.add(rec);
                    }
                } catch (JsonProcessingException e) {
                    damaged.add(new Damaged(i + 1, l, last));
                }
            }
        } catch (NoSuchFileException e) {
            return new Contents(List.of(), List.of());
        } catch (IOException e) {
            throw new AuditException("cannot read the audit file " + file + ": " + e.getMessage(), e);
        }
        return new Contents(records, damaged);
    }

    public static List<Entry> entries(Path file, Filter filter) {
        return read(file).entries().stream().filter(filter::matches).toList();
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            if (size == 0) {
                return true;
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, size - 1);
            return b.get(0) == '\n';
        }
    }
}
