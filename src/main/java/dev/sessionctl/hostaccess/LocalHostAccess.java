package dev.sessionctl.hostaccess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The database runs on this host: reads /proc directly and signals through {@link ProcessHandle}
 * (no shell, no external command).
 */
public final class LocalHostAccess implements HostAccess {

    private final Path proc;

    public LocalHostAccess() {
        this(Path.of("/proc"));
    }

    LocalHostAccess(Path proc) {
        this.proc = proc;
    }

    @Override
    public String host() {
        return "local";
    }

    @Override
    public Optional<ProcessInfo> process(long pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        Path dir = proc.resolve(Long.toString(pid));
        try {
            String status = Files.readString(dir.resolve("status"), StandardCharsets.UTF_8);
            String cmdline = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8);
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
            Long boot = ProcFs.bootTime(Files.readString(proc.resolve("stat"), StandardCharsets.UTF_8));
            return ProcFs.parse(pid, status, cmdline, stat, boot);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // the process may exit between two reads: it is gone
            if (!Files.exists(dir)) {
                return Optional.empty();
            }
            throw new HostAccessException("cannot read /proc/" + pid + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Integer> uidOf(String userName) {
        if (userName == null || !userName.matches("[A-Za-z0-9._-]{1,32}")) {
            return Optional.empty();
        }
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8)) {
                String[] f = line.split(":");
                if (f.length > 2 && f[0].equals(userName)) {
                    return Optional.of(Integer.parseInt(f[2]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * Signals through {@link ProcessHandle}: SIGTERM for {@code destroy()}, SIGKILL for
     * {@code destroyForcibly()}. The JDK checks the process start time it captured in
     * {@link ProcessHandle#of} before signalling, so a pid reused in between is not hit.
     */
    @Override
    public void signal(long pid, Signal signal) {
        HostAccess.requirePid(pid);
        if (pid == ProcessHandle.current().pid()) {
            throw new HostAccessException("refusing to signal sessionctl's own process " + pid);
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) {
            throw new HostAccessException("no process " + pid + " to send SIG" + signal.name() + " to");
        }
        boolean sent = signal == Signal.KILL ? h.get().destroyForcibly() : h.get().destroy();
        if (!sent && h.get().isAlive()) {
            throw new HostAccessException("could not send SIG" + signal.name() + " to process " + pid
                    + " (not permitted for " + System.getProperty("user.name") + "?)");
        }
    }
}
