using NatGateway.Core.Kernel;
using NatGateway.Nat;

namespace NatGateway.Core.Cluster;

/// <summary>
/// One node of the pair as the Cluster page, <c>GET /api/v1/cluster</c> and <c>natgw ha status</c> show it. For the peer,
/// what its sync client last reported (<see cref="IClusterPeerStatus"/>); unknown values are null.
/// </summary>
public sealed record ClusterNodeView
{
    public string? Name { get; init; }
    /// <summary>The configured role (this node only: the peer's own configuration is its business).</summary>
    public ClusterNodeRole? ConfiguredRole { get; init; }
    public int? Priority { get; init; }
    /// <summary>What keepalived runs with (1 while standing down after "fail over now").</summary>
    public int? EffectivePriority { get; init; }
    public bool StandDown { get; init; }
    public required VrrpState State { get; init; }
    /// <summary>True when the node holds the virtual addresses (VRRP primary).</summary>
    public bool HoldsVirtualAddresses => State == VrrpState.Primary;
    public VrrpTransition? LastTransition { get; init; }
    public bool? KeepalivedRunning { get; init; }
    public bool? ConntrackdRunning { get; init; }
    public ConntrackdStats? Sync { get; init; }
    /// <summary>The revision in force on that node.</summary>
    public long? RevisionId { get; init; }
    /// <summary>Why the services' status could not be read (agent away, services not built), or null.</summary>
    public string? StatusError { get; init; }
}

/// <summary>The configuration sync as this node sees it.</summary>
public sealed record ClusterReplicationView(PeerReplicationState State, DateTimeOffset? LastContact, int BehindBy, string? LastError);

/// <summary>Something wrong with the pair. The same findings feed the page's warnings, the doctor's checks and the metrics.</summary>
public enum ClusterFindingKind
{
    /// <summary>keepalived reports FAULT (an interface it tracks is down).</summary>
    VrrpFault,
    /// <summary>Cluster mode is on but keepalived or conntrackd is not running here.</summary>
    ServicesDown,
    /// <summary>conntrackd counts lost sync messages: a failover may drop connections.</summary>
    SyncLosses,
    /// <summary>Both nodes report VRRP primary: split brain (the sync link or VRRP adverts are cut).</summary>
    BothPrimary,
    /// <summary>An enabled masquerade rule is in force in cluster mode (refused for new changes; one from before).</summary>
    MasqueradeInClusterMode,
    /// <summary>The backup holds another revision than the primary.</summary>
    RevisionMismatch,
    /// <summary>The peer does not answer on the sync link.</summary>
    PeerUnreachable,
    /// <summary>The peer lacks revisions; the primary is sending them.</summary>
    PeerBehind,
    /// <summary>The peer's history is not this node's: resync needed.</summary>
    PeerDiverged,
    /// <summary>No shared secret: the configuration sync refuses to run.</summary>
    SecretMissing,
}

public enum ClusterFindingSeverity
{
    Warning,
    Critical,
}

public sealed record ClusterFinding(ClusterFindingKind Kind, ClusterFindingSeverity Severity, string Message);

/// <summary>A rule named by id and name.</summary>
public sealed record ClusterRuleRef(Guid Id, string Name);

/// <summary>The whole picture: configuration, both nodes, replication and what is wrong.</summary>
public sealed record ClusterView
{
    public required DateTimeOffset At { get; init; }
    /// <summary>The configuration in force (null: never configured). Never holds the shared secret.</summary>
    public ClusterConfig? Config { get; init; }
    public bool Enabled => Config is { Enabled: true };
    public required ClusterSecretInfo Secret { get; init; }
    public required ClusterNodeView Local { get; init; }
    public required ClusterNodeView Peer { get; init; }
    public required ClusterReplicationView Replication { get; init; }
    /// <summary>Enabled masquerade rules in force (their ids and names): the conversion offers SNAT to the outside VIP.</summary>
    public IReadOnlyList<ClusterRuleRef> MasqueradeRules { get; init; } = [];
    public IReadOnlyList<ClusterFinding> Findings { get; init; } = [];
}

/// <summary>Pure evaluation of a <see cref="ClusterView"/>'s findings (shared by the page, the doctor and the metrics).</summary>
public static class ClusterHealth
{
    /// <summary>Lost sync messages above this share of those sent warn (a few are retransmitted by FTFW; a trend is not).</summary>
    public const double LossWarningShare = 0.001;

    public static IReadOnlyList<ClusterFinding> Evaluate(ClusterView v, IReadOnlyList<NatRule> rulesInForce)
    {
        var findings = new List<ClusterFinding>();
        if (!v.Enabled) return findings;
        var local = v.Local;
        if (local.StatusError is { } error)
            findings.Add(new(ClusterFindingKind.ServicesDown, ClusterFindingSeverity.Critical, $"the cluster services do not answer: {error}"));
        else if (local.KeepalivedRunning == false || local.ConntrackdRunning == false)
            findings.Add(new(ClusterFindingKind.ServicesDown, ClusterFindingSeverity.Critical,
                $"cluster mode is on but {(local.KeepalivedRunning == false ? "keepalived" : "conntrackd")} is not running on {local.Name}"));
        if (local.State == VrrpState.Fault)
            findings.Add(new(ClusterFindingKind.VrrpFault, ClusterFindingSeverity.Critical,
                $"{local.Name} is in VRRP FAULT{(local.LastTransition is { } t ? $" since {t.At:u} ({t.Reason})" : "")}: it cannot take over"));
        if (local.Sync is { MessagesLost: > 0 } sync && sync.MessagesLost > LossWarningShare * Math.Max(1, sync.MessagesSent + sync.MessagesReceived))
            findings.Add(new(ClusterFindingKind.SyncLosses, ClusterFindingSeverity.Warning,
                $"conntrackd lost {sync.MessagesLost} sync message(s) of {sync.MessagesSent + sync.MessagesReceived}: connections may not survive a failover"));
        if (local.State == VrrpState.Primary && v.Peer.State == VrrpState.Primary)
            findings.Add(new(ClusterFindingKind.BothPrimary, ClusterFindingSeverity.Critical,
                $"both {local.Name} and {v.Peer.Name ?? "the peer"} are VRRP primary (split brain): check the links and the VRRP adverts between them"));
        var masquerade = rulesInForce.OfType<MasqueradeRule>().Where(m => m.Enabled).ToList();
        if (masquerade.Count > 0)
            findings.Add(new(ClusterFindingKind.MasqueradeInClusterMode, ClusterFindingSeverity.Warning,
                $"masquerade rule(s) {string.Join(", ", masquerade.Select(m => $"'{m.Name}'"))} in force in cluster mode: after a failover the peer translates to its own address; convert to SNAT to the outside VIP"));
        // No finding for an SNAT rule matching any source and protocol out of the outside interface: it would also match
        // keepalived's own adverts, but the compiled postrouting chain accepts VRRP untranslated before any source NAT rule
        // (NatRulesetCompiler's VRRP exemption), so the adverts always keep the node's own address.
        if (local.RevisionId is { } mine && v.Peer.RevisionId is { } theirs && mine != theirs && v.Replication.State != PeerReplicationState.Behind)
            findings.Add(new(ClusterFindingKind.RevisionMismatch, ClusterFindingSeverity.Warning,
                $"{local.Name} has revision {mine} in force, {v.Peer.Name ?? "the peer"} has {theirs}"));
        switch (v.Replication.State)
        {
            case PeerReplicationState.Unreachable:
                findings.Add(new(ClusterFindingKind.PeerUnreachable, ClusterFindingSeverity.Warning,
                    $"the peer does not answer on the sync link{(v.Replication.LastError is { } e ? $": {e}" : "")}"));
                break;
            case PeerReplicationState.Behind:
                findings.Add(new(ClusterFindingKind.PeerBehind, ClusterFindingSeverity.Warning,
                    $"the peer is {v.Replication.BehindBy} revision(s) behind; they are being sent"));
                break;
            case PeerReplicationState.Diverged:
                findings.Add(new(ClusterFindingKind.PeerDiverged, ClusterFindingSeverity.Critical,
                    "the peer's revision history differs from this node's; a resync is needed (nothing is overwritten by itself)"));
                break;
        }
        if (!v.Secret.IsSet)
            findings.Add(new(ClusterFindingKind.SecretMissing, ClusterFindingSeverity.Warning,
                "no shared secret is set: the configuration sync cannot authenticate the peer (natgw ha secret generate)"));
        return findings;
    }
}
