using NatGateway.Core.Cluster;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// The HA pair's checks, one per <see cref="CheckId"/>, each over the <see cref="ClusterHealth"/> findings it owns (the
/// same findings the Cluster page and the metrics show): VRRP state, sync losses and lag, both primary, masquerade in
/// cluster mode, a peer with another revision. Not applicable while cluster mode is off.
/// </summary>
public sealed class ClusterCheck(CheckId id, string title, string okSummary, string explanation, params ClusterFindingKind[] kinds) : IDoctorCheck
{
    public CheckId Id => id;
    public CheckArea Area => CheckArea.Cluster;

    public static IReadOnlyList<ClusterCheck> All { get; } =
    [
        new(CheckId.VrrpState, "VRRP state", "keepalived and conntrackd run; VRRP is not in FAULT",
            "keepalived holds the virtual addresses on the primary and conntrackd copies its connections to the backup. A node in " +
            "FAULT (an interface it watches is down) or without its services cannot take over: a failure of the peer then takes the gateway down.",
            ClusterFindingKind.VrrpFault, ClusterFindingKind.ServicesDown),
        new(CheckId.ClusterSync, "State and configuration sync", "no sync message lost; the peer is in step",
            "conntrackd sends every connection change to the peer over the sync link; lost messages are connections the backup does " +
            "not know, which a failover resets. The configuration sync sends each revision; a peer that is behind or unreachable " +
            "would take over with older rules.",
            ClusterFindingKind.SyncLosses, ClusterFindingKind.PeerUnreachable, ClusterFindingKind.PeerBehind, ClusterFindingKind.PeerDiverged,
            ClusterFindingKind.SecretMissing),
        new(CheckId.BothPrimary, "Both nodes primary", "one primary",
            "When the nodes stop hearing each other's VRRP adverts (sync link or the inside/outside links cut, a firewall dropping " +
            "protocol 112) both become primary and answer for the same addresses: clients flip between them and connections break. " +
            "NatGateway's own source NAT never translates the adverts (its postrouting chain accepts protocol 112 first).",
            ClusterFindingKind.BothPrimary),
        new(CheckId.ClusterMasquerade, "Masquerade in cluster mode", "no masquerade rule in force",
            "Masquerade translates to the address of whichever node runs it. After a failover the peer's translation differs from the " +
            "one conntrackd synced, so those connections break. SNAT to the outside virtual address is the same on both nodes.",
            ClusterFindingKind.MasqueradeInClusterMode),
        new(CheckId.PeerRevision, "Peer's revision", "both nodes hold the same revision",
            "The backup must run the primary's rules, or a failover changes what the gateway does. The configuration sync keeps the " +
            "revisions equal; a difference that is not being sent is a sync that stopped or a local change.",
            ClusterFindingKind.RevisionMismatch),
    ];

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.Cluster.Value is not { } view) return CheckResult.NotApplicable(Id, Area, title, $"the cluster state could not be read: {s.Cluster.Problem}");
        if (!view.Enabled) return CheckResult.NotApplicable(Id, Area, title, "cluster mode is off");
        var evidence = new List<Evidence>
        {
            new("this node", $"{view.Local.Name}: VRRP {ClusterJson.Name(view.Local.State)}, keepalived {Running(view.Local.KeepalivedRunning)}, conntrackd {Running(view.Local.ConntrackdRunning)}",
                "keepalived notify (natgw ha notify), the cluster services"),
            new("peer", $"{view.Peer.Name}: VRRP {ClusterJson.Name(view.Peer.State)}, configuration sync {view.Replication.State}", "the configuration sync"),
        };
        if (view.Local.LastTransition is { } t)
            evidence.Add(new Evidence("last transition", $"{t.At:u} {ClusterJson.Name(t.From)} → {ClusterJson.Name(t.To)} ({t.Reason})", "keepalived notify"));
        if (view.Local.Sync is { } sync)
            evidence.Add(new Evidence("conntrackd", $"{sync.MessagesSent} sent, {sync.MessagesReceived} received, {sync.MessagesLost} lost, {sync.Resyncs} resyncs",
                "conntrackd -s"));
        evidence.Add(new Evidence("revisions", $"{view.Local.RevisionId?.ToString() ?? "none"} here, {view.Peer.RevisionId?.ToString() ?? "unknown"} on the peer",
            "revisions, the configuration sync"));
        var mine = view.Findings.Where(f => kinds.Contains(f.Kind)).ToList();
        if (mine.Count == 0) return new CheckResult(Id, Area, CheckStatus.Ok, title, okSummary, explanation, evidence, []);
        var status = mine.Any(f => f.Severity == ClusterFindingSeverity.Critical) ? CheckStatus.Critical : CheckStatus.Warning;
        return new CheckResult(Id, Area, status, title, string.Join("; ", mine.Select(f => f.Message)), explanation, evidence, []);
    }

    private static string Running(bool? running) => running switch { true => "running", false => "stopped", null => "unknown" };
}
