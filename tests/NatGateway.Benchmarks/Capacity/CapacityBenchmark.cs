using System.Diagnostics;
using System.Globalization;
using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Model;
using NatGateway.Capacity.Tests.Kernel;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Capacity;

/// <summary>
/// <c>capacity [--entries N] [--sets plain,masquerade-acct,helper-acct-tstamp-events|all]</c>: fills a lab gateway
/// namespace with N real conntrack entries per extension set, measures the slab growth, and prints the prediction error
/// of the model, of the seed formula (376 B/entry) and of the object-size-only formula side by side.
/// </summary>
public sealed class CapacityBenchmark : IBenchmark
{
    private const int DefaultEntries = 240_000;

    public string Description => "conntrack memory: model vs seed formula vs object size only, measured in a lab namespace";

    public int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var entries = DefaultEntries;
        var scenarios = ExtensionScenario.Default;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "--entries" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0:
                    entries = n; i++; break;
                case "--sets" when value is not null:
                    var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var chosen = value == "all" ? ExtensionScenario.All : ExtensionScenario.All.Where(s => names.Contains(s.Name)).ToList();
                    if (chosen.Count == 0 || (value != "all" && chosen.Count != names.Length))
                        return Usage(output, $"--sets: give 'all' or some of {string.Join(", ", ExtensionScenario.All.Select(s => s.Name))}");
                    scenarios = chosen; i++; break;
                default:
                    return Usage(output, $"unknown or incomplete option '{args[i]}'");
            }
        }
        if (!Root.IsRoot)
        {
            output.WriteLine("capacity: needs root (network namespaces, /proc/slabinfo)");
            return 1;
        }

        var max = long.Parse(File.ReadAllText("/proc/sys/net/netfilter/nf_conntrack_max").Trim(), CultureInfo.InvariantCulture);
        var needed = (long)(entries * 1.05) + 2000;
        string? restoreMax = null;
        try
        {
            if (needed > max)
            {
                // The one global sysctl a benchmark may change: restored in the finally below.
                restoreMax = max.ToString(CultureInfo.InvariantCulture);
                File.WriteAllText("/proc/sys/net/netfilter/nf_conntrack_max", needed.ToString(CultureInfo.InvariantCulture));
                output.WriteLine($"nf_conntrack_max raised from {max:N0} to {needed:N0} for the run (restored afterwards)");
            }
            var rows = scenarios.Select(s => Measure(s, entries, output)).ToList();
            Print(rows, output);
            return 0;
        }
        finally
        {
            if (restoreMax is not null) File.WriteAllText("/proc/sys/net/netfilter/nf_conntrack_max", restoreMax);
        }
    }

    private static int Usage(TextWriter output, string problem)
    {
        output.WriteLine($"capacity: {problem}");
        output.WriteLine("usage: capacity [--entries N] [--sets plain,masquerade-acct,helper-acct-tstamp-events|all]");
        return 2;
    }

    private sealed record Row(ExtensionScenario Scenario, KernelConntrackFacts Facts, ConntrackExtensions Extensions, long Entries,
        long MeasuredBytes, long ConntrackObjectDelta, TimeSpan FillTime, int Attempts);

    private static Row Measure(ExtensionScenario scenario, int entries, TextWriter output)
    {
        Row? row = null;
        // Other work on the machine also creates and frees conntrack entries: a run whose nf_conntrack cache grew by more
        // or less than our own entries (±1%) was disturbed and is repeated, at most three times.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            row = MeasureOnce(scenario, entries) with { Attempts = attempt };
            output.WriteLine($"  {scenario.Label}: attempt {attempt}, {row.Entries:N0} entries, nf_conntrack objects {row.ConntrackObjectDelta:+#,0;-#,0}, " +
                             $"filled in {row.FillTime.TotalSeconds:0.0} s");
            if (Math.Abs(row.ConntrackObjectDelta - row.Entries) <= row.Entries * 0.01) break;
        }
        return row!;
    }

    private static Row MeasureOnce(ExtensionScenario scenario, int entries)
    {
        using var lab = NamespaceLab.Create();
        lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
        var request = scenario.Configure(lab);
        ProcessRunner.Run("ip", ["netns", "exec", lab.Server, "nft", "-f", "-"], TimeSpan.FromSeconds(20),
            "table inet sink { chain input_sink { type filter hook input priority 0; udp dport 1-65535 drop; }; }").EnsureSuccess("nft sink");
        if (!lab.Pings(lab.Client, NamespaceLab.ServerAddress)) throw new InvalidOperationException("lab path client→gateway→server is down");

        var facts = lab.RunIn(lab.Gateway, () => new KernelConntrackFactsReader().Read());
        var extensions = request.Extensions ?? request.ExtensionsFromKernel(facts);
        var before = SlabSnapshot.TakeWhenSettled(TimeSpan.FromSeconds(20));
        var clock = Stopwatch.StartNew();
        var created = ConntrackFlood.Fill(lab, entries);
        var fillTime = clock.Elapsed;
        Thread.Sleep(300); // in-flight skbs freed, so only the entries remain
        var after = SlabSnapshot.Take();
        return new Row(scenario, facts, extensions, created, after.ObjectBytesDelta(before, Environment.SystemPageSize),
            after.ObjectDelta(before, SlabInfoParser.ConntrackCacheName), fillTime, 1);
    }

    private static void Print(IReadOnlyList<Row> rows, TextWriter output)
    {
        var facts = rows[0].Facts;
        output.WriteLine();
        output.WriteLine($"kernel {facts.Kernel.Release}; measured = Σ Δactive objects × page bytes per object over nf_conntrack and kmalloc-*");
        output.WriteLine("errors are (predicted − measured) / measured for the entries; the hash table is preallocated and global, so not in the delta");
        output.WriteLine();
        output.WriteLine($"{"extension set",-28}{"entries",10}{"measured B",14}{"B/entry",9}{"model B/e",10}{"model",9}{"seed 376",10}{"objsize",9}");
        foreach (var row in rows)
        {
            var model = ConntrackMemoryModel.FromFacts(row.Facts);
            var predicted = model.EntriesMemoryBytes(row.Entries, row.Extensions);
            var seed = row.Entries * 376L;
            var objectOnly = (long)model.ConntrackObjectSize * row.Entries;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Scenario.Label,-28}{row.Entries,10:N0}{row.MeasuredBytes,14:N0}{(double)row.MeasuredBytes / row.Entries,9:0.0}" +
                $"{model.EntryCost(row.Extensions).TotalBytes,10:0.0}{Error(predicted, row.MeasuredBytes),9:+0.0%;-0.0%}" +
                $"{Error(seed, row.MeasuredBytes),10:+0.0%;-0.0%}{Error(objectOnly, row.MeasuredBytes),9:+0.0%;-0.0%}"));
        }
    }

    private static double Error(long predicted, long measured) => measured == 0 ? double.NaN : (double)(predicted - measured) / measured;
}
