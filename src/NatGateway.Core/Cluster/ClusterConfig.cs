using System.Net;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Cluster;

/// <summary>A node's configured place in the pair: keepalived's initial state; the higher <see cref="ClusterNode.Priority"/> wins.</summary>
public enum ClusterNodeRole
{
    Primary,
    Backup,
}

/// <summary>Which side of the gateway a virtual address serves: the inside VIP is the clients' gateway, the outside VIP
/// is the address SNAT translates to (both nodes must produce the same translation for a synced entry to stay valid).</summary>
public enum VirtualAddressSide
{
    Inside,
    Outside,
}

/// <summary>One virtual address that moves with the primary role. Shared by both nodes; each node says which of its own
/// interfaces carries a side (<see cref="ClusterNode.InsideInterface"/>, <see cref="ClusterNode.OutsideInterface"/>).</summary>
public sealed record VirtualAddress(VirtualAddressSide Side, InterfaceAddress Address);

/// <summary>This node's own values: never replicated to the peer (interface names and sync address differ per node).</summary>
public sealed record ClusterNode
{
    /// <summary>Node name shown on the Cluster page and used as keepalived's router_id.</summary>
    public required string Name { get; init; }
    public required ClusterNodeRole Role { get; init; }
    /// <summary>VRRP priority 1..254 (255 is reserved for the address owner, RFC 5798 §5.2.4).</summary>
    public required int Priority { get; init; }
    public required string InsideInterface { get; init; }
    public required string OutsideInterface { get; init; }
    /// <summary>The dedicated link that carries conntrackd's state sync and the configuration sync.</summary>
    public required string SyncInterface { get; init; }
    /// <summary>This node's address on the sync link.</summary>
    public required InterfaceAddress SyncAddress { get; init; }
    /// <summary>
    /// "Fail over now": this node gives up the primary role while it is set. keepalived runs it with
    /// <see cref="EffectivePriority"/> = <see cref="StandDownPriority"/>, so the peer (any priority above 1, and preempting
    /// by default) takes over the VIPs; clearing it (or the commit-confirm window running out) gives the configured
    /// priority back and the node preempts again. Kept in the revision, so it survives restarts and rollback restores it.
    /// </summary>
    public bool StandDown { get; init; }

    /// <summary>The priority keepalived is given: <see cref="Priority"/>, or <see cref="StandDownPriority"/> while standing down.</summary>
    public int EffectivePriority => StandDown ? StandDownPriority : Priority;

    /// <summary>The lowest priority a VRRP router may have (RFC 5798 §5.2.4: 1..254 for a backup; 0 is "stop being master").</summary>
    public const int StandDownPriority = 1;
}

/// <summary>The other node as this node reaches it over the sync link.</summary>
public sealed record ClusterPeer
{
    public required string Name { get; init; }
    public required IPAddress SyncAddress { get; init; }
    /// <summary>TCP port of the peer's configuration-sync listener on <see cref="SyncAddress"/>.</summary>
    public required int SyncPort { get; init; }
}

/// <summary>
/// The pair's configuration. Stored in a revision and changed only through one (commit-confirmed like every change).
/// The shared part (<see cref="VirtualRouterId"/>, <see cref="AdvertInterval"/>, <see cref="VirtualAddresses"/>) is
/// replicated to the peer; <see cref="Local"/> stays on this node. The peers' shared secret is not part of it: it lives
/// in its own store and never appears in a revision, a diff or an API answer.
/// </summary>
public sealed record ClusterConfig
{
    /// <summary>Cluster mode off: a single gateway (masquerade allowed, no keepalived/conntrackd).</summary>
    public required bool Enabled { get; init; }
    /// <summary>VRRP virtual_router_id 1..255, the same on both nodes.</summary>
    public required int VirtualRouterId { get; init; }
    /// <summary>VRRPv3 advert interval (centisecond steps, 0.01..40.95 s; RFC 5798 §5.2.7).</summary>
    public required TimeSpan AdvertInterval { get; init; }
    public required IReadOnlyList<VirtualAddress> VirtualAddresses { get; init; }
    public required ClusterNode Local { get; init; }
    public required ClusterPeer Peer { get; init; }

    /// <summary>The part both nodes hold alike, which the configuration sync replicates.</summary>
    public ClusterShared Shared => new(Enabled, VirtualRouterId, AdvertInterval, VirtualAddresses);

    /// <summary>This node's configuration with the pair's <paramref name="shared"/> part (a replicated revision on the backup).</summary>
    public ClusterConfig WithShared(ClusterShared shared) => this with
    {
        Enabled = shared.Enabled, VirtualRouterId = shared.VirtualRouterId, AdvertInterval = shared.AdvertInterval,
        VirtualAddresses = shared.VirtualAddresses,
    };
}

/// <summary>
/// The pair's shared configuration (<see cref="ClusterConfig.Shared"/>): cluster mode, the VRRP virtual router and its
/// addresses. Both nodes must hold the same, or VRRP elects nothing sensible and SNAT translates to different addresses;
/// the primary replicates it to the backup with every revision (<c>Sync/ReplicatedRevision</c>).
/// </summary>
public sealed record ClusterShared(bool Enabled, int VirtualRouterId, TimeSpan AdvertInterval, IReadOnlyList<VirtualAddress> VirtualAddresses)
{
    /// <summary>Value equality over the addresses too (a record compares lists by reference).</summary>
    public bool SameAs(ClusterShared other) => Enabled == other.Enabled && VirtualRouterId == other.VirtualRouterId
        && AdvertInterval == other.AdvertInterval && VirtualAddresses.SequenceEqual(other.VirtualAddresses);
}
