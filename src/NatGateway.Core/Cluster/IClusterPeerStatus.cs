namespace NatGateway.Core.Cluster;

/// <summary>Where configuration replication between the two nodes stands, as this node sees it.</summary>
public enum PeerReplicationState
{
    /// <summary>No cluster sync configured on this node (a single gateway).</summary>
    NotConfigured,
    /// <summary>Not contacted yet since natgw started.</summary>
    Unknown,
    /// <summary>The peer holds the revision in force here (same id, same replicated content).</summary>
    InSync,
    /// <summary>The peer answers but lacks revisions in force here; the primary is sending them.</summary>
    Behind,
    /// <summary>The peer did not answer (down, the sync link is down, or a TLS/HTTP failure): a warning; resent when it is back.</summary>
    Unreachable,
    /// <summary>The peer holds revisions or content this node does not: never overwritten without a resync action.</summary>
    Diverged,
    /// <summary>The peer refused the request's signature (a different shared secret, or clocks further apart than the replay window).</summary>
    AuthenticationFailed,
    /// <summary>This node is the backup: it receives revisions and sends none.</summary>
    Receiving,
}

/// <summary>
/// Configuration replication as this node sees it: the peer's reachability, its revision against this node's, how far
/// behind it is, and the last error. Shared by the Cluster page, <c>GET /api/v1/cluster</c>, <c>natgw ha status</c>, the
/// doctor and the metrics (defined by ha-sync, read by ha-config).
/// </summary>
public sealed record ClusterPeerStatus
{
    public required PeerReplicationState State { get; init; }
    /// <summary>The peer's node name as it reported it; null before the first answer.</summary>
    public string? PeerName { get; init; }
    /// <summary>The last request to the peer got an authenticated answer.</summary>
    public bool Reachable { get; init; }
    /// <summary>The revision in force on this node (null: none yet).</summary>
    public long? LocalRevisionId { get; init; }
    /// <summary>The revision in force on the peer as it last reported it (null: unknown or none).</summary>
    public long? PeerRevisionId { get; init; }
    /// <summary>Revisions put in force here (newer than the peer's) that the peer has not received; 0 in sync.</summary>
    public int BehindBy { get; init; }
    /// <summary>The peer's VRRP state as it reported it (both nodes primary = split brain); null when unknown.</summary>
    public VrrpState? PeerVrrpState { get; init; }
    /// <summary>The peer's keepalived/conntrackd status as it reported it; null when unknown.</summary>
    public ClusterServicesStatus? PeerServices { get; init; }
    /// <summary>The last failure, in words (null after a success).</summary>
    public string? LastError { get; init; }
    /// <summary>Why this node's sync listener is not listening (null: listening, or cluster mode off).</summary>
    public string? ListenerError { get; init; }
    /// <summary>When the peer last answered an authenticated request.</summary>
    public DateTimeOffset? LastContact { get; init; }
    /// <summary>When a revision was last replicated (sent by the primary, or received by the backup).</summary>
    public DateTimeOffset? LastReplicated { get; init; }

    public static ClusterPeerStatus NotConfigured { get; } = new() { State = PeerReplicationState.NotConfigured };

    /// <summary>A state the doctor and the page show as a warning: unreachable, behind, diverged or refused.</summary>
    public bool IsWarning => State is PeerReplicationState.Unreachable or PeerReplicationState.Behind or PeerReplicationState.Diverged
        or PeerReplicationState.AuthenticationFailed || ListenerError is not null;
}

/// <summary>The replication state of this node's peer, kept current by the configuration sync.</summary>
public interface IClusterPeerStatus
{
    ClusterPeerStatus Current { get; }

    /// <summary>Raised after <see cref="Current"/> changes (pages refresh live).</summary>
    event Action? Changed;
}

/// <summary>A node without cluster sync: nothing to report.</summary>
public sealed class NoClusterPeer : IClusterPeerStatus
{
    public ClusterPeerStatus Current => ClusterPeerStatus.NotConfigured;

    public event Action? Changed { add { } remove { } }
}
