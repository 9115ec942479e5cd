namespace NatGateway.Core.Cluster;

/// <summary>
/// What this node knows about its peer: the configuration-sync client (ha-sync) implements it; the Cluster page, the API,
/// <c>natgw ha status</c>, the doctor and the metrics read it. <see cref="Current"/> never blocks on the network: it is
/// the last state the sync client saw.
/// </summary>
public interface IClusterPeerStatus
{
    ClusterPeerState Current { get; }

    /// <summary>Raised (on any thread) whenever <see cref="Current"/> changes: pages refresh, no polling.</summary>
    event Action<ClusterPeerState>? Changed;
}

/// <summary>How the configuration sync with the peer stands.</summary>
public enum PeerReplication
{
    /// <summary>Cluster mode is off, or no sync client runs in this process.</summary>
    NotConfigured,
    /// <summary>Not contacted yet since start.</summary>
    Unknown,
    /// <summary>The peer answers and holds this node's revision in force (or this node is the backup and is in step).</summary>
    InSync,
    /// <summary>The peer answers but lacks revisions (<see cref="ClusterPeerState.BehindBy"/>); they are being sent.</summary>
    Behind,
    /// <summary>The peer's revision history is not this node's: a warning, never overwritten without a resync action.</summary>
    Diverged,
    /// <summary>The peer did not answer (<see cref="ClusterPeerState.LastError"/>); the primary resends when it is back.</summary>
    Unreachable,
}

/// <summary>
/// One snapshot of the peer as seen over the sync link: reachability and replication, and the peer's own cluster
/// services (its VRRP state, last transition, conntrackd counters) and revision in force, for "both nodes" on the page
/// and the split-brain check.
/// </summary>
public sealed record ClusterPeerState
{
    public required PeerReplication Replication { get; init; }
    public bool Reachable => Replication is PeerReplication.InSync or PeerReplication.Behind or PeerReplication.Diverged;
    /// <summary>When the peer last answered; null when never.</summary>
    public DateTimeOffset? LastContact { get; init; }
    /// <summary>The peer's node name as it reports it.</summary>
    public string? Name { get; init; }
    /// <summary>The revision in force on the peer; null when unknown.</summary>
    public long? RevisionId { get; init; }
    /// <summary>How many revisions the peer lacks (0 in sync).</summary>
    public int BehindBy { get; init; }
    public string? LastError { get; init; }
    /// <summary>The peer's keepalived/conntrackd status as it reported it; null when unknown.</summary>
    public ClusterServicesStatus? Services { get; init; }

    public static ClusterPeerState NotConfigured { get; } = new() { Replication = PeerReplication.NotConfigured };
}

/// <summary>The peer status until the configuration sync is registered: nothing is known about a peer.</summary>
public sealed class NoClusterPeerStatus : IClusterPeerStatus
{
    public ClusterPeerState Current => ClusterPeerState.NotConfigured;

    public event Action<ClusterPeerState>? Changed
    {
        add { }
        remove { }
    }
}
