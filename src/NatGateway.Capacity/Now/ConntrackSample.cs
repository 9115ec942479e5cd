namespace NatGateway.Capacity.Now;

/// <summary>
/// Per-CPU conntrack statistics summed over CPUs (<c>conntrack -S</c>, /proc/net/stat/nf_conntrack). Plain numbers:
/// the conntrack engine reads them; this project only does the arithmetic.
/// </summary>
public sealed record ConntrackStatCounters(long Drop, long EarlyDrop, long InsertFailed)
{
    public static ConntrackStatCounters Zero { get; } = new(0, 0, 0);
}

/// <summary>One observation of the table: when, nf_conntrack_count, nf_conntrack_max, nf_conntrack_buckets and the counters.</summary>
public sealed record ConntrackSample(DateTimeOffset Time, long Count, long Max, long Buckets, ConntrackStatCounters Stats);
