package dev.sessionctl.hostaccess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The database runs on this host: reads /proc directly and signals with {@code kill -SIG PID}
 * started without a shell (the id is a number, the signal one of two constants).
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

    @Override
    public void signal(long pid, Signal signal) {
        HostAccess.requirePid(pid);
        ProcessBuilder pb = new ProcessBuilder("kill", signal.option(), Long.toString(pid)).redirectErrorStream(true);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int rc = p.waitFor();
            if (rc != 0) {
                throw new HostAccessException("kill " + signal.option() + " " + pid + " failed (exit " + rc + "): " + out);
            }
        } catch (IOException e) {
            throw new HostAccessException("cannot run kill " + signal.option() + " " + pid + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostAccessException("interrupted while signalling " + pid, e);
        }
    }
}
