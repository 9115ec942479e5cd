namespace NatGateway.Core.Capacity;

/// <summary>
/// What POST /api/v1/capacity/apply and the Capacity page's Apply button change:
/// <c>{"conntrackMax": 524288, "buckets": 524288, "timeouts": {"nf_conntrack_udp_timeout": 10}, "persist": true}</c>.
/// Omitted values are left alone.
/// </summary>
public sealed record CapacityApplyRequest
{
    /// <summary>net.netfilter.nf_conntrack_max (global; initial namespace only).</summary>
    public long? ConntrackMax { get; init; }
    /// <summary>net.netfilter.nf_conntrack_buckets (global; initial namespace only; the kernel rounds it to whole pages).</summary>
    public long? Buckets { get; init; }
    /// <summary>Timeout sysctl name (e.g. nf_conntrack_tcp_timeout_time_wait) → seconds; per namespace.</summary>
    public IReadOnlyDictionary<string, int> Timeouts { get; init; } = new Dictionary<string, int>();
    /// <summary>Also write the sysctl.d file (and, for buckets, the modprobe.d hashsize option).</summary>
    public bool Persist { get; init; }

    public bool IsEmpty => ConntrackMax is null && Buckets is null && Timeouts.Count == 0;
}
