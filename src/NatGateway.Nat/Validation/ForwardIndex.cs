using System.Net;

namespace NatGateway.Nat;

/// <summary>
/// Enabled prerouting rules of one port (range) — DNAT, redirect, load-balance — by what they can cover
/// (<see cref="ForwardMatch.Covers"/>), and enabled prefix maps (1:1, NPTv6) by family: the candidates for "duplicates
/// or shadows this rule" without scanning the list. Covering needs the same family and destination address (null =
/// local addresses; a redirect without an address matches any destination and covers every address), a protocol set
/// that is a superset (tcp/udp are covered by themselves or by "both", "both" only by "both") and a destination port
/// range that contains this one's: a single port is covered only by the same single port or by a range. So rules are
/// bucketed by (family, address, protocol), single ports by number (a hash lookup), ranges in a list per bucket checked
/// with <see cref="PortRange.Contains(PortRange)"/>. Prefix maps are few (one per mapped network): every enabled one of
/// the family whose prefixes could matter is a candidate. Interfaces, source CIDRs and the rest are left to the validator:
/// the candidates are a superset of the rules that cover. Not thread-safe.
/// </summary>
public sealed class ForwardIndex
{
    private readonly record struct BucketKey(NatFamily Family, AddressKey Address, NatProtocol Protocol);

    /// <summary>IPAddress equality (address bytes and scope) as a key that also allows "no address" (local) and "any".</summary>
    private readonly record struct AddressKey(IPAddress? Address, bool Any = false)
    {
        public bool Equals(AddressKey other) => Any == other.Any && Equals(Address, other.Address);
        public override int GetHashCode() => HashCode.Combine(Address?.GetHashCode() ?? 0, Any);
    }

    private sealed class Bucket
    {
        public readonly Dictionary<int, List<NatRule>> Singles = [];
        public readonly List<(NatRule Rule, PortRange Ports)> Ranges = [];
        public bool IsEmpty => Singles.Count == 0 && Ranges.Count == 0;
    }

    private readonly Dictionary<BucketKey, Bucket> _buckets = [];
    private readonly List<PrefixMapRule> _prefixMaps = [];

    /// <summary>Only enabled forwards, redirects, load-balances and prefix maps can shadow another: anything else is ignored.</summary>
    public void Add(NatRule rule)
    {
        if (!rule.Enabled) return;
        if (rule is PrefixMapRule map) { _prefixMaps.Add(map); return; }
        if (ForwardMatch.For(rule) is not { } m) return;
        var key = KeyOf(m, ProtocolOf(rule));
        if (!_buckets.TryGetValue(key, out var bucket)) _buckets[key] = bucket = new Bucket();
        if (m.DestinationPort.IsSingle)
        {
            if (!bucket.Singles.TryGetValue(m.DestinationPort.From, out var list)) bucket.Singles[m.DestinationPort.From] = list = [];
            list.Add(rule);
        }
        else bucket.Ranges.Add((rule, m.DestinationPort));
    }

    /// <summary>Removes the entry of the rule with <paramref name="rule"/>'s id, indexed under <paramref name="rule"/>'s content.</summary>
    public void Remove(NatRule rule)
    {
        if (!rule.Enabled) return;
        if (rule is PrefixMapRule) { _prefixMaps.RemoveAll(r => r.Id == rule.Id); return; }
        if (ForwardMatch.For(rule) is not { } m) return;
        var key = KeyOf(m, ProtocolOf(rule));
        if (!_buckets.TryGetValue(key, out var bucket)) return;
        if (m.DestinationPort.IsSingle)
        {
            if (bucket.Singles.TryGetValue(m.DestinationPort.From, out var list))
            {
                list.RemoveAll(r => r.Id == rule.Id);
                if (list.Count == 0) bucket.Singles.Remove(m.DestinationPort.From);
            }
        }
        else bucket.Ranges.RemoveAll(r => r.Rule.Id == rule.Id);
        if (bucket.IsEmpty) _buckets.Remove(key);
    }

    /// <summary>
    /// Every indexed rule that might cover or clash with <paramref name="rule"/> (a superset of those the validator names),
    /// in no particular order; none when <paramref name="rule"/> is disabled or of a kind nothing shadows (Validate checks nothing then).
    /// </summary>
    public void AddCandidates(NatRule rule, List<NatRule> into)
    {
        if (!rule.Enabled) return;
        if (rule is PrefixMapRule map)
        {
            foreach (var other in _prefixMaps)
                if (other.Family == map.Family && (other.OutsidePrefix.Overlaps(map.OutsidePrefix) || other.InsidePrefix.Overlaps(map.InsidePrefix)))
                    into.Add(other);
            return;
        }
        if (ForwardMatch.For(rule) is not { } m) return;
        // Covering rules sit under the same address key, or under "any destination" (a redirect without an address).
        AddressKey[] addresses = m.AnyDestination ? [new(null, Any: true)] : [new(m.DestinationAddress), new(null, Any: true)];
        foreach (var address in addresses)
            foreach (var protocol in CoveringProtocols(ProtocolOf(rule)))
            {
                if (!_buckets.TryGetValue(new BucketKey(m.Family, address, protocol), out var bucket)) continue;
                if (m.DestinationPort.IsSingle && bucket.Singles.TryGetValue(m.DestinationPort.From, out var same)) into.AddRange(same);
                foreach (var (range, ports) in bucket.Ranges)
                    if (ports.Contains(m.DestinationPort)) into.Add(range);
            }
        if (m.DestinationAddress is { } destination && !m.AnyDestination)
            foreach (var other in _prefixMaps)
                if (other.Family == m.Family && other.OutsidePrefix.Contains(destination)) into.Add(other);
    }

    public void Clear()
    {
        _buckets.Clear();
        _prefixMaps.Clear();
    }

    private static BucketKey KeyOf(ForwardMatch m, NatProtocol protocol) => new(m.Family, new AddressKey(m.DestinationAddress, m.AnyDestination), protocol);

    private static NatProtocol ProtocolOf(NatRule rule) => rule switch
    {
        DnatRule d => d.Protocol,
        RedirectRule r => r.Protocol,
        LoadBalanceRule l => l.Protocol,
        _ => throw new ArgumentException($"{rule.Kind} has no protocol", nameof(rule)),
    };

    /// <summary>The protocols whose rules match every packet of <paramref name="protocol"/> (ForwardMatch.Expand supersets).</summary>
    private static NatProtocol[] CoveringProtocols(NatProtocol protocol) => protocol switch
    {
        NatProtocol.Tcp => [NatProtocol.Tcp, NatProtocol.Both],
        NatProtocol.Udp => [NatProtocol.Udp, NatProtocol.Both],
        _ => [protocol],
    };
}
