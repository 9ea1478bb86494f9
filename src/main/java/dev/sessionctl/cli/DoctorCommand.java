package dev.sessionctl.cli;

import dev.sessionctl.target.DoctorReport;
import dev.sessionctl.target.TargetConnection;
import dev.sessionctl.render.Json;
import dev.sessionctl.target.TargetSpec;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"What this account can see and end, and the GRANTs that fix the rest.",
                "Exit code 0 when everything is in place, 3 when something is missing."})
final class DoctorCommand extends TargetCommand {

    @picocli.CommandLine.Option(names = "--self-service-ddl", paramLabel = "SCHEMA.PROCEDURE",
            description = "Print the DDL of a definer-rights procedure that lets users end only their own sessions"
                    + " (Oracle), to review and run as a DBA; then set option selfServiceProcedure on the target.")
    String selfServiceProcedure;

    @Override
    void validate() {
        if (output == OutputFormat.CSV) {
            throw new UserError("doctor prints a report: use --output table or json");
        }
    }

    @Override
    int run(TargetSpec target, TargetConnection connection) {
        PrintWriter out = out();
        if (selfServiceProcedure != null) {
            out.println(connection.selfServiceSetup(selfServiceProcedure));
            out.flush();
            return ExitCode.OK;
        }
        DoctorReport report = connection.doctor();
        if (output == OutputFormat.JSON) {
            Map<String, Object> m = Json.doctor(report);
            m.put("supportedActions", connection.supportedActions().stream().map(a -> a.label()).toList());
            m.put("capabilities", connection.capabilities());
            Json.print(out, m);
        } else {
            var info = report.target();
            out.println(info.name() + ": " + info.engine() + " " + info.serverVersion() + " at " + info.redactedUrl()
                    + " as " + info.user() + (info.instances() > 1 ? " (" + info.instances() + " instances)" : ""));
            for (DoctorReport.Item i : report.checks()) {
                String mark = switch (i.status()) {
                    case OK -> "[ok]     ";
                    case WARN -> "[warn]   ";
                    case MISSING -> "[missing]";
                };
                out.println(mark + " " + i.name() + ": " + i.detail());
                if (i.fix() != null) {
                    out.println("          fix: " + i.fix());
                }
            }
            out.println("actions available: " + connection.supportedActions());
            out.flush();
        }
        return report.checks().stream().anyMatch(i -> i.status() == DoctorReport.Status.MISSING)
                ? ExitCode.REFUSED : ExitCode.OK;
    }
}
