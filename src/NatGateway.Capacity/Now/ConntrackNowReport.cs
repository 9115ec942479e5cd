namespace NatGateway.Capacity.Now;

/// <summary>The "Now" view: how full the table is, what it costs, how fast it grows, and what is being dropped.</summary>
public sealed record ConntrackNowReport
{
    public long Count { get; init; }
    public long Max { get; init; }
    public long Buckets { get; init; }
    public double FillRatio { get; init; }
    /// <summary>Predicted kernel memory of the current entries.</summary>
    public long EntriesMemoryBytes { get; init; }
    public long BucketsMemoryBytes { get; init; }
    /// <summary>Entries per second between the two samples (negative when shrinking); null with a single sample.</summary>
    public double? GrowthPerSecond { get; init; }
    /// <summary>Minutes until count reaches max at the current growth; null when not growing.</summary>
    public double? MinutesUntilFull { get; init; }
    public double? DropsPerSecond { get; init; }
    public double? EarlyDropsPerSecond { get; init; }
    public double? InsertFailedPerSecond { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
