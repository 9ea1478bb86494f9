package dev.sessionctl.cli;

import dev.sessionctl.model.Session;
import dev.sessionctl.model.SessionFilter;
import dev.sessionctl.model.SessionKind;
import dev.sessionctl.model.SessionRef;
import dev.sessionctl.model.Snapshot;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.render.Json;
import dev.sessionctl.target.TargetSpec;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sessions", mixinStandardHelpOptions = true,
        description = {"List sessions, filtered; the KEY column is what kill takes.",
                "Client sessions only, unless --all."},
        footer = {"", "Examples:", "  sessionctl sessions --url jdbc:postgresql://db/app -U postgres --state idle-in-transaction --min-idle 5m",
                "  sessionctl sessions -t prod --user app_user --sql 'update orders' -o json",
                "  sessionctl sessions -t prod --state idle --count-by app"})
final class SessionsCommand extends TargetCommand {

    @Mixin
    FilterOptions filters;

    @Option(names = "--all", description = "Include background, replication and worker sessions.")
    boolean all;

    @Option(names = "--count-by", paramLabel = "FIELD",
            description = "Count the selected sessions per user, app, host, db or state (largest group first, "
                    + "with idle counts and the oldest idle age) instead of listing them.")
    String countBy;

    private SessionCounts.By by;

    @Override
    void validate() {
        filters.toFilter();
        by = countBy == null ? null : SessionCounts.By.parse(countBy);
    }

    @Override
    int run(TargetSpec target, TargetConnection connection) {
        Snapshot snap = protectedSnapshot(target, connection);
        List<Session> shown = select(snap, filters, connection, all);
        noteWhenNoSqlIds(err(), snap, filters);
        if (by != null) {
            SessionCounts.render(out(), snap, shown, by, output, wide);
        } else {
            render(out(), snap, shown, output, wide);
        }
        return ExitCode.OK;
    }

    static List<Session> select(Snapshot snap, FilterOptions filters, TargetConnection connection, boolean all) {
        SessionFilter f = filters.toFilter();
        if (filters.lockTable != null) {
            Set<SessionRef> holders = connection.lockHolders(filters.lockTable);
            f = f.withLockHolders(holders);
        }
        return snap.sessions().stream()
                .filter(filters.predicate(f, snap.serverTime()))
                .filter(s -> all || s.kind() == SessionKind.CLIENT)
                .sorted(Comparator.comparing(Session::ref))
                .toList();
    }

    /**
     * --sql-id on a target where no session carries a SQL id (MySQL family; PostgreSQL without
     * compute_query_id, or clients using the extended protocol) matches nothing; say so, so that an
     * empty list is not read as "no such statement is running".
     */
    static void noteWhenNoSqlIds(PrintWriter err, Snapshot snap, FilterOptions filters) {
        if (filters.sqlId != null && snap.sessions().stream().allMatch(s -> s.sqlId() == null)) {
            err.println("note: no session on " + snap.target() + " (" + snap.engine() + ") reports a SQL id, so --sql-id"
                    + " matches nothing; select by --sql REGEX instead (see docs/" + engineDoc(snap.engine()) + ")");
            err.flush();
        }
    }

    private static String engineDoc(dev.sessionctl.model.Engine engine) {
        return switch (engine.family()) {
            case POSTGRESQL -> "postgresql.md";
            case ORACLE -> "oracle.md";
            case MYSQL -> "mysql.md";
        };
    }

    static void render(PrintWriter out, Snapshot snap, List<Session> shown, OutputFormat output, boolean wide) {
        switch (output) {
            case JSON -> Json.print(out, Json.sessions(snap, shown));
            case CSV -> {
                out.println(Table.csv(List.of("key", "user", "database", "state", "seconds_in_state", "client_host",
                        "program", "wait_event", "blocked_by", "sql_id", "sql_text", "protected_reason")));
                for (Session s : shown) {
                    Double secs = Json.seconds(s.timeInState(snap.serverTime()));
                    out.println(Table.csv(List.of(s.key().printable(), Text.nz(s.user()), Text.nz(s.database()),
                            s.state().cliName(), secs == null ? "" : secs.toString(), Text.nz(s.clientHost()),
                            Text.nz(s.program()), Text.waitOf(s), blockers(s), Text.nz(s.sqlId()), Text.nz(s.sqlText()),
                            Text.nz(s.protectedReason()))));
                }
                out.flush();
            }
            default -> {
                // below 100 columns the DB column gives its room to the SQL text (JSON, CSV and --wide keep it)
                boolean showDb = wide || Table.terminalWidth() >= 100;
                Table t = new Table().column("KEY", 24).column("USER", 10);
                if (showDb) {
                    t.column("DB", 10);
                }
                t.column("STATE", 7).column("AGE", 6).column("BLOCKED-BY", 10).column("SQL", 200);
                for (Session s : shown) {
                    List<Object> cells = new java.util.ArrayList<>(List.of((s.isProtected() ? "*" : "") + s.key().printable(),
                            Text.nz(s.user())));
                    if (showDb) {
                        cells.add(Text.nz(s.database()));
                    }
                    cells.addAll(List.of(Text.state(s), Text.age(s, snap.serverTime()), blockers(s), Text.sql(s)));
                    t.row(cells.toArray());
                }
                t.print(out, wide);
                out.println(shown.size() + " session(s) on " + snap.target() + " (" + snap.engine() + " "
                        + Text.nz(snap.serverVersion()) + ")");
                printProtectionFooter(out, shown);
                out.flush();
            }
        }
    }

    /**
     * Why the starred sessions are protected, when there are few distinct reasons (own connection,
     * hidden from this account with the GRANT that fixes it, a configured user): the table answers
     * "why can I not end it" without a second command.
     */
    static void printProtectionFooter(PrintWriter out, List<Session> shown) {
        List<String> reasons = shown.stream().filter(Session::isProtected).map(Session::protectedReason)
                .map(r -> r == null ? "protected" : r).distinct().toList();
        if (reasons.isEmpty()) {
            return;
        }
        if (reasons.size() > 3) {
            out.println("* protected: sessionctl never ends it (-o json says why)");
            return;
        }
        out.println("* protected: sessionctl never ends it:");
        for (String r : reasons) {
            long n = shown.stream().filter(x -> x.isProtected() && r.equals(
                    x.protectedReason() == null ? "protected" : x.protectedReason())).count();
            out.println("  " + n + " x " + r);
        }
    }

    private static String blockers(Session s) {
        return s.blockedBy().stream().map(SessionRef::toString).collect(Collectors.joining(" "));
    }
}
