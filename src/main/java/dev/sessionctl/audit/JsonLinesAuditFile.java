package dev.sessionctl.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The audit file: JSON lines, appended under an exclusive file lock (so several sessionctl
 * processes can share one file), each record in a single write followed by
 * {@link FileChannel#force(boolean)}, so a record is on disk before the action it announces runs.
 *
 * <p>A process killed with SIGKILL cannot tear a single write; a power loss or a full disk can.
 * Before each append, under the lock, a last line without its newline (a torn record) is moved out
 * to {@code FILE.torn} and cut off, so the file stays valid JSON lines; {@link AuditLog} also
 * tolerates a torn last line it finds.
 */
public final class JsonLinesAuditFile implements AuditSink {

    private final Path path;

    public JsonLinesAuditFile(Path path) {
        this.path = path.toAbsolutePath();
    }

    public Path path() {
        return path;
    }

    @Override
    public String describe() {
        return "file " + path;
    }

    @Override
    public void append(AuditRecord record) {
        byte[] line;
        try {
            line = (AuditJson.MAPPER.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new AuditException("cannot encode audit record: " + e.getOriginalMessage(), e);
        }
        try {
            Path parent = path.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                FileLock lock = ch.lock(); // exclusive: other sessionctl processes wait here
                try {
                    long end = repairTornTail(ch);
                    ByteBuffer buf = ByteBuffer.wrap(line);
                    long pos = end;
                    while (buf.hasRemaining()) {
                        pos += ch.write(buf, pos);
                    }
                    ch.force(true);
                } finally {
                    lock.release();
                }
            }
        } catch (IOException e) {
            throw new AuditException("cannot write the audit record to " + path + ": " + e.getMessage()
                    + "; the action was not performed", e);
        }
    }

    /** Moves a last line without newline to FILE.torn and truncates it; returns the end of the file. */
    private long repairTornTail(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0) {
            return 0;
        }
        ByteBuffer last = ByteBuffer.allocate(1);
        ch.read(last, size - 1);
        if (last.get(0) == '\n') {
            return size;
        }
        long start = size - 1;
        ByteBuffer one = ByteBuffer.allocate(1);
        while (start > 0) {
            one.clear();
            ch.read(one, start - 1);
            if (one.get(0) == '\n') {
                break;
            }
            start--;
        }
        ByteBuffer torn = ByteBuffer.allocate((int) Math.min(size - start, 1 << 20));
        ch.read(torn, start);
        torn.flip();
        Path tornFile = path.resolveSibling(path.getFileName() + ".torn");
        try (FileChannel t = FileChannel.open(tornFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            t.write(torn);
            t.write(ByteBuffer.wrap("\n".getBytes(StandardCharsets.UTF_8)));
            t.force(true);
        }
        ch.truncate(start);
        ch.force(true);
        return start;
    }
}
