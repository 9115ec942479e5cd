using System.Net;

namespace NatGateway.Nat;

/// <summary>
/// Enabled DNAT rules by what they can cover (<see cref="ForwardMatch.Covers"/>): the candidates for "duplicates or
/// shadows this forward" without scanning the list. Covering needs the same family and destination address (null =
/// local addresses), a protocol set that is a superset (tcp/udp are covered by themselves or by "both", "both" only by
/// "both") and a destination port range that contains this one's: a single port is covered only by the same single
/// port or by a range. So rules are bucketed by (family, address, protocol), single ports by number (a hash lookup),
/// ranges in a list per bucket checked with <see cref="PortRange.Contains(PortRange)"/>. Interfaces, source CIDRs and
/// the rest are left to Covers itself: the candidates are a superset of the rules that cover. Not thread-safe.
/// </summary>
public sealed class ForwardIndex
{
    private readonly record struct BucketKey(NatFamily Family, AddressKey Address, NatProtocol Protocol);

    /// <summary>IPAddress equality (address bytes and scope) as a key that also allows "no address".</summary>
    private readonly record struct AddressKey(IPAddress? Address)
    {
        public bool Equals(AddressKey other) => Equals(Address, other.Address);
        public override int GetHashCode() => Address?.GetHashCode() ?? 0;
    }

    private sealed class Bucket
    {
        public readonly Dictionary<int, List<DnatRule>> Singles = [];
        public readonly List<DnatRule> Ranges = [];
        public bool IsEmpty => Singles.Count == 0 && Ranges.Count == 0;
    }

    private readonly Dictionary<BucketKey, Bucket> _buckets = [];

    /// <summary>Only enabled DNAT rules can shadow another: anything else is ignored.</summary>
    public void Add(NatRule rule)
    {
        if (rule is not DnatRule { Enabled: true } d) return;
        var key = KeyOf(d, d.Protocol);
        if (!_buckets.TryGetValue(key, out var bucket)) _buckets[key] = bucket = new Bucket();
        if (d.DestinationPort.IsSingle)
        {
            if (!bucket.Singles.TryGetValue(d.DestinationPort.From, out var list)) bucket.Singles[d.DestinationPort.From] = list = [];
            list.Add(d);
        }
        else bucket.Ranges.Add(d);
    }

    /// <summary>Removes the entry of the rule with <paramref name="rule"/>'s id, indexed under <paramref name="rule"/>'s content.</summary>
    public void Remove(NatRule rule)
    {
        if (rule is not DnatRule { Enabled: true } d || !_buckets.TryGetValue(KeyOf(d, d.Protocol), out var bucket)) return;
        if (d.DestinationPort.IsSingle)
        {
            if (bucket.Singles.TryGetValue(d.DestinationPort.From, out var list))
            {
                list.RemoveAll(r => r.Id == d.Id);
                if (list.Count == 0) bucket.Singles.Remove(d.DestinationPort.From);
            }
        }
        else bucket.Ranges.RemoveAll(r => r.Id == d.Id);
        if (bucket.IsEmpty) _buckets.Remove(KeyOf(d, d.Protocol));
    }

    /// <summary>
    /// Every indexed rule that might cover <paramref name="rule"/> (a superset of those whose ForwardMatch covers its own),
    /// in no particular order; none when <paramref name="rule"/> is not an enabled DNAT (Validate checks nothing then).
    /// </summary>
    public void AddCandidates(NatRule rule, List<NatRule> into)
    {
        if (rule is not DnatRule { Enabled: true } d) return;
        foreach (var protocol in CoveringProtocols(d.Protocol))
        {
            if (!_buckets.TryGetValue(KeyOf(d, protocol), out var bucket)) continue;
            if (d.DestinationPort.IsSingle && bucket.Singles.TryGetValue(d.DestinationPort.From, out var same)) into.AddRange(same);
            foreach (var range in bucket.Ranges)
                if (range.DestinationPort.Contains(d.DestinationPort)) into.Add(range);
        }
    }

    public void Clear() => _buckets.Clear();

    private static BucketKey KeyOf(DnatRule d, NatProtocol protocol) => new(d.Family, new AddressKey(d.DestinationAddress), protocol);

    /// <summary>The protocols whose rules match every packet of <paramref name="protocol"/> (ForwardMatch.Expand supersets).</summary>
    private static NatProtocol[] CoveringProtocols(NatProtocol protocol) => protocol switch
    {
        NatProtocol.Tcp => [NatProtocol.Tcp, NatProtocol.Both],
        NatProtocol.Udp => [NatProtocol.Udp, NatProtocol.Both],
        _ => [protocol],
    };
}
