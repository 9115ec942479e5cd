using System.Net;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Nat.Tests.Compiler;

/// <summary>
/// Proof by exhaustive comparison: for many random ordered lists (built from small domains so rules overlap a lot),
/// every packet of the domain is translated by the same rule whether the list is evaluated first-match, rule by rule,
/// or through the compiled plan with its map segments.
/// </summary>
public sealed class FirstMatchTests
{
    private sealed record Packet(string Iif, NatProtocol Protocol, IPAddress Source, IPAddress Destination, int Port);

    // Local addresses per interface, as "fib daddr . iif type local" sees them.
    private static readonly Dictionary<string, IPAddress> LocalAddress = new()
    {
        ["lan0"] = IPAddress.Parse("10.77.1.1"), ["lan1"] = IPAddress.Parse("10.77.3.1"), ["wan0"] = IPAddress.Parse("10.77.2.1"),
    };

    private static readonly Packet[] AllPackets =
        (from iif in new[] { "lan0", "lan1", "wan0" }
         from protocol in new[] { NatProtocol.Tcp, NatProtocol.Udp }
         from source in new[] { "10.77.1.2", "10.77.1.3", "10.77.9.9" }
         from destination in new[] { "10.77.1.1", "10.77.3.1", "10.77.2.1", "192.0.2.1" }
         from port in new[] { 80, 81, 82, 8080 }
         select new Packet(iif, protocol, IPAddress.Parse(source), IPAddress.Parse(destination), port)).ToArray();

    private static bool Matches(DnatRule rule, Packet p, bool hairpinHalf)
    {
        var onInterface = rule.InInterfaces.Count == 0 || rule.InInterfaces.Contains(p.Iif);
        if (hairpinHalf == onInterface) return false;
        if (!ForwardMatch.Expand(rule.Protocol).Contains(p.Protocol)) return false;
        if (rule.SourceCidrs.Count > 0 && !rule.SourceCidrs.Any(c => c.Contains(p.Source))) return false;
        var destinationOk = rule.DestinationAddress is { } d
            ? d.Equals(p.Destination)
            : hairpinHalf ? LocalAddress.Values.Contains(p.Destination) : LocalAddress[p.Iif].Equals(p.Destination);
        return destinationOk && rule.DestinationPort.Contains(p.Port);
    }

    private static Guid? Reference(IReadOnlyList<NatRule> rules, Packet p) =>
        rules.OfType<DnatRule>().Where(r => r.Enabled).FirstOrDefault(r => Matches(r, p, false) || (r.Hairpin && Matches(r, p, true)))?.Id;

    private static Guid? Compiled(DnatPlan plan, Packet p)
    {
        foreach (var unit in plan.Units)
            switch (unit)
            {
                case DnatRuleUnit single when Matches(single.Rule, p, false) || (single.Rule.Hairpin && Matches(single.Rule, p, true)):
                    return single.Rule.Id;
                case DnatMapSegment segment:
                    var first = segment.Members[0].Rule;
                    // The segment's jump rule matches the group; the map lookup then picks the member by port.
                    if (segment.Key.Protocol != p.Protocol || !Matches(first with { DestinationPort = new PortRange(1, 65535), Protocol = segment.Key.Protocol }, p, false)) continue;
                    if (segment.Members.FirstOrDefault(m => m.Port == p.Port) is { } member) return member.Rule.Id;
                    break;
            }
        return null;
    }

    private static DnatRule RandomRule(Random random, int n)
    {
        T Pick<T>(params T[] items) => items[random.Next(items.Length)];
        var port = Pick(new PortRange(80), new PortRange(81), new PortRange(82), new PortRange(8080), new PortRange(80, 81));
        return new DnatRule
        {
            Id = Rules.Id(n), Name = $"r{n}", MarkId = n,
            Enabled = random.Next(8) != 0,
            InInterfaces = Pick<string[]>(["lan0"], ["lan0"], ["lan1"], ["lan0", "lan1"]),
            Protocol = Pick(NatProtocol.Tcp, NatProtocol.Tcp, NatProtocol.Udp, NatProtocol.Both),
            SourceCidrs = random.Next(3) == 0 ? [Pick(IpPrefix.Parse("10.77.1.2"), IpPrefix.Parse("10.77.1.0/24"))] : [],
            DestinationAddress = random.Next(3) == 0 ? Pick(IPAddress.Parse("10.77.1.1"), IPAddress.Parse("192.0.2.1")) : null,
            DestinationPort = port,
            TargetAddress = AddressPool.Parse($"10.77.2.{random.Next(2, 9)}"),
            TargetPort = new PortRange(random.Next(1000, 1010)),
            Hairpin = random.Next(10) == 0,
        };
    }

    [Fact]
    public void Compiled_plan_translates_every_packet_with_the_same_rule_as_first_match_over_the_list()
    {
        var random = new Random(20260401);
        var mergedSomewhere = 0;
        for (var list = 0; list < 150; list++)
        {
            var rules = Enumerable.Range(1, random.Next(2, 14)).Select(n => (NatRule)RandomRule(random, n)).ToList();
            var plan = DnatPlan.Build(rules, useMaps: true);
            mergedSomewhere += plan.Units.OfType<DnatMapSegment>().Count(s => s.Members.Count > 1);
            foreach (var packet in AllPackets)
                Assert.True(Reference(rules, packet) == Compiled(plan, packet),
                    $"list {list}, packet {packet}: list says {Reference(rules, packet)}, plan says {Compiled(plan, packet)}\n"
                    + string.Join("\n", rules.Select(NatRuleJson.Serialize)));
        }
        Assert.True(mergedSomewhere > 40, $"only {mergedSomewhere} segments merged forwards: the comparison would prove little");
    }

    [Fact]
    public void A_plain_forward_does_not_overtake_an_earlier_overlapping_rule()
    {
        var restricted = Rules.Forward(2, 8080, "10.77.2.3", 80) with { SourceCidrs = [IpPrefix.Parse("10.77.1.3")] };
        var plan = DnatPlan.Build([Rules.Forward(1, 8081, "10.77.2.2", 81), restricted, Rules.Forward(3, 8080, "10.77.2.2", 80), Rules.Forward(4, 8082, "10.77.2.2", 82)], useMaps: true);
        Assert.Collection(plan.Units,
            u => Assert.Equal([8081], ((DnatMapSegment)u).Members.Select(m => m.Port)),
            u => Assert.Equal(restricted.Id, ((DnatRuleUnit)u).Rule.Id),
            // 8080 may not move above the restricted rule; 8082 joins the latest segment of its group.
            u => Assert.Equal([8080, 8082], ((DnatMapSegment)u).Members.Select(m => m.Port)));
    }

    [Fact]
    public void Ten_thousand_plain_forwards_become_one_map_lookup()
    {
        var rules = Enumerable.Range(1, 10_000).Select(n => (NatRule)Rules.Forward(n, 10_000 + n, "10.77.2.2", 80)).ToList();
        var compiled = NatRulesetCompiler.Compile(rules);
        var segment = Assert.IsType<DnatMapSegment>(Assert.Single(compiled.Plan.Units));
        Assert.Equal(10_000, segment.Members.Count);
    }

    [Fact]
    public void A_duplicate_port_keeps_the_earlier_forward_in_the_map()
    {
        var plan = DnatPlan.Build([Rules.Forward(1, 8080, "10.77.2.2", 80), Rules.Forward(2, 8080, "10.77.2.3", 80)], useMaps: true);
        var member = Assert.Single(Assert.IsType<DnatMapSegment>(Assert.Single(plan.Units)).Members);
        Assert.Equal(Rules.Id(1), member.Rule.Id);
    }

    [Fact]
    public void Without_maps_every_forward_is_its_own_rule_in_list_order()
    {
        var plan = DnatPlan.Build([Rules.Forward(1, 8080, "10.77.2.2", 80), Rules.Forward(2, 8081, "10.77.2.3", 80)], useMaps: false);
        Assert.Equal([Rules.Id(1), Rules.Id(2)], plan.Units.Cast<DnatRuleUnit>().Select(u => u.Rule.Id));
    }

    // ---------- redirects and prefix maps among the forwards ----------

    /// <summary>
    /// The prerouting match of a redirect (no address = any destination) or of a prefix map's inbound half (outside
    /// interfaces, or every other one with hairpin; any protocol and port to the outside prefix), as their nft rules say.
    /// </summary>
    private static bool MatchesDestinationRule(NatRule rule, Packet p) => rule switch
    {
        RedirectRule r =>
            (r.InInterfaces.Count == 0 || r.InInterfaces.Contains(p.Iif)) && ForwardMatch.Expand(r.Protocol).Contains(p.Protocol)
            && (r.SourceCidrs.Count == 0 || r.SourceCidrs.Any(c => c.Contains(p.Source)))
            && (r.DestinationAddress is null || r.DestinationAddress.Equals(p.Destination)) && r.DestinationPort.Contains(p.Port),
        PrefixMapRule m => (m.Hairpin || m.OutsideInterfaces.Contains(p.Iif)) && m.OutsidePrefix.Contains(p.Destination),
        _ => false,
    };

    private static Guid? ReferenceAllKinds(IReadOnlyList<NatRule> rules, Packet p) =>
        rules.Where(r => r.Enabled).FirstOrDefault(r => r is DnatRule d
            ? Matches(d, p, false) || (d.Hairpin && Matches(d, p, true))
            : MatchesDestinationRule(r, p))?.Id;

    private static Guid? CompiledAllKinds(DnatPlan plan, Packet p)
    {
        foreach (var unit in plan.Units)
        {
            if (unit is DestinationRuleUnit other)
            {
                if (MatchesDestinationRule(other.Rule, p)) return other.Rule.Id;
                continue;
            }
            if (Compiled(new DnatPlan([unit]), p) is { } id) return id;
        }
        return null;
    }

    private static NatRule RandomRuleOfAnyKind(Random random, int n)
    {
        T Pick<T>(params T[] items) => items[random.Next(items.Length)];
        var enabled = random.Next(8) != 0;
        switch (random.Next(8))
        {
            case 0:
                return new RedirectRule
                {
                    Id = Rules.Id(n), Name = $"r{n}", MarkId = n, Enabled = enabled,
                    InInterfaces = Pick<string[]>(["lan0"], ["lan1"], ["lan0", "lan1"]),
                    Protocol = Pick(NatProtocol.Tcp, NatProtocol.Udp, NatProtocol.Both),
                    SourceCidrs = random.Next(3) == 0 ? [IpPrefix.Parse("10.77.1.0/24")] : [],
                    DestinationAddress = random.Next(2) == 0 ? Pick(IPAddress.Parse("10.77.1.1"), IPAddress.Parse("192.0.2.1")) : null,
                    DestinationPort = Pick(new PortRange(80), new PortRange(81), new PortRange(80, 82)),
                    TargetPort = new PortRange(3128),
                };
            case 1:
                return new OneToOneRule
                {
                    Id = Rules.Id(n), Name = $"r{n}", MarkId = n, Enabled = enabled,
                    OutsideInterfaces = Pick<string[]>(["lan0"], ["lan1"], ["lan0", "wan0"]),
                    // 10.77.1.0/24 holds lan0's own address: a map can take what a local forward would have.
                    OutsidePrefix = Pick(IpPrefix.Parse("192.0.2.0/30"), IpPrefix.Parse("192.0.2.1"), IpPrefix.Parse("10.77.1.0/24")),
                    InsidePrefix = IpPrefix.Parse("10.88.0.0/24"),
                    Hairpin = random.Next(5) == 0,
                };
            default:
                return RandomRule(random, n);
        }
    }

    [Fact]
    public void Redirects_and_prefix_maps_keep_first_match_order_among_map_compiled_forwards()
    {
        var random = new Random(20261206);
        int merged = 0, takenByOthers = 0;
        for (var list = 0; list < 60; list++)
        {
            var rules = Enumerable.Range(1, random.Next(2, 14)).Select(n => RandomRuleOfAnyKind(random, n)).ToList();
            var plan = DnatPlan.Build(rules, useMaps: true);
            merged += plan.Units.OfType<DnatMapSegment>().Count(s => s.Members.Count > 1);
            foreach (var packet in AllPackets)
            {
                var expected = ReferenceAllKinds(rules, packet);
                Assert.True(expected == CompiledAllKinds(plan, packet),
                    $"list {list}, packet {packet}: list says {expected}, plan says {CompiledAllKinds(plan, packet)}\n"
                    + string.Join("\n", rules.Select(NatRuleJson.Serialize)));
                if (expected is { } id && rules.First(r => r.Id == id) is RedirectRule or PrefixMapRule) takenByOthers++;
            }
        }
        // Every redirect or map splits the segments around it, so fewer merge than among forwards alone.
        Assert.True(merged > 5, $"only {merged} segments merged forwards");
        Assert.True(takenByOthers > 300, $"only {takenByOthers} packets were taken by a redirect or prefix map");
    }
}
