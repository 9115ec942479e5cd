using System.Diagnostics;
using System.Globalization;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// Item 5: a burst of new entries (ConntrackClient.CreateMany, as fast as the kernel takes them) on top of the full
/// table, while a live <see cref="ConntrackMirror"/> (this process; in agent mode fed through the agent's relay,
/// <c>AgentGatewayKernel.Conntrack.OpenMirrorSource()</c>, as natgw serve --agent's is) and <c>conntrack -E -e NEW</c> (a child writing to
/// a file) both watch. Measured: how long after the burst's end the mirror holds exactly the kernel's table (same
/// count, state live; then every kernel entry is looked up in the mirror by id and its tuples, status, mark and zone
/// compared, and the mirror must not have changed meanwhile), and the share of NEW events conntrack -E printed.
/// </summary>
internal static class EventBurstBench
{
    private const double TargetSeconds = 2;

    public static async Task MeasureAsync(BenchContext context)
    {
        var output = context.Output;
        var settings = context.Settings;
        var baseCount = context.KernelCount;
        output.WriteLine();
        output.WriteLine($"5. event burst: {settings.BurstEntries:N0} inserts on top of {baseCount:N0} entries while a mirror and conntrack -E -e NEW watch");

        // In agent mode the mirror is fed as the web's is: the agent's dump and event sockets relayed over its Unix socket.
        IConntrackMirrorSource source = context.Agent is { } agent
            ? agent.Kernel.Conntrack.OpenMirrorSource()
            : NetworkNamespace.RunIn(context.Ns, () => new ConntrackClientSource());
        var mirror = new ConntrackMirror(source);
        var eventsFile = Path.Combine(Path.GetTempPath(), $"ngw-ctbench-events-{Environment.ProcessId}.txt");
        Process? watcher = null;
        try
        {
            await mirror.StartAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var resyncsBefore = mirror.Status.ResyncCount;
            watcher = StartConntrackEvents(context, eventsFile);
            Thread.Sleep(1000); // conntrack -E subscribes right after it starts; give it a generous moment

            var clock = Stopwatch.StartNew();
            var result = context.Client.CreateMany(BenchFlows.Burst(settings.BurstEntries));
            var burst = clock.Elapsed;
            if (result.Failed != 0) context.Log($"WARNING: burst: {result}");
            context.Log(string.Create(CultureInfo.InvariantCulture,
                $"burst of {result.Succeeded:N0} creates took {burst.TotalSeconds:0.000} s ({result.Succeeded / burst.TotalSeconds:N0}/s), load {Statistics.LoadAverage()}"));

            var expected = baseCount + result.Succeeded;
            var converged = WaitForExactMirror(context, mirror, clock, burst, expected);
            var status = mirror.Status;
            context.Log($"mirror: events applied {status.EventsApplied:N0}, ENOBUFS losses {status.EventsLostCount}, " +
                        $"resyncs during/after the burst {status.ResyncCount - resyncsBefore}, state {status.State}");

            var (printed, reported) = StopConntrackEvents(watcher, eventsFile);
            watcher = null;
            var seen = (double)printed / result.Succeeded;
            context.Log(string.Create(CultureInfo.InvariantCulture,
                $"conntrack -E -e NEW printed {printed:N0} events ({seen:P1}); its own summary says {reported:N0}"));

            var exact = converged is not null;
            context.Report.Add(new ReportRow("5", string.Create(CultureInfo.InvariantCulture,
                    $"burst {result.Succeeded:N0} creates ({result.Succeeded / burst.TotalSeconds:N0}/s) on {baseCount:N0}: mirror {(context.Agent is null ? "in process" : "fed through the agent relay")} exact after its end"),
                exact ? $"exact after {converged!.Value.TotalSeconds:0.000} s (100% of NEW)" : "NOT exact within 60 s",
                string.Create(CultureInfo.InvariantCulture, $"conntrack -E saw {seen:P1} of NEW"),
                exact ? Statistics.Ratio(1 / Math.Max(seen, 1e-9)) : "-",
                $"exact ≤ {TargetSeconds:0} s", exact && converged!.Value.TotalSeconds <= TargetSeconds));
        }
        finally
        {
            if (watcher is not null) StopConntrackEvents(watcher, eventsFile);
            File.Delete(eventsFile);
            await mirror.DisposeAsync();
            (source as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// Polls (kernel count, mirror count, mirror state) until they agree, then verifies content against a dump and that
    /// the mirror did not change during the verification, so the agreement held at the moment recorded. Returns the time
    /// from the burst's end to that moment, or null after 60 s.
    /// </summary>
    private static TimeSpan? WaitForExactMirror(BenchContext context, ConntrackMirror mirror, Stopwatch clock, TimeSpan burstEnd, long expected)
    {
        var deadline = burstEnd + TimeSpan.FromSeconds(60);
        var disagreements = 0;
        while (clock.Elapsed < deadline)
        {
            var kernel = context.KernelCount;
            var table = mirror.Table;
            var version = table.Version;
            if (mirror.Status.State != MirrorState.Live || table.Count != kernel || kernel != expected)
            {
                Thread.Sleep(2);
                continue;
            }
            var agreedAt = clock.Elapsed - burstEnd;
            var mismatches = CompareWithKernel(context, table, out var example);
            if (mismatches == 0 && ReferenceEquals(table, mirror.Table) && table.Version == version && table.Count == context.KernelCount)
            {
                context.Log($"mirror equals the kernel table ({kernel:N0} entries, every one compared) {agreedAt.TotalSeconds:0.000} s after the burst's end");
                return agreedAt;
            }
            if (++disagreements <= 3)
                context.Log($"counts agreed at +{agreedAt.TotalSeconds:0.000} s but {mismatches:N0} entries differ or the mirror moved on ({example}); waiting");
        }
        return null;
    }

    /// <summary>
    /// Compares the mirror's entries with a fresh kernel dump as sets of (id, both tuples, status, mark, zone). Not by id
    /// lookup alone: CTA_ID is a 32-bit hash, and among 1,500,000 entries a few hundred pairs share one.
    /// Returns the entries in one set and not the other.
    /// </summary>
    private static long CompareWithKernel(BenchContext context, NatGateway.Conntrack.Mirror.Store.FlowTable table, out string example)
    {
        var mirrored = new HashSet<FlowIdentity>(table.Count);
        foreach (var flow in table.Select(NatGateway.Conntrack.Mirror.Query.FlowFilter.All)) mirrored.Add(FlowIdentity.Of(flow));
        long onlyInKernel = 0;
        string? first = null;
        context.Client.Dump((in Flow kernel) =>
        {
            if (mirrored.Remove(FlowIdentity.Of(kernel))) return;
            onlyInKernel++;
            first ??= "only in the kernel: " + FlowFormatter.ToExtendedText(kernel, includeId: true);
        });
        if (first is null && mirrored.Count > 0) first = $"only in the mirror: {mirrored.First()}";
        example = first ?? "none differ";
        return onlyInKernel + mirrored.Count;
    }

    /// <summary>What must agree between the mirror and the kernel (timeouts count down and use counts vary, so they are left out).</summary>
    private readonly record struct FlowIdentity(uint Id, FlowTuple Original, FlowTuple Reply, FlowStatus Status, uint Mark, ushort Zone)
    {
        public static FlowIdentity Of(in Flow f) => new(f.Id, f.Original with { Zone = null }, f.Reply with { Zone = null }, f.Status, f.Mark, f.Zone);
    }

    private static Process StartConntrackEvents(BenchContext context, string file)
    {
        var psi = new ProcessStartInfo("sh") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"exec ip netns exec {context.Ns} conntrack -E -e NEW > {file}");
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start conntrack -E");
        context.Guard.Add(() => { try { if (!process.HasExited) process.Kill(); } catch (InvalidOperationException) { } });
        return process;
    }

    /// <summary>SIGINT, as an operator's Ctrl-C (conntrack flushes its output and prints its summary); returns lines printed and the summary's count.</summary>
    private static (long Printed, long Reported) StopConntrackEvents(Process process, string file)
    {
        ProcessRunner.Run("kill", "-INT", process.Id.ToString(CultureInfo.InvariantCulture));
        if (!process.WaitForExit(10_000)) process.Kill();
        var stderr = process.StandardError.ReadToEnd();
        var summary = System.Text.RegularExpressions.Regex.Match(stderr, @"(\d+) flow events have been shown");
        long reported = summary.Success ? long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
        var printed = File.Exists(file) ? File.ReadLines(file).LongCount(l => l.Contains("[NEW]", StringComparison.Ordinal)) : 0;
        process.Dispose();
        return (printed, reported);
    }
}
