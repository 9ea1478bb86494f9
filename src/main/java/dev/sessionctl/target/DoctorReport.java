package dev.sessionctl.target;

import java.util.List;

/**
 * What an account can do on a target.
 *
 * @param checks each capability checked, in the order a DBA would read them
 */
public record DoctorReport(TargetInfo target, List<Item> checks) {

    public DoctorReport {
        checks = List.copyOf(checks);
    }

    public enum Status { OK, WARN, MISSING }

    /**
     * @param name   short name ("see all sessions", "terminate other roles' sessions")
     * @param detail what was found
     * @param fix    the exact statement that fixes it (a GRANT), or null when nothing to fix
     */
    public record Item(String name, Status status, String detail, String fix) {
        public static Item ok(String name, String detail) {
            return new Item(name, Status.OK, detail, null);
        }

        public static Item warn(String name, String detail, String fix) {
            return new Item(name, Status.WARN, detail, fix);
        }

        public static Item missing(String name, String detail, String fix) {
            return new Item(name, Status.MISSING, detail, fix);
        }
    }

    public boolean allOk() {
        return checks.stream().allMatch(i -> i.status() == Status.OK);
    }
}
