using System.Diagnostics;
using System.Globalization;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Nat;

/// <summary>
/// <c>nat [--runs N] [--rounds N] [--seconds S] [--apply-sizes 10,1000,10000] [--flow-sizes 10,10000] [--traffic-ports N]</c> (issue 4, item 7):
/// in one lab gateway namespace, (1) apply time end to end (compile + one transaction) for N UDP port forwards,
/// compiled into maps and, as the anchor, as one rule per forward; (2) new flows per second through the gateway with
/// one new UDP flow per packet, same two compilations, rounds interleaved so that load from elsewhere on the machine
/// hits every configuration alike. <c>--traffic-ports N</c> sends only to the first N forwarded ports (default: all of them;
/// a diagnostic that separates the cost of the table size from that of the traffic's working set). Targets: 10,000 forwards applied in ≤ 0.5 s; rate(10,000) ≥ 0.95 × rate(10) with maps.
/// </summary>
public sealed class NatBenchmark : IBenchmark
{
    private const double ApplyTargetSeconds = 0.5;
    private const double RateRatioTarget = 0.95;

    public string Description => "NAT engine: apply time and new flows/s for 10..10,000 port forwards, maps vs one rule each";

    private sealed record Settings(int Runs, int Rounds, TimeSpan FlowDuration, int[] ApplySizes, int[] FlowSizes, int TrafficPorts);

    public int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var settings = new Settings(5, 3, TimeSpan.FromSeconds(3), [10, 1_000, 10_000], [10, 10_000], int.MaxValue);
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            var number = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : (int?)null;
            var sizes = ParseSizes(value);
            switch (args[i])
            {
                case "--runs" when number is { } runs: settings = settings with { Runs = runs }; i++; break;
                case "--rounds" when number is { } rounds: settings = settings with { Rounds = rounds }; i++; break;
                case "--seconds" when number is { } seconds: settings = settings with { FlowDuration = TimeSpan.FromSeconds(seconds) }; i++; break;
                case "--apply-sizes" when sizes is not null: settings = settings with { ApplySizes = sizes }; i++; break;
                case "--flow-sizes" when sizes is not null: settings = settings with { FlowSizes = sizes }; i++; break;
                case "--traffic-ports" when number is { } ports: settings = settings with { TrafficPorts = ports }; i++; break;
                default:
                    output.WriteLine($"nat: unknown or incomplete option '{args[i]}'");
                    output.WriteLine("usage: nat [--runs N] [--rounds N] [--seconds S] [--apply-sizes 10,1000,10000] [--flow-sizes 10,10000] [--traffic-ports N]");
                    return 2;
            }
        }
        if (!Root.IsRoot)
        {
            output.WriteLine("nat: needs root (network namespaces, nftables, raw sockets)");
            return 1;
        }

        var total = Stopwatch.StartNew();
        output.WriteLine($"kernel {Environment.OSVersion.Version}, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start");
        using var lab = new NatBenchLab();
        var engines = new[] { new Mode("maps", lab.Engine(maps: true)), new Mode("one rule each", lab.Engine(maps: false)) };
        var forwards = settings.ApplySizes.Concat(settings.FlowSizes).Distinct().ToDictionary(n => n, PortForwards.Create);

        var applies = MeasureApply(settings, engines, forwards, output);
        PrintApply(settings, engines, applies, output);

        var flows = MeasureFlows(settings, lab, engines, forwards, output);
        PrintFlows(settings, engines, flows, output);
        output.WriteLine($"total {total.Elapsed.TotalSeconds:0} s, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at end");
        return 0;
    }

    private static int[]? ParseSizes(string? value)
    {
        if (value is null) return null;
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sizes = parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 50_000 ? n : 0).ToArray();
        return sizes.Length > 0 && sizes.All(s => s > 0) ? sizes : null;
    }

    private sealed record Mode(string Name, NftablesNatEngine Engine);

    /// <summary>One timed apply: end to end (compile + transaction) and the compile part alone.</summary>
    private sealed record ApplySample(TimeSpan EndToEnd, TimeSpan Compile);

    /// <summary>Timings per (mode, size): into an empty table, and replacing the same N forwards (an operator's re-apply).</summary>
    private sealed record ApplyTimings(List<ApplySample> IntoEmpty, List<ApplySample> Replacing);

    private static Dictionary<(string Mode, int Size), ApplyTimings> MeasureApply(Settings settings, Mode[] modes,
        Dictionary<int, IReadOnlyList<NatRule>> forwards, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"1. apply time: compile + one transaction, {settings.Runs} runs per cell, interleaved");
        var timings = modes.SelectMany(m => settings.ApplySizes.Select(s => (m.Name, s))).ToDictionary(k => k, _ => new ApplyTimings([], []));
        // Warm-up: JIT of the compiler and serializer, libnftables caches.
        foreach (var mode in modes) TimedApply(mode.Engine, forwards[settings.ApplySizes.Max()]);
        for (var run = 1; run <= settings.Runs; run++)
        {
            foreach (var size in settings.ApplySizes)
                foreach (var mode in modes)
                {
                    mode.Engine.Apply(mode.Engine.CompileOnly([]));
                    timings[(mode.Name, size)].IntoEmpty.Add(TimedApply(mode.Engine, forwards[size]));
                    timings[(mode.Name, size)].Replacing.Add(TimedApply(mode.Engine, forwards[size]));
                }
            output.WriteLine($"   run {run}/{settings.Runs} done");
        }
        return timings;
    }

    private static ApplySample TimedApply(NftablesNatEngine engine, IReadOnlyList<NatRule> rules)
    {
        var clock = Stopwatch.StartNew();
        var compiled = engine.CompileOnly(rules);
        var compile = clock.Elapsed;
        engine.Apply(compiled);
        return new ApplySample(clock.Elapsed, compile);
    }

    private static void PrintApply(Settings settings, Mode[] modes, Dictionary<(string Mode, int Size), ApplyTimings> timings, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("apply end to end, ms: median [min–max] of the runs; (compile) = median of the compile part; N→N = re-apply over the same N");
        output.Write($"{"forwards",9}");
        foreach (var mode in modes) output.Write($"  {mode.Name + ": empty→N",-26}{"(compile)",10}  {"N→N",-24}");
        output.WriteLine();
        foreach (var size in settings.ApplySizes)
        {
            output.Write($"{size,9:N0}");
            foreach (var mode in modes)
            {
                var t = timings[(mode.Name, size)];
                output.Write($"  {Spread(t.IntoEmpty.Select(s => s.EndToEnd.TotalMilliseconds)),-26}" +
                             $"{Median(t.IntoEmpty.Select(s => s.Compile.TotalMilliseconds)),10:0.0}" +
                             $"  {Spread(t.Replacing.Select(s => s.EndToEnd.TotalMilliseconds)),-24}");
            }
            output.WriteLine();
        }
        var largest = settings.ApplySizes.Max();
        var worst = Math.Max(Median(timings[(modes[0].Name, largest)].IntoEmpty.Select(s => s.EndToEnd.TotalSeconds)),
                             Median(timings[(modes[0].Name, largest)].Replacing.Select(s => s.EndToEnd.TotalSeconds)));
        output.WriteLine($"target: {largest:N0} forwards (maps) applied end to end in ≤ {ApplyTargetSeconds} s: " +
                         $"{worst * 1000:0} ms (slower of the two medians) → {(worst <= ApplyTargetSeconds ? "MET" : "NOT MET")}");
    }

    /// <summary>
    /// One flow round: packets sent, received by the server and translated (NAT counters); wall-clock time, CPU time of the
    /// sending thread (which runs the gateway's softirq work inline) and of ksoftirqd (work deferred away from it).
    /// </summary>
    private sealed record FlowSample(long Sent, long Received, long Translated, long ConntrackLosses, TimeSpan Elapsed, TimeSpan SenderCpu, TimeSpan SoftirqDaemonCpu)
    {
        public double Rate => Received / Elapsed.TotalSeconds;
        public double RatePerCpuSecond => Received / SenderCpu.TotalSeconds;
    }

    private static Dictionary<(string Mode, int Size), List<FlowSample>> MeasureFlows(Settings settings, NatBenchLab lab, Mode[] modes,
        Dictionary<int, IReadOnlyList<NatRule>> forwards, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"2. new flows/s: one new UDP flow per packet, client → 10.77.1.1:{PortForwards.FirstPort}+ → server, " +
                         $"{settings.FlowDuration.TotalSeconds:0} s per round, {settings.Rounds} rounds, configurations interleaved" +
                         (settings.TrafficPorts == int.MaxValue ? ", destination ports spread over all forwards" : $", traffic to the first {settings.TrafficPorts:N0} forwarded ports only"));
        var configurations = modes.SelectMany(m => settings.FlowSizes.Select(s => (Mode: m, Size: s))).ToList();
        var samples = configurations.ToDictionary(c => (c.Mode.Name, c.Size), _ => new List<FlowSample>());
        modes[0].Engine.Apply(modes[0].Engine.CompileOnly(forwards[settings.FlowSizes[0]]));
        lab.ShortenUdpTimeout();
        using var sender = new NewFlowSender(lab.Lab);
        // Warm-up round (JIT, ARP, conntrack caches), not counted.
        sender.Send(TimeSpan.FromMilliseconds(500), PortForwards.FirstPort, settings.FlowSizes[0]);

        for (var round = 1; round <= settings.Rounds; round++)
        {
            // Rotate the order each round so no configuration always runs first or last.
            var shift = (round - 1) % configurations.Count;
            foreach (var (mode, size) in configurations.Skip(shift).Concat(configurations.Take(shift)))
            {
                mode.Engine.Apply(mode.Engine.CompileOnly(forwards[size])); // counters start at 0
                lab.FlushConntrack();
                Thread.Sleep(200);
                lab.TakeServerReceived();
                var lossesBefore = lab.ConntrackLosses();
                var daemonsBefore = SoftirqDaemons.CpuTime();
                var burst = sender.Send(settings.FlowDuration, PortForwards.FirstPort, Math.Min(size, settings.TrafficPorts));
                Thread.Sleep(300); // let the veth backlog drain
                var daemons = SoftirqDaemons.CpuTime() - daemonsBefore;
                var received = lab.TakeServerReceived();
                var translated = mode.Engine.ReadCounters().Values.Sum(c => c.Packets);
                var sample = new FlowSample(burst.Sent, received, translated, lab.ConntrackLosses() - lossesBefore, burst.Elapsed, burst.SenderCpu, daemons);
                samples[(mode.Name, size)].Add(sample);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"   round {round}: {size,6:N0} forwards, {mode.Name,-13} {sample.Rate,9:N0}/s wall, {sample.RatePerCpuSecond,9:N0}/CPU-s " +
                    $"(sender CPU {burst.SenderCpu.TotalSeconds / burst.Elapsed.TotalSeconds:P0} of wall, ksoftirqd {daemons.TotalSeconds:0.00} s; " +
                    $"sent {burst.Sent:N0}, received {received:N0}, NAT counters {translated:N0}, conntrack losses {sample.ConntrackLosses})"));
            }
        }
        return samples;
    }

    private static void PrintFlows(Settings settings, Mode[] modes, Dictionary<(string Mode, int Size), List<FlowSample>> samples, TextWriter output)
    {
        PrintRates(settings, modes, samples, output, "new flows per second received by the server (wall clock)", s => s.Rate);
        PrintRates(settings, modes, samples, output,
            "new flows per CPU-second of the sending thread (the gateway's work runs in its softirq context; insensitive to other load)",
            s => s.RatePerCpuSecond);
    }

    private static void PrintRates(Settings settings, Mode[] modes, Dictionary<(string Mode, int Size), List<FlowSample>> samples,
        TextWriter output, string title, Func<FlowSample, double> rate)
    {
        output.WriteLine();
        output.WriteLine(title + ": median [min–max] over the rounds");
        output.Write($"{"forwards",9}");
        foreach (var mode in modes) output.Write($"  {mode.Name,28}");
        output.WriteLine();
        foreach (var size in settings.FlowSizes)
        {
            output.Write($"{size,9:N0}");
            foreach (var mode in modes) output.Write($"  {Spread(samples[(mode.Name, size)].Select(rate), "N0"),28}");
            output.WriteLine();
        }
        var smallest = settings.FlowSizes.Min();
        var largest = settings.FlowSizes.Max();
        if (smallest == largest) return;
        foreach (var mode in modes)
        {
            var small = samples[(mode.Name, smallest)];
            var large = samples[(mode.Name, largest)];
            var ratio = Median(large.Select(rate)) / Median(small.Select(rate));
            // Per-round ratios pair configurations measured seconds apart, under similar background load.
            var perRound = small.Zip(large, (a, b) => (rate(b) / rate(a)).ToString("0.000", CultureInfo.InvariantCulture));
            var verdict = mode == modes[0] ? $" (target ≥ {RateRatioTarget}: {(ratio >= RateRatioTarget ? "MET" : "NOT MET")})" : " (anchor)";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rate({largest:N0} {mode.Name}) / rate({smallest:N0} {mode.Name}) = {ratio:0.000}{verdict}; per round: {string.Join(", ", perRound)}"));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string Spread(IEnumerable<double> values, string format = "0.0")
    {
        var list = values.ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{Median(list).ToString(format, CultureInfo.InvariantCulture)} [{list.Min().ToString(format, CultureInfo.InvariantCulture)}–{list.Max().ToString(format, CultureInfo.InvariantCulture)}]");
    }
}
