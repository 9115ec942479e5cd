using NatGateway.Conntrack;
using NatGateway.Nat;

namespace NatGateway.Core.Doctor;

/// <summary>
/// Counts the translated ports in use per (translated address, destination address, destination port, protocol) from
/// SNAT conntrack entries, one flow at a time (a dump or a mirror scan feeds it; nothing else is kept), and rates each
/// group against the port range it may use. The kernel needs a unique reply tuple, so a translated port can be reused
/// towards another destination: the scarce resource is the ports of one translated address towards ONE destination.
/// </summary>
public sealed class SnatPortMeter
{
    private readonly Dictionary<Key, Group> _groups = new();

    /// <summary>SNAT entries seen (with ports; entries of port-less protocols are not metered).</summary>
    public long Entries { get; private set; }

    /// <summary>
    /// Takes one entry: if it carries IPS_SRC_NAT, its translated source is the reply tuple's destination (replies go
    /// back to the translated address and port) and its destination the original tuple's destination.
    /// </summary>
    public void Add(in Flow flow, int markId)
    {
        if (!flow.IsSourceNat || !flow.Protocol.HasPorts()) return;
        var key = new Key(flow.Reply.Destination, flow.Original.Destination, flow.Original.DestinationPort, flow.Protocol);
        if (!_groups.TryGetValue(key, out var group)) _groups[key] = group = new Group();
        group.Ports.Add(flow.Reply.DestinationPort);
        group.DefaultClasses |= DefaultPortClass(flow.Original.SourcePort);
        if (markId != 0) group.MarkIds.Add(markId);
        Entries++;
    }

    /// <summary>
    /// The groups, fullest first (then most ports in use), at most <paramref name="limit"/>. Available ports come from the
    /// port range of the rule whose mark id the entries carry (the widest when several rules fed one group), or the
    /// kernel's default range when that rule has none or no rule of ours made the entry.
    /// </summary>
    public IReadOnlyList<SnatPortUse> Result(IReadOnlyDictionary<int, NatRule> rulesByMarkId, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var rows = new List<SnatPortUse>(_groups.Count);
        foreach (var (key, group) in _groups)
        {
            NatRule? rule = null;
            var available = 0;
            foreach (var markId in group.MarkIds)
            {
                if (!rulesByMarkId.TryGetValue(markId, out var candidate)) continue;
                var width = PortsOf(candidate)?.Width ?? DefaultWidth(group.DefaultClasses);
                if (rule is null || width > available) (rule, available) = (candidate, width);
            }
            if (rule is null) available = DefaultWidth(group.DefaultClasses);
            rows.Add(new SnatPortUse(key.Translated.ToIPAddress(), key.Destination.ToIPAddress(), key.DestinationPort, key.Protocol,
                group.Ports.Count, available, rule?.Id, rule?.Name));
        }
        return rows.OrderByDescending(r => r.Fill).ThenByDescending(r => r.InUse)
            .ThenBy(r => r.TranslatedAddress.ToString(), StringComparer.Ordinal).ThenBy(r => r.Destination.ToString(), StringComparer.Ordinal)
            .ThenBy(r => r.DestinationPort).Take(limit).ToList();
    }

    /// <summary>The source-port range a masquerade or SNAT rule translates into (null: none given, the kernel picks).</summary>
    public static PortRange? PortsOf(NatRule rule) => rule switch
    {
        MasqueradeRule m => m.Ports,
        SnatRule s => s.Ports,
        _ => null,
    };

    // The kernel's choice without a range (NF_NAT_RANGE_PROTO_SPECIFIED unset), nf_nat_l4proto_unique_tuple() in
    // net/netfilter/nf_nat_core.c (since 716b23c19edd, "netfilter: nat: remove l4proto->unique_tuple", 4.21/5.0; the same
    // in 6.x): an original source port below 512 maps into 1..511, below 1024 into 600..1023 ("loose convention: >> 512 is
    // credential passing"), any other into 1024..65535. A group whose clients used several classes can use all of them.
    private const byte Below512 = 1, Below1024 = 2, Unprivileged = 4;

    private static byte DefaultPortClass(ushort originalSourcePort) =>
        originalSourcePort < 512 ? Below512 : originalSourcePort < 1024 ? Below1024 : Unprivileged;

    /// <summary>Ports the kernel may pick from without a rule range, for the source-port classes seen.</summary>
    public static int DefaultWidth(byte classes) =>
        ((classes & Below512) != 0 ? 511 : 0) + ((classes & Below1024) != 0 ? 1023 - 600 + 1 : 0)
        + ((classes & Unprivileged) != 0 || classes == 0 ? 65535 - 1024 + 1 : 0);

    /// <summary>The kernel's default range width for one original source port (1..511, 600..1023 or 1024..65535).</summary>
    public static int DefaultWidth(ushort originalSourcePort) => DefaultWidth(DefaultPortClass(originalSourcePort));

    private readonly record struct Key(NetAddress Translated, NetAddress Destination, ushort DestinationPort, IPProtocol Protocol);

    private sealed class Group
    {
        public HashSet<ushort> Ports { get; } = new();
        public HashSet<int> MarkIds { get; } = new();
        public byte DefaultClasses { get; set; }
    }
}
