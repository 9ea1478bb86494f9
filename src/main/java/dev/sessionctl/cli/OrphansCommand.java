package dev.sessionctl.cli;

import dev.sessionctl.model.Durations;
import dev.sessionctl.model.OrphanTransaction;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.target.TargetSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "orphans", mixinStandardHelpOptions = true,
        description = {"Transactions whose session is gone; the server still cleans them up.",
                "Oracle: rolled back by PMON/SMON; MySQL/MariaDB: XA PREPARED after a disconnect, or rolling back",
                "after a crash; PostgreSQL: prepared transactions (pg_prepared_xacts). Their locks stay until that ends; there is no session left to kill."})
final class OrphansCommand extends TargetCommand {

    @Override
    int run(TargetSpec target, TargetConnection connection) {
        List<OrphanTransaction> orphans = connection.orphanTransactions();
        Instant now = connection.snapshot().serverTime();
        switch (output) {
            case JSON -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("target", target.name());
                m.put("serverTime", now);
                m.put("transactions", orphans);
                dev.sessionctl.render.Json.print(out(), m);
            }
            case CSV -> {
                out().println(Table.csv(List.of("instance", "transaction_id", "status", "start", "size", "records")));
                for (OrphanTransaction o : orphans) {
                    out().println(Table.csv(List.of(Integer.toString(o.instance()), o.transactionId(), Text.nz(o.status()),
                            o.start() == null ? "" : o.start().toString(), o.size() == null ? "" : o.size().toString(),
                            o.records() == null ? "" : o.records().toString())));
                }
                out().flush();
            }
            default -> {
                Table t = new Table().column("INST", 4).column("TRANSACTION", 16).column("STATUS", 16).column("AGE", 8)
                        .column("SIZE", 10).column("RECORDS", 12);
                for (OrphanTransaction o : orphans) {
                    t.row(o.instance(), o.transactionId(), o.status(),
                            o.start() == null ? "" : Durations.format(Duration.between(o.start(), now)), o.size(), o.records());
                }
                t.print(out(), wide);
                boolean rollingBack = orphans.stream().anyMatch(o -> !isXaPrepared(o) && !isPgPrepared(o));
                out().println(orphans.size() + " transaction(s) without a session on " + target.name()
                        + (rollingBack ? "; watch SIZE shrink: the cleanup is progressing" : ""));
                if (orphans.stream().anyMatch(OrphansCommand::isXaPrepared)) {
                    // nothing on the server will ever end these: they wait for the transaction manager's decision
                    out().println("XA PREPARED: never cleaned up by the server; its locks stay until someone runs"
                            + " XA COMMIT or XA ROLLBACK with its xid (XA RECOVER lists them); ask the transaction manager"
                            + " which (see docs/mysql.md)");
                }
                if (orphans.stream().anyMatch(OrphansCommand::isPgPrepared)) {
                    out().println("PREPARED (PostgreSQL): a prepared transaction has no session and keeps its locks"
                            + " (SIZE shows how many) until someone runs COMMIT PREPARED or ROLLBACK PREPARED with"
                            + " its gid; ask the transaction manager which (see docs/postgresql.md)");
                }
                out().flush();
            }
        }
        return ExitCode.OK;
    }

    private static boolean isPgPrepared(OrphanTransaction o) {
        return o.status() != null && o.status().startsWith("PREPARED xid ");
    }

    private static boolean isXaPrepared(OrphanTransaction o) {
        return o.status() != null && o.status().toUpperCase(java.util.Locale.ROOT).startsWith("XA PREPARED");
    }
}
