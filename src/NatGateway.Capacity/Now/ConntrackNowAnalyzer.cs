using System.Globalization;
using NatGateway.Capacity.Model;

namespace NatGateway.Capacity.Now;

/// <summary>Turns samples of the table into the "Now" report with warnings such as "the table is full in N minutes".</summary>
public sealed class ConntrackNowAnalyzer(ConntrackMemoryModel model)
{
    /// <summary>Warn when the table would be full within this many minutes.</summary>
    public double FullWithinMinutesWarning { get; init; } = 60;
    /// <summary>Warn when the table is at least this full.</summary>
    public double FillWarning { get; init; } = 0.9;

    public ConntrackNowReport Analyze(ConntrackSample current, ConntrackExtensions extensions, ConntrackSample? previous = null)
    {
        var ci = CultureInfo.InvariantCulture;
        var warnings = new List<string>();
        var fill = current.Max > 0 ? (double)current.Count / current.Max : 0;
        if (current.Max > 0 && fill >= FillWarning)
            warnings.Add(string.Create(ci, $"The conntrack table is {fill * 100:0}% full ({current.Count:N0} of {current.Max:N0})."));

        double? growth = null, minutes = null, drops = null, early = null, failed = null;
        if (previous is not null)
        {
            var seconds = (current.Time - previous.Time).TotalSeconds;
            if (seconds <= 0) throw new ArgumentException("the previous sample must be older than the current one");
            growth = (current.Count - previous.Count) / seconds;
            if (growth > 0 && current.Max > current.Count)
            {
                minutes = (current.Max - current.Count) / growth.Value / 60;
                if (minutes <= FullWithinMinutesWarning)
                    warnings.Add(string.Create(ci, $"At the current growth rate ({growth:0.#} entries/s) the table is full in {Math.Ceiling(minutes.Value):0} minutes."));
            }
            else if (growth > 0)
                minutes = 0;
            drops = Rate(previous.Stats.Drop, current.Stats.Drop, seconds);
            early = Rate(previous.Stats.EarlyDrop, current.Stats.EarlyDrop, seconds);
            failed = Rate(previous.Stats.InsertFailed, current.Stats.InsertFailed, seconds);
            if (drops > 0)
                warnings.Add(string.Create(ci, $"{drops:0.##} packets/s dropped because the table is full (\"nf_conntrack: table full, dropping packet\")."));
            if (early > 0)
                warnings.Add(string.Create(ci, $"{early:0.##} entries/s evicted early to make room (early_drop): the table is at its limit."));
            if (failed > 0)
                warnings.Add(string.Create(ci, $"{failed:0.##} inserts/s failed (insert_failed): clashing or full table."));
        }

        return new ConntrackNowReport
        {
            Count = current.Count,
            Max = current.Max,
            Buckets = current.Buckets,
            FillRatio = Math.Round(fill, 4),
            EntriesMemoryBytes = model.EntriesMemoryBytes(current.Count, extensions),
            BucketsMemoryBytes = model.BucketsMemoryBytes(current.Buckets),
            GrowthPerSecond = growth,
            MinutesUntilFull = minutes,
            DropsPerSecond = drops,
            EarlyDropsPerSecond = early,
            InsertFailedPerSecond = failed,
            Warnings = warnings,
        };
    }

    // Counters are per-CPU sums; a decrease means a CPU went offline or the namespace was recreated, so no rate.
    private static double? Rate(long before, long after, double seconds) => after >= before ? (after - before) / seconds : null;
}
