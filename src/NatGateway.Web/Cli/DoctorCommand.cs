using System.CommandLine;
using System.Text;
using System.Text.Json;
using NatGateway.Core.Doctor;
using NatGateway.Data;

namespace NatGateway.Web.Cli;

/// <summary>
/// <c>natgw doctor [--output text|json] [--check ID] [--agent SOCKET] [--db PATH]</c>: runs the doctor's checks once
/// with the app's own services (the rules in force come from the database; the kernel is read directly or through
/// <c>natgw agent</c>) and prints them grouped by area, worst first. Exit codes for cron and monitoring: 0 ok (or not
/// applicable), 1 warnings, 2 critical, 3 the database is unusable, 64 a bad option value.
/// </summary>
public static class DoctorCommand
{
    /// <summary>EX_USAGE (sysexits.h): kept apart from 1 and 2, which mean warnings and critical here.</summary>
    public const int UsageExitCode = 64;

    private static readonly Option<string> Database = new("--db")
    {
        Description = "SQLite database file of the natgw instance (the rules in force)",
        DefaultValueFactory = _ => DatabaseSetup.DefaultPath(),
    };

    public static Command Build()
    {
        var output = new Option<string>("--output", "-o") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var check = new Option<string?>("--check")
        {
            Description = "Run one check: " + string.Join(", ", Enum.GetValues<CheckId>().Select(CheckIds.Text)),
        };
        var agent = new Option<string?>("--agent") { Description = "Reach the kernel through natgw agent at this socket (default: directly)" };
        var command = new Command("doctor", "Check the gateway for the known NAT performance problems; exit 0 ok, 1 warnings, 2 critical");
        command.Options.Add(output);
        command.Options.Add(check);
        command.Options.Add(agent);
        command.Options.Add(Database);
        command.Action = new DatabaseCommandAction("doctor", Database, async (services, parse, ct) =>
        {
            var format = parse.GetValue(output) ?? "text";
            if (format is not ("text" or "json"))
                return Usage($"--output: '{format}' is not text or json");
            CheckId? only = null;
            if (parse.GetValue(check) is { } text)
            {
                if (!CheckIds.TryParse(text, out var id))
                    return Usage($"--check: '{text}' is not a check; one of {string.Join(", ", Enum.GetValues<CheckId>().Select(CheckIds.Text))}");
                only = id;
            }
            var report = await services.GetRequiredService<DoctorService>().RunAsync(only, ct);
            await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
            if (format == "json") await stdout.WriteLineAsync(JsonSerializer.Serialize(report, DoctorJson.Options));
            else WriteText(report, stdout);
            return report.ExitCode;
        }, agent);
        return command;
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"natgw doctor: {message}");
        return UsageExitCode;
    }

    /// <summary>Areas ordered by their worst check, checks worst first; evidence and fixes under each check that applies.</summary>
    public static void WriteText(DoctorReport report, TextWriter w)
    {
        var counts = Enum.GetValues<CheckStatus>().Reverse()
            .Select(status => (status, n: report.Checks.Count(c => c.Status == status))).Where(x => x.n > 0)
            .Select(x => $"{x.n} {Label(x.status).ToLowerInvariant()}");
        w.WriteLine($"natgw doctor at {report.At:u}: {string.Join(", ", counts)}");
        foreach (var area in report.Checks.GroupBy(c => c.Area).OrderByDescending(g => g.Max(c => c.Status)).ThenBy(g => g.Key))
        {
            w.WriteLine();
            w.WriteLine(area.Key.ToString());
            foreach (var c in area.OrderByDescending(c => c.Status).ThenBy(c => c.Id))
            {
                w.WriteLine($"  [{Label(c.Status)}] {CheckIds.Text(c.Id)}: {c.Title}: {c.Summary}");
                if (c.Status == CheckStatus.NotApplicable) continue;
                foreach (var e in c.Evidence) w.WriteLine($"      {e.Name}: {e.Value}  ({e.Source})");
                if (c.Status < CheckStatus.Warning) continue;
                w.WriteLine($"      why: {c.Explanation}");
                foreach (var f in c.Fixes) w.WriteLine($"      fix ({f.Kind}): {f.Label}: {f.Description}");
            }
        }
    }

    private static string Label(CheckStatus status) => status switch
    {
        CheckStatus.Critical => "CRITICAL",
        CheckStatus.Warning => "WARNING",
        CheckStatus.Ok => "ok",
        _ => "n/a",
    };
}
