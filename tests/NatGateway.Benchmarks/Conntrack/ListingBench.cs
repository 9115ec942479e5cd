using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NatGateway.Conntrack;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// Items 1 and 2 of the benchmark. (1) The full listing as text to /dev/null: <c>natgw conntrack list --output text</c>
/// (with <c>--agent SOCK</c> in agent mode: the CLI in the web's role, the dump relayed by the agent, whose CPU time
/// is added to the CLI's; the direct CLI then as a diagnostic line) against <c>conntrack -L</c>, both as processes under <c>ip netns exec</c>, plus the same library path in-process
/// (ConntrackClient.Dump + FlowFormatter.Format to a buffered /dev/null stream) as a labelled extra line.
/// (2) Dump and parse every entry without output (in-process, a stopwatch around <c>ConntrackClient.Dump</c>) against
/// the C kernel-floor dumper (its own clock around send..NLMSG_DONE). Rounds interleave the contenders, rotating
/// the order, so background load falls on all of them alike; the median of the rounds is reported.
/// </summary>
internal static partial class ListingBench
{
    private const double ListingTarget = 0.6;
    private const double DumpParseTarget = 1.15;

    public static void MeasureListing(BenchContext context, NatgwCliBinary? natgw, string? natgwMissing)
    {
        var output = context.Output;
        var entries = context.Settings.Entries;
        output.WriteLine();
        output.WriteLine($"1. full listing of {entries:N0} entries, text > /dev/null, {context.Settings.Rounds} rounds interleaved");
        var contenders = new List<(string Name, Func<Sample> Run)>
        {
            ("conntrack -L", () => ConntrackList(context)),
            ("in-process Dump+Format", () => InProcessListing(context)),
        };
        const string direct = "natgw conntrack list --output text";
        var viaAgent = context.Agent is { } agent ? $"natgw conntrack list --output text --agent {agent.Socket}" : null;
        if (natgw is not null)
        {
            context.Log($"natgw CLI: {natgw.Dll} (built {natgw.BuiltAt:yyyy-MM-dd HH:mm:ss})");
            foreach (var arguments in viaAgent is null ? [direct] : new[] { viaAgent, direct })
            {
                var lines = TimedCommand.CountOutputLines(context.Ns, natgw.Command(arguments));
                context.Log($"{arguments} printed {lines:N0} lines (untimed check and warm-up; {entries:N0} entries)");
                if (lines != entries) context.Log($"WARNING: line count differs from the entry count by {lines - entries:N0}");
                Sample Run() => Sample.Of(TimedCommand.RunChecked(context.Ns, natgw.Command(arguments)));
                // Through the agent, its CPU time for the dump counts with the CLI's.
                contenders.Insert(1, (arguments, context.Agent is { } a && arguments == viaAgent ? () => a.WithAgentCpu(Run) : Run));
            }
        }
        else
        {
            context.Log($"natgw CLI not measured: {natgwMissing}; the in-process library path stands in for it");
        }
        // Warm-up (page cache for the binaries, JIT of the in-process path), not counted.
        ConntrackList(context);
        InProcessListing(context);

        var samples = Interleave(context, contenders);
        var anchor = samples["conntrack -L"];
        var anchorMedian = Statistics.MedianWall(anchor);
        var oursName = natgw is null ? "in-process Dump+Format" : viaAgent ?? direct;
        var ours = Statistics.MedianWall(samples[oursName]);
        context.Report.Add(new ReportRow("1", natgw is null
                ? $"list {entries:N0}: in-process Dump+Format (natgw CLI missing)"
                : viaAgent is null ? $"list {entries:N0}: natgw conntrack list --output text (single-process)"
                : $"list {entries:N0}: natgw conntrack list --output text --agent (through the agent)",
            Statistics.Spread(samples[oursName]), "conntrack -L " + Statistics.Spread(anchor),
            Statistics.Ratio(ours / anchorMedian), $"≤ {ListingTarget}×", ours / anchorMedian <= ListingTarget,
            Statistics.CpuRatio(samples[oursName], anchor)));
        if (natgw is not null && viaAgent is not null)
        {
            var single = Statistics.MedianWall(samples[direct]);
            context.Report.Add(new ReportRow("1a", $"list {entries:N0}: natgw conntrack list without --agent (single-process)",
                Statistics.Spread(samples[direct]), "conntrack -L", Statistics.Ratio(single / anchorMedian), "(diagnostic)", null,
                Statistics.CpuRatio(samples[direct], anchor)));
        }
        if (natgw is not null)
        {
            var inProcess = Statistics.MedianWall(samples["in-process Dump+Format"]);
            context.Report.Add(new ReportRow("1b", $"list {entries:N0}: same path in-process (no process start)",
                Statistics.Spread(samples["in-process Dump+Format"]), "conntrack -L", Statistics.Ratio(inProcess / anchorMedian), "(diagnostic)", null,
                Statistics.CpuRatio(samples["in-process Dump+Format"], anchor)));
        }
    }

    public static void MeasureDumpParse(BenchContext context, KernelFloorDumper floor)
    {
        var output = context.Output;
        var entries = context.Settings.Entries;
        output.WriteLine();
        output.WriteLine($"2. dump and parse {entries:N0} entries without output vs the C kernel-floor dumper, {context.Settings.Rounds} rounds interleaved");
        var contenders = new List<(string Name, Func<Sample> Run)>
        {
            ("C floor", () =>
            {
                var (messages, time) = floor.Run(context.Ns);
                if (messages != entries) context.Log($"WARNING: the floor dumper counted {messages:N0} messages");
                return time;
            }),
            ("ConntrackClient.Dump", () => InProcessDumpParse(context)),
        };
        foreach (var (_, run) in contenders) run(); // warm-up
        var samples = Interleave(context, contenders);
        var anchor = Statistics.MedianWall(samples["C floor"]);
        var ours = Statistics.MedianWall(samples["ConntrackClient.Dump"]);
        context.Report.Add(new ReportRow("2", $"dump+parse {entries:N0}, no output (in-process)",
            Statistics.Spread(samples["ConntrackClient.Dump"]), "C floor " + Statistics.Spread(samples["C floor"]),
            Statistics.Ratio(ours / anchor), $"≤ {DumpParseTarget}×", ours / anchor <= DumpParseTarget,
            Statistics.CpuRatio(samples["ConntrackClient.Dump"], samples["C floor"])));
    }

    private static Dictionary<string, List<Sample>> Interleave(BenchContext context, List<(string Name, Func<Sample> Run)> contenders)
    {
        var samples = contenders.ToDictionary(c => c.Name, _ => new List<Sample>());
        for (var round = 0; round < context.Settings.Rounds; round++)
        {
            var shift = round % contenders.Count;
            var line = new StringBuilder($"round {round + 1}:");
            foreach (var (name, run) in contenders.Skip(shift).Concat(contenders.Take(shift)))
            {
                var sample = run();
                samples[name].Add(sample);
                line.Append(CultureInfo.InvariantCulture, $"  {name} {sample.Wall.TotalSeconds:0.000} s (CPU {sample.Cpu.TotalSeconds:0.000} s)");
            }
            context.Log(line + $"  (load {Statistics.LoadAverage()})");
        }
        return samples;
    }

    /// <summary><c>conntrack -L &gt; /dev/null</c>; its summary line on stderr must count every entry.</summary>
    private static Sample ConntrackList(BenchContext context)
    {
        var result = TimedCommand.RunChecked(context.Ns, "conntrack -L");
        var shown = ShownCount(result.StandardError);
        if (shown != context.Settings.Entries) context.Log($"WARNING: conntrack -L showed {shown:N0} entries");
        return Sample.Of(result);
    }

    /// <summary>The count in conntrack(8)'s "N flow entries have been shown/deleted." line, or -1.</summary>
    public static long ShownCount(string stderr)
    {
        var match = SummaryLine().Match(stderr);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    [GeneratedRegex(@"(\d+) flow entries have been (?:shown|deleted)")]
    private static partial Regex SummaryLine();

    /// <summary>What natgw's list does minus process start: dump, format each flow as conntrack -L -o extended text, write UTF-8 to /dev/null.</summary>
    private static Sample InProcessListing(BenchContext context)
    {
        long count = 0;
        var sample = Sample.Measure(() =>
        {
            using var stream = new FileStream("/dev/null", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 1 << 16);
            var line = new char[1025];
            count = context.Client.Dump((in Flow flow) =>
            {
                var length = FlowFormatter.Format(in flow, line.AsSpan(0, 1024));
                line[length] = '\n';
                writer.Write(line, 0, length + 1);
            });
            writer.Flush();
        });
        if (count != context.Settings.Entries) context.Log($"WARNING: the in-process listing saw {count:N0} entries");
        return sample;
    }

    /// <summary>Every entry decoded into a Flow; the handler only touches it so nothing is optimised away.</summary>
    private static Sample InProcessDumpParse(BenchContext context)
    {
        long checksum = 0;
        long count = 0;
        var sample = Sample.Measure(() => count = context.Client.Dump((in Flow flow) => checksum += flow.Id ^ flow.Original.SourcePort));
        if (count != context.Settings.Entries) context.Log($"WARNING: the dump saw {count:N0} entries (checksum {checksum})");
        return sample;
    }
}
