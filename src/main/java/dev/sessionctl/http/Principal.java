package dev.sessionctl.http;

import java.util.Locale;

/**
 * Who is signed in to the console.
 *
 * @param name   for SELF_SERVICE the database user name as the engine spells it (Oracle upper-case);
 *               for ADMIN the configured or proxy-asserted user name
 * @param role   what they may do
 * @param target SELF_SERVICE: the one target they signed in to; ADMIN: null (every target)
 * @param via    how they proved it: "password" (configured admin), "proxy" (trusted header), "database"
 */
public record Principal(String name, Role role, String target, String via) {

    public enum Role {
        /** A DBA: may see everything and act on any unprotected session of any target. */
        ADMIN,
        /** A database user: sees and may end only sessions of the same database user, on one target. */
        SELF_SERVICE;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    public static Principal admin(String name, String via) {
        return new Principal(name, Role.ADMIN, null, via);
    }

    public static Principal selfService(String databaseUser, String target) {
        return new Principal(databaseUser, Role.SELF_SERVICE, target, "database");
    }

    @Override
    public String toString() {
        return role == Role.ADMIN ? name + " (admin via " + via + ")" : name + "@" + target + " (self-service)";
    }
}
