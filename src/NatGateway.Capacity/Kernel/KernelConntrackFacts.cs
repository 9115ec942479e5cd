namespace NatGateway.Capacity.Kernel;

/// <summary>
/// What the running kernel says about conntrack memory and limits, as read by <see cref="KernelConntrackFactsReader"/>.
/// Sysctls under net.netfilter are those of the reading thread's network namespace; nf_conntrack_max and
/// nf_conntrack_buckets are global (writable only in the initial namespace).
/// </summary>
public sealed record KernelConntrackFacts
{
    public required KernelVersion Kernel { get; init; }
    public int PageSize { get; init; } = 4096;
    /// <summary>MemTotal from /proc/meminfo, in bytes.</summary>
    public long MemTotalBytes { get; init; }
    /// <summary>The nf_conntrack slab cache row (object size, packing), null if conntrack is not initialised.</summary>
    public SlabCache? ConntrackSlab { get; init; }
    /// <summary>The generic kmalloc-N caches (not -cg/-rcl/-dma), used for the packing of the extension area.</summary>
    public IReadOnlyList<SlabCache> KmallocCaches { get; init; } = [];
    public long? ConntrackMax { get; init; }
    public long? Buckets { get; init; }
    public long? Count { get; init; }
    /// <summary>nf_conntrack_acct: per-flow packet/byte counters (adds the acct extension to every new entry).</summary>
    public bool Accounting { get; init; }
    /// <summary>nf_conntrack_timestamp: start/stop timestamps (adds the tstamp extension).</summary>
    public bool Timestamps { get; init; }
    /// <summary>nf_conntrack_events: 0 off, 1 always (ecache extension on every entry), 2 only while a ctnetlink event listener exists (kernel ≥ 6.0 default).</summary>
    public int? EventsMode { get; init; }
    /// <summary>nf_conntrack_helper (automatic helper assignment); removed in kernel 6.0, so usually null.</summary>
    public bool? AutomaticHelperAssignment { get; init; }
    public ConntrackTimeouts Timeouts { get; init; } = ConntrackTimeouts.KernelDefaults;
    /// <summary>net.ipv4.ip_local_port_range: the ephemeral ports of connections the gateway itself opens.</summary>
    public PortRange? LocalPortRange { get; init; }
}
