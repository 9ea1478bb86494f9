package dev.sessionctl.bench;

/** MariaDB part of {@link WatchLatencyBench}: filled in once the MySQL-family dialect is on this branch. */
final class MariaDbRig {

    private MariaDbRig() {
    }

    static void run(WatchLatencyBench bench) {
        System.err.println("mariadb: skipped (the MySQL-family dialect is not on this branch yet)");
    }
}
