using System.Diagnostics;
using System.Globalization;
using NatGateway.Benchmarks.Conntrack;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.AppScale;

/// <summary>
/// <c>app-scale [--rules 100,1000,10000] [--rounds 5] [--single-process] [--only ROW[,ROW]] [--natgw PATH]
/// [--create-samples 30] [--one-by-one-cap 2000] [--one-by-one-seconds 120] [--page-seconds 120] [--history-revisions 1000]</c>
/// (issue 12, item 5): natgw serve in a lab gateway (through <c>natgw agent</c> unless --single-process) measured at each
/// rule count (N UDP port forwards + 1 masquerade) on every row of the issue's table through the real REST API and, for
/// the Rules page, headless Chromium; beside each the engine-only figure of the same run and the goal. Prints a markdown
/// table. Rows an older commit cannot serve (paging, ?ruleset=true) print "n/a (endpoint missing)".
/// </summary>
public sealed class AppScaleBenchmark : IBenchmark
{
    private const string Usage = "usage: app-scale [--rules 100,1000,10000] [--rounds 5] [--single-process] [--only apply|import|create|pending|list|page|onebyone|history[,...]] " +
                                 "[--natgw PATH] [--create-samples 30] [--one-by-one-cap 2000] [--one-by-one-seconds 120] [--page-seconds 120] [--history-revisions 1000]";

    public string Description => "the app at 100..10,000 rules through the REST API and Chromium (apply, import, create, pending, list, Rules page, one by one, history) beside the engine";

    public int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var settings = new AppScaleSettings([100, 1_000, 10_000], 5, false, Enum.GetValues<AppScaleRow>().ToHashSet(), NatgwCliBinary.DefaultPath);
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            var number = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : (int?)null;
            switch (args[i])
            {
                case "--rules" when ParseSizes(value) is { } sizes: settings = settings with { RuleCounts = sizes }; i++; break;
                case "--rounds" when number is { } rounds: settings = settings with { Rounds = rounds }; i++; break;
                case "--single-process": settings = settings with { SingleProcess = true }; break;
                case "--only" when ParseRows(value) is { } rows: settings = settings with { Rows = rows }; i++; break;
                case "--natgw" when value is not null: settings = settings with { NatgwPath = Path.GetFullPath(value) }; i++; break;
                case "--create-samples" when number is { } samples: settings = settings with { CreateSamples = samples }; i++; break;
                case "--one-by-one-cap" when number is { } cap: settings = settings with { OneByOneCap = cap }; i++; break;
                case "--one-by-one-seconds" when number is { } seconds: settings = settings with { OneByOneTimeLimit = TimeSpan.FromSeconds(seconds) }; i++; break;
                case "--page-seconds" when number is { } seconds: settings = settings with { PageTimeout = TimeSpan.FromSeconds(seconds) }; i++; break;
                case "--history-revisions" when number is { } revisions: settings = settings with { HistoryRevisions = revisions }; i++; break;
                default:
                    output.WriteLine($"app-scale: unknown or incomplete option '{args[i]}'");
                    output.WriteLine(Usage);
                    return 2;
            }
        }
        if (!Root.IsRoot)
        {
            output.WriteLine("app-scale: needs root (lab namespaces, nftables)");
            return 1;
        }
        if (!File.Exists(settings.NatgwPath))
        {
            output.WriteLine($"app-scale: {settings.NatgwPath} not built (dotnet build -c Release src/NatGateway.Web)");
            return 1;
        }
        return RunAsync(settings, output).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(AppScaleSettings settings, TextWriter output)
    {
        var total = Stopwatch.StartNew();
        output.WriteLine($"kernel {Environment.OSVersion.Version}, {Environment.ProcessorCount} cores, load average {Statistics.LoadAverage()} at start; " +
                         $"natgw {settings.NatgwPath} built {File.GetLastWriteTime(settings.NatgwPath):yyyy-MM-dd HH:mm}");
        var report = new AppScaleReport();
        using (var guard = new RunGuard(output))
        {
            var lab = guard.Add(NamespaceLab.Create());
            output.WriteLine($"lab gateway namespace {lab.Gateway} (deleted at the end)");
            BenchAgent? agent = null;
            if (!settings.SingleProcess)
            {
                agent = guard.Add(BenchAgent.Start(settings.NatgwPath, lab.Gateway));
                output.WriteLine($"natgw agent in {lab.Gateway}, socket {agent.Socket} (pid {agent.ProcessId})");
            }
            var mode = agent is null ? "single-process" : "through the agent";
            output.WriteLine($"mode: natgw serve {mode}; rows: {string.Join(", ", settings.Rows.Order())}; {settings.Rounds} rounds");
            var run = new AppScaleRun(settings, lab, agent, guard, report, output);
            foreach (var count in settings.RuleCounts)
            {
                try
                {
                    await run.MeasureAsync(count);
                }
                catch (Exception e) // the next rule count still runs, and the lab is cleaned up in any case
                {
                    output.WriteLine($"   {count:N0} rules: FAILED: {e}");
                }
            }
            report.Print(output, $"app-scale, natgw serve {mode}, {Environment.ProcessorCount} cores, {settings.Rounds} rounds, " +
                                 $"N UDP port forwards + 1 masquerade; load average {Statistics.LoadAverage()} at end, total {total.Elapsed.TotalSeconds:0} s. " +
                                 "Timed rows are judged on the median unless the goal says p95; app/engine compares medians.");
        }
        return 0;
    }

    private static int[]? ParseSizes(string? value)
    {
        if (value is null) return null;
        var sizes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 50_000 ? n : 0).ToArray();
        return sizes.Length > 0 && sizes.All(s => s > 0) ? sizes : null;
    }

    private static HashSet<AppScaleRow>? ParseRows(string? value)
    {
        if (value is null) return null;
        var rows = new HashSet<AppScaleRow>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<AppScaleRow>(part, ignoreCase: true, out var row) || !Enum.IsDefined(row)) return null;
            rows.Add(row);
        }
        return rows.Count > 0 ? rows : null;
    }
}
