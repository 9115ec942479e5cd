using System.Diagnostics;
using System.Globalization;
using NatGateway.Capacity.Tests.Kernel;
using NatGateway.Conntrack;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// <c>conntrack [--entries 1000000] [--rounds 3] [--queries 300] [--delete 64000] [--burst 500000] [--nat-rules 10000] [--natgw PATH] [--single-process]</c>
/// (issue 3, item 7; issue 11, item 6): in one dedicated namespace filled over ctnetlink with N UDP entries, each figure
/// as a ratio against its anchor measured in the same run: (1) natgw conntrack list --output text vs conntrack -L; (2) dump and
/// parse vs a C kernel-floor dumper; (3) a filtered, sorted page from the mirror vs conntrack -L -s; (4) delete by
/// filter vs conntrack -D; (3h) the same pages end to end over HTTP from natgw serve (--natgw PATH) in the namespace; (5) mirror exactness after an insert burst vs what conntrack -E saw; (6) mirror bytes per
/// entry vs the kernel's; (7) apply of N UDP port forwards through the REST API. By default through <c>natgw agent</c>
/// (started in the namespace): the CLI, natgw serve, the delete and the burst's mirror go through its socket, and item 7
/// is measured in both modes; <c>--single-process</c> is the old way (everything reaches the kernel itself).
/// nf_conntrack_max is raised globally for the run and restored (also on Ctrl-C).
/// </summary>
public sealed class ConntrackBenchmark : IBenchmark
{
    private const string Usage = "usage: conntrack [--entries 1000000] [--rounds 3] [--queries 300] [--delete 64000] [--burst 500000] [--nat-rules 10000] [--natgw PATH] [--single-process] [--only query|nat]";

    public string Description => "conntrack engine through natgw agent: list/dump vs conntrack -L and the kernel floor, mirror page query (in process, HTTP), delete by filter, event burst, bytes/entry, apply of 10,000 forwards (1,000,000 entries, ~6 min)";

    public int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var settings = new ConntrackBenchSettings(1_000_000, 3, 300, 64_000, 500_000, NatgwCliBinary.DefaultPath);
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            var number = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : (int?)null;
            switch (args[i])
            {
                case "--entries" when number is { } entries: settings = settings with { Entries = entries }; i++; break;
                case "--rounds" when number is { } rounds: settings = settings with { Rounds = rounds }; i++; break;
                case "--queries" when number is { } queries: settings = settings with { Queries = queries }; i++; break;
                case "--delete" when number is { } hot and <= BenchFlows.MaxHotEntries: settings = settings with { HotEntries = hot }; i++; break;
                case "--burst" when number is { } burst: settings = settings with { BurstEntries = burst }; i++; break;
                case "--nat-rules" when number is { } natRules: settings = settings with { NatRules = natRules }; i++; break;
                case "--only" when value == "query": settings = settings with { Only = BenchOnly.Query }; i++; break;
                case "--only" when value == "nat": settings = settings with { Only = BenchOnly.Nat }; i++; break;
                case "--single-process": settings = settings with { SingleProcess = true }; break;
                case "--natgw" when value is not null: settings = settings with { NatgwPath = Path.GetFullPath(value) }; i++; break;
                default:
                    output.WriteLine($"conntrack: unknown or incomplete option '{args[i]}'");
                    output.WriteLine(Usage);
                    return 2;
            }
        }
        if (settings.HotEntries >= settings.Entries)
        {
            output.WriteLine("conntrack: --delete must be smaller than --entries");
            return 2;
        }
        if (!Root.IsRoot)
        {
            output.WriteLine("conntrack: needs root (network namespaces, nf_conntrack_max, ctnetlink)");
            return 1;
        }
        return RunAsync(settings, output).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(ConntrackBenchSettings settings, TextWriter output)
    {
        var total = Stopwatch.StartNew();
        output.WriteLine($"kernel {Environment.OSVersion.Version}, {Environment.ProcessorCount} cores, load average {Statistics.LoadAverage()} at start");
        using var guard = new RunGuard(output);
        // Room for the table, the burst on top of it, and other namespaces' entries.
        guard.Add(new GlobalConntrackMax(settings.Entries + settings.BurstEntries + 100_000, output));
        var ns = guard.Add(new ConntrackBenchNamespace());
        output.WriteLine($"namespace {ns.Name} (deleted at the end)");
        var floor = guard.Add(KernelFloorDumper.Compile(output));
        var natgw = NatgwCliBinary.Find(settings.NatgwPath, out var natgwMissing);
        var client = guard.Add(NetworkNamespace.RunIn(ns.Name, () => new ConntrackClient()));
        BenchAgent? agent = null;
        if (!settings.SingleProcess)
        {
            if (natgw is null) throw new InvalidOperationException($"agent mode needs the built natgw: {natgwMissing} (or run with --single-process)");
            var agentClock = Stopwatch.StartNew();
            agent = guard.Add(BenchAgent.Start(natgw.Dll, ns.Name));
            output.WriteLine($"natgw agent in {ns.Name}, socket {agent.Socket} (pid {agent.ProcessId}, answering after {agentClock.Elapsed.TotalSeconds:0.0} s)");
        }
        var context = new BenchContext(settings, ns, client, guard, new BenchReport(), output, agent);
        output.WriteLine($"mode: {context.ModeText}");

        var kernelBytesPerEntry = Fill(context);
        if (settings.Only != BenchOnly.Nat)
        {
            if (!settings.OnlyQuery)
            {
                ListingBench.MeasureListing(context, natgw, natgwMissing);
                ListingBench.MeasureDumpParse(context, floor);
            }
            var inProcess = await MirrorBench.MeasureAsync(context, kernelBytesPerEntry);
            // natgw serve (through the agent in agent mode) answers item 3h and, still running with its mirror live, the API delete of item 4.
            await using (var web = await HttpMirrorBench.StartNatgwAsync(context))
            {
                await HttpMirrorBench.MeasureAsync(context, web, inProcess);
                if (!settings.OnlyQuery) await DeleteBench.MeasureAsync(context, web);
            }
            if (!settings.OnlyQuery) await EventBurstBench.MeasureAsync(context);
        }
        if (settings.Only is BenchOnly.All or BenchOnly.Nat) await NatApplyBench.MeasureAsync(context);

        output.WriteLine();
        output.WriteLine($"conntrack benchmark {context.ModeText}, {settings.Entries:N0} entries, {Environment.ProcessorCount} cores, load average {Statistics.LoadAverage()} at end, total {total.Elapsed.TotalSeconds:0} s");
        context.Report.Print(output);
        return 0;
    }

    /// <summary>
    /// Creates the hot set and the background entries over ctnetlink and returns the kernel's bytes per entry
    /// (growth of the nf_conntrack and kmalloc slab caches' active objects, as the capacity benchmark measures it).
    /// </summary>
    private static double Fill(BenchContext context)
    {
        var settings = context.Settings;
        context.Output.WriteLine();
        context.Output.WriteLine($"filling {settings.Entries:N0} UDP entries over ctnetlink ({settings.HotEntries:N0} from {BenchFlows.HotSource}, timeouts 1 h)");
        var before = SlabSnapshot.TakeWhenSettled(TimeSpan.FromSeconds(10));
        var clock = Stopwatch.StartNew();
        var hot = context.Client.CreateMany(BenchFlows.Hot(settings.HotEntries));
        var background = context.Client.CreateMany(BenchFlows.Background(settings.Entries - settings.HotEntries));
        var elapsed = clock.Elapsed;
        if (hot.Failed != 0 || background.Failed != 0)
            throw new InvalidOperationException($"fill failed: hot {hot}; background {background}");
        var count = context.KernelCount;
        if (count != settings.Entries) throw new InvalidOperationException($"table holds {count:N0} entries after the fill, expected {settings.Entries:N0}");
        var after = SlabSnapshot.Take();
        var bytes = after.ObjectBytesDelta(before, Environment.SystemPageSize);
        var perEntry = (double)bytes / count;
        context.Log(string.Create(CultureInfo.InvariantCulture,
            $"{count:N0} entries in {elapsed.TotalSeconds:0.0} s ({count / elapsed.TotalSeconds:N0}/s); kernel slab growth {bytes / 1048576.0:0.0} MiB = {perEntry:0} B/entry ({string.Join(", ", after.Describe(before))})"));
        return perEntry;
    }
}
