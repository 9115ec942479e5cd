using NatGateway.Conntrack;

namespace NatGateway.Core.Conntrack;

/// <summary>Per-CPU counter increments per second between two samples of <c>conntrack -S</c>.</summary>
public sealed record CpuStatsRates(
    int Cpu,
    double Found,
    double Invalid,
    double Insert,
    double InsertFailed,
    double Drop,
    double EarlyDrop,
    double Error,
    double SearchRestart,
    double ClashResolve,
    double ChainTooLong)
{
    public static CpuStatsRates Zero(int cpu) => new(cpu, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>True when a counter that means lost or refused connections moved: insert_failed (NAT port clash,
    /// a full bucket), drop ("table full, dropping packet") or early_drop (evicting unassured entries to make room).</summary>
    public bool HasTrouble => InsertFailed > 0 || Drop > 0 || EarlyDrop > 0;
}

/// <summary>One point of the entry-count chart.</summary>
public readonly record struct EntryCountPoint(DateTimeOffset Time, uint Entries);

/// <summary>
/// One sample of the table's size and per-CPU counters (<c>conntrack -C</c>, <c>conntrack -S</c>) with rates since the
/// previous sample, and the recent entry-count history for the chart.
/// </summary>
/// <param name="Time">When it was taken.</param>
/// <param name="Entries">Entries in this namespace's table.</param>
/// <param name="Max">nf_conntrack_max (global), when the kernel reports it.</param>
/// <param name="Counters">Raw per-CPU counters (monotonic since boot, per namespace).</param>
/// <param name="Rates">Per-CPU rates since the previous sample (zero for the first one).</param>
/// <param name="History">Entry counts of the last <see cref="ConntrackMirrorService.HistoryLength"/> samples, oldest first.</param>
/// <param name="Error">Why the sample could not be read, if it could not.</param>
public sealed record ConntrackStatsSample(
    DateTimeOffset Time,
    uint Entries,
    uint? Max,
    IReadOnlyList<CpuStats> Counters,
    IReadOnlyList<CpuStatsRates> Rates,
    IReadOnlyList<EntryCountPoint> History,
    string? Error)
{
    public static ConntrackStatsSample Empty { get; } = new(DateTimeOffset.MinValue, 0, null, [], [], [], null);

    /// <summary>Rates of all CPUs summed.</summary>
    public CpuStatsRates TotalRates => ConntrackStatsMath.Sum(Rates);

    /// <summary>Entries / max in 0..1 (null when max is unknown or zero).</summary>
    public double? Fill => Max is > 0 ? (double)Entries / Max.Value : null;
}

/// <summary>Sums and rates of per-CPU counters. The kernel's counters are 32-bit and wrap: differences are taken modulo 2^32.</summary>
public static class ConntrackStatsMath
{
    public static CpuStats Sum(IEnumerable<CpuStats> all)
    {
        uint found = 0, invalid = 0, insert = 0, insertFailed = 0, drop = 0, earlyDrop = 0, error = 0, restart = 0, clash = 0, chain = 0;
        foreach (var s in all)
        {
            unchecked
            {
                found += s.Found; invalid += s.Invalid; insert += s.Insert; insertFailed += s.InsertFailed; drop += s.Drop;
                earlyDrop += s.EarlyDrop; error += s.Error; restart += s.SearchRestart; clash += s.ClashResolve; chain += s.ChainTooLong;
            }
        }
        return new CpuStats(-1, found, invalid, insert, insertFailed, drop, earlyDrop, error, restart, clash, chain);
    }

    public static CpuStatsRates Sum(IEnumerable<CpuStatsRates> all)
    {
        var t = CpuStatsRates.Zero(-1);
        foreach (var r in all)
            t = t with
            {
                Found = t.Found + r.Found, Invalid = t.Invalid + r.Invalid, Insert = t.Insert + r.Insert,
                InsertFailed = t.InsertFailed + r.InsertFailed, Drop = t.Drop + r.Drop, EarlyDrop = t.EarlyDrop + r.EarlyDrop,
                Error = t.Error + r.Error, SearchRestart = t.SearchRestart + r.SearchRestart,
                ClashResolve = t.ClashResolve + r.ClashResolve, ChainTooLong = t.ChainTooLong + r.ChainTooLong,
            };
        return t;
    }

    /// <summary>Increments per second from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static CpuStatsRates Rate(CpuStats before, CpuStats after, TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        if (seconds <= 0) return CpuStatsRates.Zero(after.Cpu);
        double D(uint a, uint b) => unchecked(b - a) / seconds;
        return new CpuStatsRates(after.Cpu,
            D(before.Found, after.Found), D(before.Invalid, after.Invalid), D(before.Insert, after.Insert),
            D(before.InsertFailed, after.InsertFailed), D(before.Drop, after.Drop), D(before.EarlyDrop, after.EarlyDrop),
            D(before.Error, after.Error), D(before.SearchRestart, after.SearchRestart),
            D(before.ClashResolve, after.ClashResolve), D(before.ChainTooLong, after.ChainTooLong));
    }
}
