package dev.sessionctl.model;

/** Database engines sessionctl knows. A variant names its parent family so shared logic can ask "is this MySQL-like". */
public enum Engine {
    POSTGRESQL("postgresql", Family.POSTGRESQL),
    ORACLE("oracle", Family.ORACLE),
    ORACLE_RDS("oracle-rds", Family.ORACLE),
    OCEANBASE_ORACLE("oceanbase-oracle", Family.ORACLE),
    MYSQL("mysql", Family.MYSQL),
    MYSQL_RDS("mysql-rds", Family.MYSQL),
    MARIADB("mariadb", Family.MYSQL),
    OCEANBASE_MYSQL("oceanbase-mysql", Family.MYSQL);

    public enum Family { POSTGRESQL, ORACLE, MYSQL }

    private final String label;
    private final Family family;

    Engine(String label, Family family) {
        this.label = label;
        this.family = family;
    }

    public String label() { return label; }

    public Family family() { return family; }

    @Override
    public String toString() { return label; }
}
