using System.Net;
using NatGateway.Nat;

namespace NatGateway.Core.Cluster;

/// <summary>
/// Translation that survives a failover: in cluster mode a masquerade rule is refused, because masquerade picks the
/// address of the output interface of whichever node runs it — after a failover the peer would produce another
/// translation than the synced conntrack entry holds, and the connection breaks (HA-NOTES: "Translate to the outside VIP,
/// never masquerade"). SNAT to the outside VIP is the same on both nodes; <see cref="ToSnat"/> converts a rule.
/// </summary>
public static class ClusterRulePolicy
{
    /// <summary>The field error of an enabled masquerade rule in cluster mode (a disabled one translates nothing), or null.</summary>
    public static ValidationIssue? Refusal(NatRule rule, ClusterConfig? cluster)
    {
        if (cluster is not { Enabled: true } || rule is not MasqueradeRule { Enabled: true } m) return null;
        var vip = OutsideVip(cluster, m.Family);
        var offer = vip is null
            ? $"configure an outside virtual address ({(m.Family == NatFamily.Ipv6 ? "IPv6" : "IPv4")}) and use SNAT to it"
            : $"use SNAT to the outside virtual address {vip} instead (the Rules page and POST /api/v1/cluster/masquerade-to-snat convert it)";
        return new ValidationIssue("kind",
            $"masquerade is refused in cluster mode: after a failover the peer would translate to its own address and the synced connections would break; {offer}");
    }

    /// <summary>The first outside VIP of <paramref name="family"/>, or null.</summary>
    public static IPAddress? OutsideVip(ClusterConfig cluster, NatFamily family) =>
        cluster.VirtualAddresses.Where(v => v.Side == VirtualAddressSide.Outside && IpMath.FamilyOf(v.Address.Address) == family)
            .Select(v => v.Address.Address).FirstOrDefault();

    /// <summary>
    /// The same rule as SNAT to the outside VIP of its family: same id, mark id, name, position, interfaces, sources,
    /// protocol, ports, options and timeouts (so its live connections keep their mark). Null when the cluster has no
    /// outside VIP of that family. A masquerade for any source and protocol becomes an SNAT for any source and protocol,
    /// which also matches the nodes' own VRRP adverts out of the outside interface: harmless, because the compiled
    /// postrouting chain accepts protocol 112 untranslated before any source NAT rule (NatRulesetCompiler's VRRP exemption).
    /// </summary>
    public static SnatRule? ToSnat(MasqueradeRule m, ClusterConfig cluster) =>
        OutsideVip(cluster, m.Family) is not { } vip ? null : new SnatRule
        {
            Id = m.Id, Name = m.Name, Description = m.Description, Enabled = m.Enabled, Position = m.Position, Family = m.Family,
            MarkId = m.MarkId, CreatedAt = m.CreatedAt, UpdatedAt = m.UpdatedAt, CreatedBy = m.CreatedBy, UpdatedBy = m.UpdatedBy,
            Timeouts = m.Timeouts, OutInterfaces = m.OutInterfaces, SourceCidrs = m.SourceCidrs, Protocol = m.Protocol, Ports = m.Ports,
            Options = m.Options, TranslateTo = AddressPool.Single(vip),
        };
}

/// <summary>
/// The cluster configuration last handed to the cluster services (what keepalived runs), kept in memory: the apply
/// pipeline's cluster step compares the next target with it, and the rule editor's synchronous masquerade check reads
/// it (a rule save must not query revisions). Set by that step on success (and back on its undo), and once at start from
/// the revision in force (<see cref="ClusterService.LoadModeAsync"/>). The apply gate (<c>JournalStep</c>) checks the
/// revision's own target, so a stale value here can only refuse or allow a draft edit, never put a masquerade rule into
/// force in cluster mode.
/// </summary>
public sealed class ClusterMode
{
    private volatile ClusterConfig? _inForce;

    public ClusterConfig? InForce => _inForce;

    public bool Enabled => _inForce is { Enabled: true };

    /// <summary>Raised after <see cref="Set"/> hands over another configuration (the sync listener rebinds, the sync settings change).</summary>
    public event Action? Changed;

    public void Set(ClusterConfig? config)
    {
        var before = _inForce;
        _inForce = config;
        if (!ReferenceEquals(before, config)) Changed?.Invoke();
    }

    public ValidationIssue? Refusal(NatRule rule) => ClusterRulePolicy.Refusal(rule, _inForce);
}
