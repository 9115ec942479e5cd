using NatGateway.Conntrack.Mirror.Query;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// Item 4: delete the hot set (every entry from <see cref="BenchFlows.HotSource"/>) out of the full table. Ours is
/// what <c>natgw conntrack delete</c> and the API run: the filter text parsed, its kernel-side part (CTA_FILTER on the
/// original source) pushed into the dump, the predicate re-checked, the matches deleted in batched requests
/// (<c>ConntrackClient.DeleteWhere</c>). The anchor is <c>conntrack -D -s ADDR</c>. The hot set is recreated after
/// each delete, so every delete starts from the same full table; the two alternate which goes first.
/// </summary>
internal static class DeleteBench
{
    private const double TargetSeconds = 1.5;

    public static void Measure(BenchContext context)
    {
        var output = context.Output;
        var settings = context.Settings;
        output.WriteLine();
        output.WriteLine($"4. delete {settings.HotEntries:N0} of {settings.Entries:N0} by filter (src {BenchFlows.HotSource}), {settings.Rounds} rounds, alternating");
        var ours = new List<Sample>();
        var anchor = new List<Sample>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var oursFirst = round % 2 == 0;
            for (var turn = 0; turn < 2; turn++)
            {
                if ((turn == 0) == oursFirst) ours.Add(DeleteOurs(context, round));
                else anchor.Add(DeleteWithConntrack(context, round));
                Refill(context);
            }
        }
        var oursMedian = Statistics.MedianWall(ours);
        var anchorMedian = Statistics.MedianWall(anchor);
        context.Report.Add(new ReportRow("4", $"delete {settings.HotEntries:N0} of {settings.Entries:N0} by filter (DeleteWhere + pushdown)",
            Statistics.Spread(ours), "conntrack -D -s " + Statistics.Spread(anchor), Statistics.Ratio(oursMedian / anchorMedian),
            $"≤ {TargetSeconds} s", oursMedian <= TargetSeconds, Statistics.CpuRatio(ours, anchor)));
    }

    private static Sample DeleteOurs(BenchContext context, int round)
    {
        var removed = 0;
        var sample = Sample.Measure(() =>
        {
            var filter = FlowFilter.Parse($"src {BenchFlows.HotSource}");
            var request = filter.KernelFilter;
            removed = context.Client.DeleteWhere(request.Filter, filter.ToPredicate(), request.Family);
        });
        context.Log($"round {round + 1}: DeleteWhere removed {removed:N0} in {sample.Wall.TotalSeconds:0.000} s, CPU {sample.Cpu.TotalSeconds:0.000} s (load {Statistics.LoadAverage()})");
        if (removed != context.Settings.HotEntries) context.Log($"WARNING: expected {context.Settings.HotEntries:N0} removed");
        return sample;
    }

    private static Sample DeleteWithConntrack(BenchContext context, int round)
    {
        var result = TimedCommand.RunChecked(context.Ns, $"conntrack -D -s {BenchFlows.HotSource}");
        var removed = ListingBench.ShownCount(result.StandardError);
        context.Log($"round {round + 1}: conntrack -D -s removed {removed:N0} in {result.Elapsed.TotalSeconds:0.000} s, CPU {result.CpuTime.TotalSeconds:0.000} s (load {Statistics.LoadAverage()})");
        if (removed != context.Settings.HotEntries) context.Log($"WARNING: expected {context.Settings.HotEntries:N0} removed");
        return Sample.Of(result);
    }

    private static void Refill(BenchContext context)
    {
        var result = context.Client.CreateMany(BenchFlows.Hot(context.Settings.HotEntries));
        if (result.Failed != 0) throw new InvalidOperationException("refilling the hot set: " + result);
        var count = context.KernelCount;
        if (count != context.Settings.Entries) throw new InvalidOperationException($"table holds {count:N0} entries after the refill, expected {context.Settings.Entries:N0}");
    }
}
