package dev.sessionctl.dialect.oracle;

/**
 * How an Oracle target ends sessions: its own ALTER SYSTEM privilege, Amazon RDS's
 * {@code rdsadmin.rdsadmin_util} procedures (RDS grants no ALTER SYSTEM), or a definer-rights
 * self-service procedure that only ends the caller's own user's sessions.
 */
public enum KillMethod {
    ALTER_SYSTEM("alter-system"),
    RDSADMIN("rdsadmin"),
    SELF_SERVICE("self-service");

    private final String label;

    KillMethod(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
