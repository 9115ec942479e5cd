using NatGateway.Capacity.Kernel;
using NatGateway.Conntrack;
using NatGateway.Core.Kernel;
using NatGateway.Core.Settings;
using NatGateway.Nat;

namespace NatGateway.Core.Doctor;

/// <summary>
/// Everything the checks read, gathered once per run (<see cref="DoctorSnapshotCollector"/>) so every check sees the
/// same moment; <see cref="Previous"/> is the run before, for rates. Checks are pure functions of a snapshot, so tests
/// build snapshots by hand for the logic and let the collector read a lab namespace for the real-kernel cases.
/// </summary>
public sealed record DoctorSnapshot
{
    public required DateTimeOffset At { get; init; }

    /// <summary>Forwarding and rp_filter (KernelSettingsService.Read: /proc/sys/net/ipv4/...).</summary>
    public required Fact<KernelSettingsView> Settings { get; init; }

    /// <summary>nf_conntrack_max, buckets, count, events mode, timeouts, slab sizes (the capacity model's facts).</summary>
    public required Fact<KernelConntrackFacts> Conntrack { get; init; }

    /// <summary><c>conntrack -S</c>: per-CPU insert_failed, drop, early_drop, clash_resolve, chaintoolong.</summary>
    public required Fact<IReadOnlyList<CpuStats>> CpuStats { get; init; }

    public required Fact<IReadOnlyList<NetworkInterfaceInfo>> Interfaces { get; init; }
    public required Fact<IReadOnlyList<RouteInfo>> Routes { get; init; }
    public required Fact<IReadOnlyList<RoutingRule>> RoutingRules { get; init; }
    public required Fact<IReadOnlyList<SoftnetCpu>> Softnet { get; init; }
    public required Fact<InterruptTable> Interrupts { get; init; }
    public required Fact<IReadOnlyList<RpsQueue>> Rps { get; init; }
    public required Fact<IReadOnlyList<InterfaceOffloads>> Offloads { get; init; }

    /// <summary>The netfilter kernel-log lines of the recent window (<see cref="DoctorService.KernelLogWindow"/>), oldest first.</summary>
    public required Fact<IReadOnlyList<KernelLogLine>> KernelLog { get; init; }

    /// <summary>The rules of the revision in force (what the kernel runs), not the draft.</summary>
    public required Fact<IReadOnlyList<NatRule>> Rules { get; init; }

    /// <summary>
    /// The interface fixes of the revision in force: interfaces whose LRO natgw keeps off, and interfaces whose TCP MSS
    /// it clamps (chain mssclamp). Not required, so that snapshots built by hand default to "none in force".
    /// </summary>
    public Fact<Revisions.InterfaceFixes> InterfaceFixes { get; init; } = new(Revisions.InterfaceFixes.None, InterfaceFixesSource);

    public const string InterfaceFixesSource = "the revision in force (interface fixes)";

    public required Fact<IReadOnlyList<SnatPortUse>> SnatPorts { get; init; }
    public required Fact<StateCensus> States { get; init; }

    /// <summary>The HA pair as the Cluster page shows it (this node's services, the peer, findings). Not required: snapshots
    /// built by hand, and a doctor without the cluster feature, have none (its checks are then not applicable).</summary>
    public Fact<Cluster.ClusterView> Cluster { get; init; } = Fact<Cluster.ClusterView>.Missing(ClusterSource, "the cluster feature is not registered");

    public const string ClusterSource = "keepalived notify, conntrackd -s, the configuration sync (ClusterService)";

    /// <summary>Whether a conntrack event listener is known to exist (natgw's own mirror is live).</summary>
    public bool ConntrackEventListener { get; init; }

    /// <summary>The snapshot before this one (its own <see cref="Previous"/> is dropped), or null on the first run.</summary>
    public DoctorSnapshot? Previous { get; init; }

    /// <summary>Per-second rate of a counter between <see cref="Previous"/> and this snapshot; null without both values.</summary>
    public double? Rate(Func<DoctorSnapshot, double?> counter)
    {
        if (Previous is null) return null;
        var seconds = (At - Previous.At).TotalSeconds;
        if (seconds <= 0 || counter(this) is not { } now || counter(Previous) is not { } before) return null;
        return Math.Max(0, now - before) / seconds;
    }
}
