using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using NatGateway.Core.Revisions;
using NatGateway.Data;

namespace NatGateway.Web.Cli;

/// <summary>
/// <c>natgw config export [--file F]</c> writes the state in force as the versioned JSON document;
/// <c>natgw config import FILE</c> validates one and makes its rules the draft (apply from the UI or API).
/// Exit code 2 with per-field messages when the document is not valid; nothing is replaced then.
/// </summary>
public static class ConfigCommand
{
    private static readonly Option<string> Database = new("--db")
    {
        Description = "SQLite database file of the natgw instance",
        DefaultValueFactory = _ => DatabaseSetup.DefaultPath(),
    };

    public static Command Build()
    {
        var config = new Command("config", "Export or import the desired state (rules and kernel settings) as versioned JSON");

        var file = new Option<string?>("--file", "-f") { Description = "Write to this file instead of standard output" };
        var export = new Command("export", "Print the state in force as {\"format\": \"natgw-state\", \"version\": 1, ...}");
        export.Options.Add(Database);
        export.Options.Add(file);
        export.Action = new DatabaseCommandAction("config", Database, async (services, parse, ct) =>
        {
            var json = await services.GetRequiredService<RevisionService>().ExportAsync(ct);
            if (parse.GetValue(file) is { } path) await File.WriteAllTextAsync(path, json + "\n", ct);
            else Console.Out.WriteLine(json);
            return 0;
        });

        var input = new Argument<string>("FILE") { Description = "A document written by `natgw config export` (- for standard input)" };
        var import = new Command("import", "Validate a document and make its rules the draft rule list");
        import.Options.Add(Database);
        import.Arguments.Add(input);
        import.Action = new DatabaseCommandAction("config", Database, async (services, parse, ct) =>
        {
            var path = parse.GetValue(input)!;
            string json;
            try { json = path == "-" ? await Console.In.ReadToEndAsync(ct) : await File.ReadAllTextAsync(path, ct); }
            catch (IOException e)
            {
                Console.Error.WriteLine($"natgw config import: cannot read {path}: {e.Message}");
                return 2;
            }
            var (state, errors) = await services.GetRequiredService<RevisionService>().ImportAsync(json, ct);
            if (state is null)
            {
                foreach (var (field, messages) in errors.OrderBy(e => e.Key, StringComparer.Ordinal))
                    foreach (var m in messages) Console.Error.WriteLine($"natgw config import: {field}: {m}");
                return 2;
            }
            Console.Out.WriteLine($"imported {state.Rules.Count} rule(s) as the draft; review and apply them in the web UI or with POST /api/v1/rules/apply");
            return 0;
        });

        config.Subcommands.Add(export);
        config.Subcommands.Add(import);
        return config;
    }
}
