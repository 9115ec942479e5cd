using NatGateway.Nat;

namespace NatGateway.Nftables;

/// <summary>
/// The prerouting order the compiler emits: single rules and map segments. A plain forward joins the last map
/// segment of its group only when no unit between that segment and its own list position can match any packet
/// it matches, so the first-match order of the list is kept exactly.
/// </summary>
public sealed record DnatPlan(IReadOnlyList<DnatUnit> Units)
{
    public static DnatPlan Build(IEnumerable<NatRule> orderedRules, bool useMaps)
    {
        var units = new List<DnatUnit>();
        foreach (var enabled in orderedRules.Where(r => r.Enabled))
        {
            if (enabled is RedirectRule or LoadBalanceRule or PrefixMapRule)
            {
                units.Add(new DestinationRuleUnit(enabled));
                continue;
            }
            if (enabled is not DnatRule rule) continue;
            if (!useMaps || !rule.IsPlainForward)
            {
                units.Add(new DnatRuleUnit(rule));
                continue;
            }
            foreach (var protocol in ForwardMatch.Expand(rule.Protocol).Order())
            {
                var member = new MapMember(rule, protocol);
                var key = ForwardGroupKey.Of(rule, protocol);
                var index = units.FindLastIndex(u => u is DnatMapSegment s && s.Key == key);
                if (index >= 0 && !units.Skip(index + 1).Any(u => u.MayOverlap(member.Match)))
                {
                    // Same port already in the segment: the earlier one wins, this one can never match.
                    ((DnatMapSegment)units[index]).TryAdd(member);
                    continue;
                }
                units.Add(new DnatMapSegment(key, [member]));
            }
        }
        return new DnatPlan(units);
    }
}

/// <summary>The part of a plain forward that decides which map it can live in.</summary>
public sealed record ForwardGroupKey(NatFamily Family, string Interfaces, NatProtocol Protocol, string? DestinationAddress)
{
    public static ForwardGroupKey Of(DnatRule rule, NatProtocol protocol) =>
        new(rule.Family, string.Join(",", rule.InInterfaces.Order(StringComparer.Ordinal)), protocol, rule.DestinationAddress?.ToString());
}

public abstract record DnatUnit
{
    public abstract bool MayOverlap(ForwardMatch match);
}

/// <summary>A DNAT rule compiled as its own nft rule(s) (plus hairpin variants).</summary>
public sealed record DnatRuleUnit(DnatRule Rule) : DnatUnit
{
    public override bool MayOverlap(ForwardMatch match) =>
        ForwardMatch.Of(Rule).MayOverlap(match) || (Rule.Hairpin && ForwardMatch.HairpinOf(Rule).MayOverlap(match));
}

/// <summary>
/// A prerouting rule of another kind (redirect, load-balanced forward, the inbound half of a prefix map), compiled as its
/// own nft rule(s) in list order. Assumed to overlap anything, so no map segment is ever moved across it.
/// </summary>
public sealed record DestinationRuleUnit(NatRule Rule) : DnatUnit
{
    public override bool MayOverlap(ForwardMatch match) => true;
}

/// <summary>One plain forward inside a map segment, for one protocol.</summary>
public sealed record MapMember(DnatRule Rule, NatProtocol Protocol)
{
    public int Port => Rule.DestinationPort.From;
    public int TargetPort => Rule.TargetPort?.From ?? Rule.DestinationPort.From;
    public ForwardMatch Match => ForwardMatch.Of(Rule) with { Protocols = new HashSet<NatProtocol> { Protocol } };
}

/// <summary>Plain forwards of one group compiled as one map lookup (members are added only while planning).</summary>
public sealed record DnatMapSegment(ForwardGroupKey Key, List<MapMember> Members) : DnatUnit
{
    private readonly HashSet<int> _ports = Members.Select(m => m.Port).ToHashSet();

    /// <summary>Adds a member unless its port is taken (map keys are unique; the earlier forward wins).</summary>
    public bool TryAdd(MapMember member)
    {
        if (!_ports.Add(member.Port)) return false;
        Members.Add(member);
        return true;
    }

    public override bool MayOverlap(ForwardMatch match) => Members.Any(m => m.Match.MayOverlap(match));
}
