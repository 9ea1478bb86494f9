package dev.sessionctl.hostaccess;

import java.time.Instant;
import java.util.Optional;

/**
 * Parses the Linux /proc files both host accesses read: {@code /proc/PID/status} (Uid, PPid, Tgid,
 * State), {@code /proc/PID/stat} (field 22, start time in clock ticks since boot) and
 * {@code /proc/stat} (btime, boot time in epoch seconds). Clock ticks are taken as 100 per second,
 * the USER_HZ Linux exposes to user space on every common architecture.
 */
final class ProcFs {

    static final int USER_HZ = 100;

    private ProcFs() {
    }

    static Optional<ProcessInfo> parse(long pid, String status, String cmdline, String stat, Long bootEpochSeconds) {
        if (status == null || status.isBlank()) {
            return Optional.empty();
        }
        long ppid = -1;
        long tgid = pid;
        int uid = -1;
        String state = "?";
        for (String line : status.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (name) {
                case "PPid" -> ppid = Long.parseLong(value);
                case "Tgid" -> tgid = Long.parseLong(value);
                case "Uid" -> uid = Integer.parseInt(value.split("\\s+")[0]);
                case "State" -> state = value.isEmpty() ? "?" : value.substring(0, 1);
                default -> { }
            }
        }
        Instant start = null;
        if (stat != null && bootEpochSeconds != null) {
            // the command name (field 2) is in parentheses and may contain spaces: count from the last ')'
            int close = stat.lastIndexOf(')');
            if (close > 0) {
                String[] rest = stat.substring(close + 2).trim().split("\\s+");
                // rest[0] is field 3 (state); start time is field 22
                if (rest.length > 19) {
                    long ticks = Long.parseLong(rest[19]);
                    start = Instant.ofEpochSecond(bootEpochSeconds).plusMillis(ticks * 1000 / USER_HZ);
                }
            }
        }
        String cmd = cmdline == null ? "" : cmdline.replace('\0', ' ').trim();
        return Optional.of(new ProcessInfo(pid, ppid, tgid, uid, state, cmd, start));
    }

    static Long bootTime(String procStat) {
        if (procStat == null) {
            return null;
        }
        for (String line : procStat.split("\n")) {
            if (line.startsWith("btime ")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        return null;
    }
}
