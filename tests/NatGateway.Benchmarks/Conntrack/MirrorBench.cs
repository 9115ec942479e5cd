using System.Diagnostics;
using System.Globalization;
using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Conntrack.Mirror.Store;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// Items 6 and 3. A <see cref="ConntrackMirror"/> of the full table is started in this process; its footprint is the
/// growth of the managed heap after a full collection (table, indexes, sockets' buffers: everything the mirror keeps),
/// divided by the entries, against the kernel's own bytes per entry measured from the slab growth during the fill.
/// Then filtered, sorted pages from the mirror: p50/p95 over many queries of several shapes a user would type, against
/// <c>conntrack -L -s ADDR &gt; /dev/null</c> (the only way to get a filtered list from conntrack(8), and unsorted).
/// </summary>
internal static class MirrorBench
{
    private const double BytesPerEntryTarget = 200;
    private const double QueryP95TargetMs = 20;

    /// <summary>The page queries: filter text, sort, page index, page size.</summary>
    internal static readonly (string Filter, string Sort, int Page, int Size)[] Shapes =
    [
        ($"src {BenchFlows.HotSource}", "sport:desc", 0, 50),
        ($"src {BenchFlows.HotSource} and dport 5003", "sport", 20, 50),
        ("src 10.77.121.0/24", "dst,sport:desc", 0, 100),
        ("proto udp and mark 5", "id:desc", 5, 100),
        ("dport 5001 and not src 10.77.100.0/24", "timeout", 0, 50),
        ("any 10.77.133.17", "sport", 0, 50),
    ];

    /// <summary>Runs items 6 and 3 and returns item 3's figures (the HTTP measurement sits beside them).</summary>
    public static async Task<MirrorQueryFigures> MeasureAsync(BenchContext context, double kernelBytesPerEntry)
    {
        var output = context.Output;
        var entries = context.Settings.Entries;
        output.WriteLine();
        output.WriteLine($"6. mirror of {entries:N0} entries: managed heap growth per entry");
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var source = NetworkNamespace.RunIn(context.Ns, () => new ConntrackClientSource());
        var mirror = new ConntrackMirror(source);
        try
        {
            var clock = Stopwatch.StartNew();
            await mirror.StartAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var syncTime = clock.Elapsed;
            var count = mirror.Table.Count;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            var bytesPerEntry = (double)(heapAfter - heapBefore) / count;
            context.Log(string.Create(CultureInfo.InvariantCulture,
                $"first sync {syncTime.TotalSeconds:0.000} s, {count:N0} entries; managed heap {heapBefore / 1048576.0:0.0} → {heapAfter / 1048576.0:0.0} MiB"));
            if (count != entries) context.Log($"WARNING: the mirror holds {count:N0} entries, the table {context.KernelCount:N0}");
            context.Report.Add(new ReportRow("6", $"mirror bytes per entry at {count:N0}",
                bytesPerEntry.ToString("0.0", CultureInfo.InvariantCulture) + " B",
                "kernel " + kernelBytesPerEntry.ToString("0", CultureInfo.InvariantCulture) + " B (slab growth)",
                Statistics.Ratio(bytesPerEntry / kernelBytesPerEntry), $"≤ {BytesPerEntryTarget:0} B", bytesPerEntry <= BytesPerEntryTarget));
            context.Report.Add(new ReportRow("6b", $"mirror first sync (dump into the table) of {count:N0}",
                Statistics.Seconds(syncTime.TotalSeconds), "", "", "(diagnostic)", null));

            return MeasureQueries(context, mirror);
        }
        finally
        {
            await mirror.DisposeAsync();
            source.Dispose();
        }
    }

    private static MirrorQueryFigures MeasureQueries(BenchContext context, ConntrackMirror mirror)
    {
        var output = context.Output;
        var settings = context.Settings;
        output.WriteLine();
        output.WriteLine($"3. filtered, sorted page from the mirror: {settings.Queries} queries over {Shapes.Length} shapes vs conntrack -L -s {BenchFlows.HotSource}");
        var parsed = Shapes.Select(s => (Text: s.Filter, s.Sort, Filter: FlowFilter.Parse(s.Filter), SortSpec: SortSpec.Parse(s.Sort), s.Page, s.Size)).ToArray();
        // Warm-up: JIT of the matcher, sorter and decoder paths.
        foreach (var shape in parsed)
            for (var i = 0; i < 3; i++) mirror.Query(shape.Filter, shape.SortSpec, shape.Page, shape.Size);

        var perShape = parsed.Select(_ => new List<double>()).ToArray();
        var matches = new int[parsed.Length];
        var all = new List<double>(settings.Queries);
        var allCpu = new List<double>(settings.Queries);
        for (var q = 0; q < settings.Queries; q++)
        {
            var index = q % parsed.Length;
            var shape = parsed[index];
            // Filter text is parsed inside the timing: the API and the page receive text.
            FlowPage? page = null;
            var sample = Sample.Measure(() => page = mirror.Query(FlowFilter.Parse(shape.Text), SortSpec.Parse(shape.Sort), shape.Page, shape.Size));
            var ms = sample.Wall.TotalMilliseconds;
            perShape[index].Add(ms);
            all.Add(ms);
            allCpu.Add(sample.Cpu.TotalMilliseconds);
            matches[index] = page!.TotalMatching;
            if (page.Rows.Count == 0) context.Log($"WARNING: '{shape.Text}' page {shape.Page} is empty");
        }
        for (var i = 0; i < parsed.Length; i++)
            context.Log(string.Create(CultureInfo.InvariantCulture,
                $"{parsed[i].Text,-40} sort {parsed[i].Sort,-16} page {parsed[i].Page,2}×{parsed[i].Size,-3} {matches[i],8:N0} matches  " +
                $"p50 {Statistics.Median(perShape[i]):0.00} ms  p95 {Statistics.Percentile(perShape[i], 95):0.00} ms"));

        // Free text formats each entry as its conntrack -L line: shown apart, it is not the structured page the target is about.
        var freeText = FlowFilter.Parse("\"10.77.121.7 \"");
        var freeTimes = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var page = mirror.Query(freeText, SortSpec.Parse("sport"), 0, 50);
            freeTimes.Add(clock.Elapsed.TotalMilliseconds);
            if (i == 0) context.Log($"free text \"10.77.121.7 \": {page.TotalMatching:N0} matches");
        }

        var anchorSamples = new List<Sample>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var result = TimedCommand.RunChecked(context.Ns, $"conntrack -L -s {BenchFlows.HotSource}");
            anchorSamples.Add(Sample.Of(result));
            var shown = ListingBench.ShownCount(result.StandardError);
            if (shown != settings.HotEntries) context.Log($"WARNING: conntrack -L -s showed {shown:N0} entries");
        }
        var anchor = Statistics.MedianWall(anchorSamples) * 1000;
        var anchorCpu = Statistics.MedianCpu(anchorSamples) * 1000;
        var cpuP95 = Statistics.Percentile(allCpu, 95);
        context.Log(string.Create(CultureInfo.InvariantCulture,
            $"all shapes: wall p50 {Statistics.Median(all):0.00} ms p95 {Statistics.Percentile(all, 95):0.00} ms; CPU per query (all threads) p50 {Statistics.Median(allCpu):0.00} ms p95 {cpuP95:0.00} ms"));
        var p50 = Statistics.Median(all);
        var p95 = Statistics.Percentile(all, 95);
        context.Report.Add(new ReportRow("3", $"mirror page query p95 ({settings.Queries} queries, {Shapes.Length} shapes)",
            $"p95 {Statistics.Milliseconds(p95)}, p50 {Statistics.Milliseconds(p50)}, max {Statistics.Milliseconds(all.Max())}",
            $"conntrack -L -s {Statistics.Spread(anchorSamples)}", Statistics.Ratio(p95 / anchor),
            $"≤ {QueryP95TargetMs:0} ms p95", p95 <= QueryP95TargetMs,
            string.Create(CultureInfo.InvariantCulture, $"{Statistics.Ratio(cpuP95 / anchorCpu)} (p95 {cpuP95:0.0} ms / {anchorCpu:0} ms)")));
        context.Report.Add(new ReportRow("3b", "mirror page, free-text filter (formats every entry)",
            $"p50 {Statistics.Milliseconds(Statistics.Median(freeTimes))} of 5", "conntrack -L -s",
            Statistics.Ratio(Statistics.Median(freeTimes) / anchor), "(diagnostic)", null));
        return new MirrorQueryFigures(p50, p95, anchor, anchorCpu, matches);
    }
}

/// <summary>Item 3 in process: page query p50/p95 (ms), the conntrack -L -s anchor (wall and CPU medians, ms), and each shape's match count.</summary>
internal sealed record MirrorQueryFigures(double P50, double P95, double AnchorMs, double AnchorCpuMs, int[] Matches);
