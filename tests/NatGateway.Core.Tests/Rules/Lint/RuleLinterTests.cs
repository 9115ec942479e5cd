using System.Net;
using NatGateway.Core.Kernel;
using NatGateway.Core.Kernel.Diagnostics;
using NatGateway.Core.Rules.Lint;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests.Rules.Lint;

/// <summary>Each lint finding from hand-made host facts: produced by its cause, gone without it; plus the foreign ruleset
/// parser on JSON recorded from <c>nft -j list ruleset</c> (libnftables 1.0.6).</summary>
public sealed class RuleLinterTests
{
    private static readonly NetworkInterfaceInfo Lan = Nic("lan0", 2, new InterfaceAddress(IPAddress.Parse("10.0.0.1"), 24));
    private static readonly NetworkInterfaceInfo Wan = Nic("wan0", 3, new InterfaceAddress(IPAddress.Parse("203.0.113.1"), 24));
    private static readonly List<RouteInfo> Routes = [new("10.0.0.0", 24, null, "lan0"), new("203.0.113.0", 24, null, "wan0")];

    private static NetworkInterfaceInfo Nic(string name, int index, params InterfaceAddress[] addresses) =>
        new(name, index, "up", true, 1500, null, addresses, default);

    private static HostView Host(IReadOnlyList<ForeignForwardChain>? chains = null, long? snatFlows = null, IReadOnlyList<NetworkInterfaceInfo>? nics = null,
        IReadOnlyList<RouteInfo>? routes = null) =>
        new(nics ?? [Lan, Wan], routes ?? Routes, chains ?? [], snatFlows);

    private static DnatRule Forward(string target = "10.0.0.5", bool hairpin = true, int port = 80) => new()
    {
        Name = "web", InInterfaces = ["wan0"], Protocol = NatProtocol.Tcp, DestinationPort = new PortRange(8080),
        TargetAddress = AddressPool.Parse(target), TargetPort = new PortRange(port), Hairpin = hairpin,
    };

    private static List<LintFinding> Of(LintKind kind, IReadOnlyList<NatRule> rules, HostView host) =>
        RuleLinter.Lint(rules, host).Where(f => f.Kind == kind).ToList();

    [Fact]
    public void A_dnat_target_without_a_route_is_flagged_and_a_covering_route_clears_it()
    {
        var rule = Forward("192.0.2.50");
        var finding = Assert.Single(Of(LintKind.DnatTargetUnrouted, [rule], Host()));
        Assert.Equal(rule.Id, finding.RuleId);
        Assert.Equal("no route to 192.0.2.50: the forwarded packets have nowhere to go", finding.Reason);
        Assert.Empty(Of(LintKind.DnatTargetUnrouted, [rule], Host(routes: [.. Routes, new RouteInfo("0.0.0.0", 0, "203.0.113.254", "wan0")])));
        // A disabled rule compiles to nothing: nothing to lint.
        Assert.Empty(Of(LintKind.DnatTargetUnrouted, [rule with { Enabled = false }], Host()));
    }

    [Fact]
    public void Load_balance_backends_and_1to1_inside_prefixes_without_routes_are_flagged()
    {
        var lb = new LoadBalanceRule
        {
            Name = "lb", InInterfaces = ["wan0"], DestinationPort = new PortRange(80),
            Backends = [new(IPAddress.Parse("10.0.0.10")), new(IPAddress.Parse("10.9.0.11"), 8080)],
        };
        Assert.Equal("no route to 10.9.0.11 (backend 2): the forwarded packets have nowhere to go",
            Assert.Single(Of(LintKind.DnatTargetUnrouted, [lb], Host())).Reason);
        var map = new OneToOneRule { Name = "map", OutsideInterfaces = ["wan0"], InsidePrefix = IpPrefix.Parse("10.8.0.0/29"), OutsidePrefix = IpPrefix.Parse("203.0.113.8/29"), Hairpin = true };
        Assert.Equal("no route to 10.8.0.0 (inside prefix): the forwarded packets have nowhere to go",
            Assert.Single(Of(LintKind.DnatTargetUnrouted, [map], Host())).Reason);
        Assert.Empty(Of(LintKind.DnatTargetUnrouted, [map], Host(routes: [.. Routes, new RouteInfo("10.8.0.0", 16, "10.0.0.254", "lan0")])));
    }

    [Fact]
    public void Masquerade_out_of_an_interface_without_an_address_of_its_family_is_flagged()
    {
        var rule = new MasqueradeRule { Name = "out", OutInterfaces = ["ppp*"] };
        var bare = Nic("ppp0", 4, new InterfaceAddress(IPAddress.Parse("fe80::1"), 64));
        Assert.Equal("'ppp0' has no IPv4 address: masquerade out of it has nothing to translate to and the packets are dropped",
            Assert.Single(Of(LintKind.MasqueradeWithoutAddress, [rule], Host(nics: [Lan, Wan, bare]))).Reason);
        // An IPv6 masquerade does not take a link-local address either.
        Assert.Single(Of(LintKind.MasqueradeWithoutAddress, [rule with { Family = NatFamily.Ipv6 }], Host(nics: [Lan, Wan, bare])));
        var addressed = bare with { Addresses = [new InterfaceAddress(IPAddress.Parse("100.64.0.2"), 32)] };
        Assert.Empty(Of(LintKind.MasqueradeWithoutAddress, [rule], Host(nics: [Lan, Wan, addressed])));
    }

    [Fact]
    public void An_snat_pool_below_the_planned_flows_per_destination_is_flagged_with_the_capacity_models_numbers()
    {
        var rule = new SnatRule
        {
            Name = "pool", OutInterfaces = ["wan0"], Protocol = NatProtocol.Tcp,
            TranslateTo = AddressPool.Parse("203.0.113.10-203.0.113.11"), Ports = new PortRange(20000, 20999),
        };
        Assert.Equal("2 addresses × 1,000 ports hold at most 2,000 flows to one destination; the capacity plan expects 5,000 (needs 5 addresses at this port range)",
            Assert.Single(Of(LintKind.SnatPoolTooSmall, [rule], Host(snatFlows: 5000))).Reason);
        Assert.Empty(Of(LintKind.SnatPoolTooSmall, [rule], Host(snatFlows: 2000)));
        // Without ports the kernel's default range (1024-65535) counts; without a plan the check does not run.
        Assert.Empty(Of(LintKind.SnatPoolTooSmall, [rule with { Ports = null }], Host(snatFlows: 100_000)));
        Assert.Empty(Of(LintKind.SnatPoolTooSmall, [rule], Host(snatFlows: null)));
        var masquerade = new MasqueradeRule { Name = "m", OutInterfaces = ["wan0"], Protocol = NatProtocol.Udp, Ports = new PortRange(10000, 10009) };
        Assert.Single(Of(LintKind.SnatPoolTooSmall, [masquerade], Host(snatFlows: 11)));
    }

    [Fact]
    public void A_forward_into_a_client_subnet_without_hairpin_is_flagged()
    {
        var rule = Forward("10.0.0.5", hairpin: false);
        Assert.Equal("10.0.0.5 is in 10.0.0.0/24 on lan0: clients there that use the public address get the answer straight from the target, which they drop; turn hairpin on",
            Assert.Single(Of(LintKind.HairpinNeeded, [rule], Host())).Reason);
        Assert.Empty(Of(LintKind.HairpinNeeded, [rule with { Hairpin = true }], Host()));
        // A target behind a router (not in a connected subnet) needs no hairpin.
        Assert.Empty(Of(LintKind.HairpinNeeded, [Forward("10.5.0.5", hairpin: false)], Host()));
        var map = new OneToOneRule { Name = "map", InsidePrefix = IpPrefix.Parse("10.0.0.16/28"), OutsidePrefix = IpPrefix.Parse("203.0.113.16/28") };
        Assert.Single(Of(LintKind.HairpinNeeded, [map], Host()));
    }

    [Fact]
    public void Findings_worked_out_once_per_target_are_those_of_each_rule_linted_alone()
    {
        // Lint keeps what depends only on a target (route, connected subnet) per target: a long list with shared targets
        // must get, rule for rule, what linting that rule alone gets.
        string[] targets = ["10.0.0.5", "10.5.0.5", "192.0.2.50", "10.0.0.9"];
        var rules = Enumerable.Range(0, 400).Select(i => (NatRule)(Forward(targets[i % targets.Length], hairpin: i % 3 == 0) with
            { Id = Guid.NewGuid(), Name = $"f{i}", DestinationPort = new PortRange(1000 + i) })).ToList();
        var together = RuleLinter.Lint(rules, Host());
        var alone = rules.SelectMany(r => RuleLinter.Lint([r], Host())).ToList();
        Assert.Equal(alone, together);
        Assert.Contains(together, f => f.Kind == LintKind.HairpinNeeded);
        Assert.Contains(together, f => f.Kind == LintKind.DnatTargetUnrouted);
    }

    private static ForeignForwardChain Chain(ForeignChainPolicy policy, params ForeignRule[] rules) =>
        new(ForeignTableFamily.Inet, "filter", "forward", 0, policy, rules);

    private static ForeignMatch M(ForeignMatchField field, params string[] values) => new(field, false, values, "");

    [Fact]
    public void A_foreign_forward_policy_drop_is_flagged_and_an_accept_that_certainly_matches_clears_it()
    {
        var rule = Forward();
        var drop = Chain(ForeignChainPolicy.Drop);
        Assert.Equal("table inet filter chain forward (policy drop) drops the forward to 10.0.0.5:80/tcp",
            Assert.Single(Of(LintKind.ForeignForwardDrop, [rule], Host([drop]))).Reason);
        Assert.Empty(Of(LintKind.ForeignForwardDrop, [rule], Host([Chain(ForeignChainPolicy.Accept)])));
        // ct state established,related accept does not take the first packet; ct status dnat accept does.
        var established = new ForeignRule(3, [M(ForeignMatchField.CtState, "established", "related")], ForeignVerdict.Accept);
        Assert.Single(Of(LintKind.ForeignForwardDrop, [rule], Host([drop with { Rules = [established] }])));
        var dnat = new ForeignRule(4, [M(ForeignMatchField.CtStatus, "dnat")], ForeignVerdict.Accept);
        Assert.Empty(Of(LintKind.ForeignForwardDrop, [rule], Host([drop with { Rules = [established, dnat] }])));
        // An accept for the target's subnet and port, out of the routed interface.
        var web = new ForeignRule(7, [M(ForeignMatchField.OutInterface, "lan0"), M(ForeignMatchField.DestinationAddress, "10.0.0.0/24"),
            M(ForeignMatchField.L4Protocol, "tcp"), M(ForeignMatchField.DestinationPort, "80", "443")], ForeignVerdict.Accept);
        Assert.Empty(Of(LintKind.ForeignForwardDrop, [rule], Host([drop with { Rules = [web] }])));
        // The same accept for another port does not let this forward through.
        Assert.Single(Of(LintKind.ForeignForwardDrop, [Forward(port: 22)], Host([drop with { Rules = [web] }])));
    }

    [Fact]
    public void A_foreign_drop_rule_is_named_by_handle_and_uncertain_rules_never_make_a_finding()
    {
        var rule = Forward();
        var dropRule = new ForeignRule(12, [M(ForeignMatchField.DestinationAddress, "10.0.0.5"), M(ForeignMatchField.L4Protocol, "tcp")], ForeignVerdict.Drop);
        Assert.Equal("table inet filter chain forward rule handle 12 (drop) drops the forward to 10.0.0.5:80/tcp",
            Assert.Single(Of(LintKind.ForeignForwardDrop, [rule], Host([Chain(ForeignChainPolicy.Accept, dropRule)]))).Reason);
        // "ip daddr" never matches an IPv6 packet (inet tables add meta nfproto ipv4), and an ip table never sees one.
        var v6 = Forward("fd00::5") with { Family = NatFamily.Ipv6 };
        Assert.Empty(Of(LintKind.ForeignForwardDrop, [v6], Host([Chain(ForeignChainPolicy.Accept, dropRule)])));
        Assert.Empty(Of(LintKind.ForeignForwardDrop, [v6], Host([Chain(ForeignChainPolicy.Drop) with { Family = ForeignTableFamily.Ip }])));
        // An accept lint cannot judge (a mark) before the policy: it may let the forward through, so no warning.
        var unknown = new ForeignRule(5, [M(ForeignMatchField.Unknown)], ForeignVerdict.Accept);
        Assert.Empty(Of(LintKind.ForeignForwardDrop, [rule], Host([Chain(ForeignChainPolicy.Drop, unknown)])));
        // A jump: the rest of the ruleset decides.
        var jump = new ForeignRule(6, [], ForeignVerdict.Other);
        Assert.Empty(Of(LintKind.ForeignForwardDrop, [rule], Host([Chain(ForeignChainPolicy.Drop, jump)])));
        // Negated: "ip daddr != 10.0.0.5 drop" spares it.
        var negated = new ForeignRule(8, [new ForeignMatch(ForeignMatchField.DestinationAddress, true, ["10.0.0.5"], "")], ForeignVerdict.Drop);
        Assert.Empty(Of(LintKind.ForeignForwardDrop, [rule], Host([Chain(ForeignChainPolicy.Accept, negated)])));
    }

    /// <summary>Recorded from <c>nft -j list ruleset</c> in a scratch namespace (nft 1.0.6) with one foreign table and ours.</summary>
    private const string Recorded = """
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
        {"table": {"family": "inet", "name": "filter", "handle": 1}},
        {"chain": {"family": "inet", "table": "filter", "name": "forward", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}},
        {"chain": {"family": "inet", "table": "filter", "name": "other", "handle": 2}},
        {"rule": {"family": "inet", "table": "filter", "chain": "forward", "handle": 3, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}},
        {"rule": {"family": "inet", "table": "filter", "chain": "forward", "handle": 5, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "status"}}, "right": "dnat"}}, {"accept": null}]}},
        {"rule": {"family": "inet", "table": "filter", "chain": "forward", "handle": 7, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "wan0"}}, {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "lan0"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": {"prefix": {"addr": "10.0.0.0", "len": 24}}}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [80, 443]}}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}},
        {"rule": {"family": "inet", "table": "filter", "chain": "forward", "handle": 8, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "daddr"}}, "right": {"prefix": {"addr": "fd00::", "len": 64}}}}, {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": {"range": [1000, 2000]}}}, {"drop": null}]}},
        {"rule": {"family": "inet", "table": "filter", "chain": "forward", "handle": 9, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "th", "field": "dport"}}, "right": 53}}, {"jump": {"target": "other"}}]}},
        {"rule": {"family": "inet", "table": "filter", "chain": "forward", "handle": 11, "expr": [{"match": {"op": "!=", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "1.2.3.4"}}, {"match": {"op": "==", "left": {"ct": {"key": "state"}}, "right": {"set": ["new", "untracked"]}}}, {"reject": {"type": "icmp", "expr": "port-unreachable"}}]}},
        {"table": {"family": "ip", "name": "natgw", "handle": 2}},
        {"chain": {"family": "ip", "table": "natgw", "name": "fwd_filter", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}}]}
        """;

    [Fact]
    public void The_foreign_forward_chains_are_parsed_from_nft_json_and_our_tables_are_left_out()
    {
        var chain = Assert.Single(ForeignForwardChains.Parse(Recorded, new NatCompileOptions()));
        Assert.Equal("table inet filter chain forward", chain.Label);
        Assert.Equal(ForeignChainPolicy.Drop, chain.Policy);
        var noSourceExclusion = chain with { Rules = [chain.Rules[5] with { Matches = chain.Rules[5].Matches.Where(m => m.Field != ForeignMatchField.SourceAddress).ToList() }] };
        Assert.Contains("rule handle 11 (reject)", Assert.Single(Of(LintKind.ForeignForwardDrop, [Forward(port: 22)], Host([noSourceExclusion]))).Reason);
        Assert.Equal([3L, 5, 7, 8, 9, 11], chain.Rules.Select(r => r.Handle));
        Assert.Equal([ForeignVerdict.Accept, ForeignVerdict.Accept, ForeignVerdict.Accept, ForeignVerdict.Drop, ForeignVerdict.Other, ForeignVerdict.Reject],
            chain.Rules.Select(r => r.Verdict));
        Assert.Equal(["established", "related"], chain.Rules[0].Matches.Single(m => m.Field == ForeignMatchField.CtState).Values);
        var web = chain.Rules[2].Matches;
        Assert.Equal([ForeignMatchField.InInterface, ForeignMatchField.OutInterface, ForeignMatchField.DestinationAddress, ForeignMatchField.L4Protocol, ForeignMatchField.DestinationPort],
            web.Select(m => m.Field));
        Assert.Equal(["10.0.0.0/24"], web[2].Values);
        Assert.Equal(["80", "443"], web[4].Values);
        Assert.Equal(["1000-2000"], chain.Rules[3].Matches.Single(m => m.Field == ForeignMatchField.DestinationPort).Values);
        Assert.True(chain.Rules[5].Matches.Single(m => m.Field == ForeignMatchField.SourceAddress).Negated);

        // The recorded chain over a forward to 10.0.0.5:80/tcp: "ct status dnat accept" lets it through; without that rule
        // handle 7 does (wan0 → lan0, 10.0.0.0/24, tcp 80); port 22 passes handle 7, and the reject at handle 11 may spare
        // it (a client 1.2.3.4), but then the policy drops it: a certain drop, named by the policy.
        Assert.Empty(Of(LintKind.ForeignForwardDrop, [Forward()], Host([chain])));
        var withoutDnat = chain with { Rules = chain.Rules.Where(r => r.Handle != 5).ToList() };
        Assert.Empty(Of(LintKind.ForeignForwardDrop, [Forward()], Host([withoutDnat])));
        Assert.Contains("table inet filter chain forward (policy drop)", Assert.Single(Of(LintKind.ForeignForwardDrop, [Forward(port: 22)], Host([withoutDnat]))).Reason);
    }
}
