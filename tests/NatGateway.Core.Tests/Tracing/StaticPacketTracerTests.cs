using System.Net;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests.Tracing;

/// <summary>
/// The static tracer over hand-made rule lists: each case pins one matching fact of the compiled nft rules (interfaces and
/// wildcards, <c>fib daddr . iif type local</c>, hairpin variants and the hairpin masquerade, source CIDRs, protocols,
/// port ranges and port maps, first match per hook, disabled rules, routing and local delivery) and the reason given.
/// </summary>
public sealed class StaticPacketTracerTests
{
    // lan0 10.0.0.1/24 (inside), wan0 192.0.2.1/24 + 192.0.2.2 (outside, default route), dmz0 172.16.0.1/24.
    private static readonly TraceHost Host = new(
        [
            new HostInterface("lo", [IPAddress.Loopback, IPAddress.IPv6Loopback]),
            new HostInterface("lan0", [Ip("10.0.0.1"), Ip("fd00::1")]),
            new HostInterface("wan0", [Ip("192.0.2.1"), Ip("192.0.2.2"), Ip("2001:db8::1")]),
            new HostInterface("dmz0", [Ip("172.16.0.1")]),
            new HostInterface("eth7", []),
        ],
        [
            new RouteInfo("10.0.0.0", 24, null, "lan0"),
            new RouteInfo("172.16.0.0", 24, null, "dmz0"),
            new RouteInfo("192.0.2.0", 24, null, "wan0"),
            new RouteInfo("0.0.0.0", 0, "192.0.2.254", "wan0"),
            new RouteInfo("fd00::", 64, null, "lan0"),
            new RouteInfo("2001:db8::", 64, null, "wan0"),
            new RouteInfo("::", 0, "2001:db8::fe", "wan0"),
        ],
        Ipv4Forwarding: true, Ipv6Forwarding: true);

    private static IPAddress Ip(string text) => IPAddress.Parse(text);

    private static PacketProbe Probe(string iif, string src, string dst, int dport, ProbeProtocol proto = ProbeProtocol.Tcp, int sport = 40000) =>
        new(IpMath.FamilyOf(Ip(src)), proto, Ip(src), Ip(dst), sport, dport, iif);

    private static DnatRule Forward(string name, int port, string target, int? targetPort = null, params string[] iif) => new()
    {
        Name = name, InInterfaces = iif, DestinationPort = new PortRange(port), TargetAddress = AddressPool.Parse(target),
        TargetPort = targetPort is { } t ? new PortRange(t) : null,
    };

    private static MasqueradeRule Masquerade(string name, params string[] oif) => new() { Name = name, OutInterfaces = oif };

    private static StaticTrace Explain(PacketProbe probe, params NatRule[] rules) => StaticPacketTracer.Explain(rules, probe, Host);

    private static RuleStep StepOf(StaticTrace trace, NatRule rule, TraceHook hook) => trace.Steps.Single(s => s.RuleId == rule.Id && s.Hook == hook);

    [Fact]
    public void Port_forward_on_the_input_interface_translates_and_the_reply_path_masquerades_out_of_lan_only_when_asked()
    {
        var web = Forward("web", 8080, "10.0.0.2", 80, "wan0");
        var masq = Masquerade("out", "wan0");
        var trace = Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 8080), web, masq);

        Assert.Equal(web.Id, trace.DestinationRuleId);
        Assert.Equal(Ip("10.0.0.2"), trace.Destination);
        Assert.Equal(80, trace.DestinationPort);
        Assert.Equal("lan0", trace.OutInterface);
        Assert.Equal(TraceDelivery.Forwarded, trace.Delivery);
        // Out of lan0: the wan0 masquerade does not apply, the client keeps its address.
        Assert.Null(trace.SourceRuleId);
        Assert.Equal(RuleStepOutcome.NoMatch, StepOf(trace, masq, TraceHook.Postrouting).Outcome);
        Assert.Equal("output interface lan0 ≠ wan0", StepOf(trace, masq, TraceHook.Postrouting).Reason);
        Assert.Contains("'web' (dnat): destination becomes 10.0.0.2:80", trace.Summary);
        Assert.Contains("no source NAT rule matches", trace.Summary);
    }

    [Fact]
    public void Any_local_address_means_an_address_of_the_input_interface()
    {
        var web = Forward("web", 443, "10.0.0.2");
        // 192.0.2.2 is on wan0 (a secondary address): local there.
        Assert.Equal(web.Id, Explain(Probe("wan0", "198.51.100.7", "192.0.2.2", 443), web).DestinationRuleId);
        // 10.0.0.1 is local, but on lan0, not on wan0: fib daddr . iif type local is false.
        var other = Explain(Probe("wan0", "198.51.100.7", "10.0.0.1", 443), web);
        Assert.Null(other.DestinationRuleId);
        Assert.Equal("destination 10.0.0.1 is not an address of wan0", other.Steps.Single().Reason);
        // Not local at all: routed through (to lan0), no translation.
        var through = Explain(Probe("wan0", "198.51.100.7", "10.0.0.9", 443), web);
        Assert.Null(through.DestinationRuleId);
        Assert.Equal("lan0", through.OutInterface);
        // A specific destination address matches that address only.
        var pinned = web with { DestinationAddress = Ip("192.0.2.2") };
        Assert.Equal("destination 192.0.2.1 ≠ 192.0.2.2", Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 443), pinned).Steps.Single().Reason);
    }

    [Fact]
    public void Interface_wildcards_and_lists_match_like_nft()
    {
        var rule = Forward("w", 22, "10.0.0.5", null, "wa*", "ppp0");
        Assert.Equal(rule.Id, Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 22), rule).DestinationRuleId);
        var miss = Explain(Probe("lan0", "10.0.0.7", "10.0.0.1", 22), rule);
        Assert.Null(miss.DestinationRuleId);
        Assert.Equal("input interface lan0 not in {wa*, ppp0}", miss.Steps.Single().Reason);
        var single = Forward("s", 22, "10.0.0.5", null, "ppp0");
        Assert.Equal("input interface wan0 ≠ ppp0", Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 22), single).Steps.Single().Reason);
    }

    [Fact]
    public void The_first_field_that_differs_is_named_in_rule_order()
    {
        var rule = Forward("r", 1000, "10.0.0.5", null, "wan0") with
        {
            SourceCidrs = [IpPrefix.Parse("203.0.113.0/24"), IpPrefix.Parse("198.51.100.0/25")],
            DestinationPort = new PortRange(1000, 1010), Protocol = NatProtocol.Udp,
        };
        Assert.Equal("source 198.51.100.200 not in {203.0.113.0/24, 198.51.100.0/25}",
            Explain(Probe("wan0", "198.51.100.200", "192.0.2.1", 1005, ProbeProtocol.Udp), rule).Steps.Single().Reason);
        Assert.Equal("protocol tcp ≠ udp", Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 1005), rule).Steps.Single().Reason);
        Assert.Equal("destination port 1011 not in 1000-1010",
            Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 1011, ProbeProtocol.Udp), rule).Steps.Single().Reason);
        Assert.Equal(RuleStepOutcome.Matched, Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 1010, ProbeProtocol.Udp), rule).Steps.Single().Outcome);
    }

    [Fact]
    public void Port_ranges_map_one_to_one_keep_or_collapse_to_a_single_port()
    {
        var shifted = Forward("range", 1000, "10.0.0.5") with { DestinationPort = new PortRange(1000, 1009), TargetPort = new PortRange(2000, 2009) };
        Assert.Equal(2003, Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 1003), shifted).DestinationPort);
        var kept = shifted with { TargetPort = null };
        Assert.Equal(1003, Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 1003), kept).DestinationPort);
        var single = shifted with { TargetPort = new PortRange(80) };
        Assert.Equal(80, Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 1003), single).DestinationPort);
        var both = shifted with { Protocol = NatProtocol.Both };
        Assert.Equal(both.Id, Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 1003, ProbeProtocol.Udp), both).DestinationRuleId);
    }

    [Fact]
    public void First_match_wins_per_hook_later_rules_are_not_reached_and_disabled_rules_say_they_would_match()
    {
        var off = Forward("off", 80, "10.0.0.9") with { Enabled = false };
        var first = Forward("first", 80, "10.0.0.2");
        var second = Forward("second", 80, "10.0.0.3");
        var masqOff = Masquerade("masq-off", "lan0") with { Enabled = false };
        var snat = new SnatRule { Name = "snat", OutInterfaces = ["lan0"], TranslateTo = AddressPool.Parse("10.0.0.250") };
        var masq = Masquerade("masq", "lan0");
        var trace = Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 80), off, first, second, masqOff, snat, masq);

        Assert.Equal(RuleStepOutcome.Disabled, StepOf(trace, off, TraceHook.Prerouting).Outcome);
        Assert.Equal(RuleStepOutcome.Matched, StepOf(trace, first, TraceHook.Prerouting).Outcome);
        Assert.Equal(RuleStepOutcome.NotReached, StepOf(trace, second, TraceHook.Prerouting).Outcome);
        Assert.Equal("'first' matched first (first match wins)", StepOf(trace, second, TraceHook.Prerouting).Reason);
        Assert.Equal(RuleStepOutcome.Disabled, StepOf(trace, masqOff, TraceHook.Postrouting).Outcome);
        Assert.Equal(snat.Id, trace.SourceRuleId);
        Assert.Equal("source becomes 10.0.0.250", trace.SourceTranslation);
        Assert.Equal(RuleStepOutcome.NotReached, StepOf(trace, masq, TraceHook.Postrouting).Outcome);
        // Prerouting steps first (list order), then postrouting.
        Assert.Equal([TraceHook.Prerouting, TraceHook.Prerouting, TraceHook.Prerouting, TraceHook.Postrouting, TraceHook.Postrouting, TraceHook.Postrouting],
            trace.Steps.Select(s => s.Hook));
    }

    [Fact]
    public void Plain_forwards_grouped_into_one_map_still_answer_in_list_order()
    {
        // a and c are plain forwards of one group; b (a source restriction: not plain) overlaps c's port, so the
        // compiler starts a new segment for c; d joins a's segment. The list order is the answer either way.
        var a = Forward("a", 80, "10.0.0.2", null, "wan0");
        var b = Forward("b", 443, "10.0.0.3", null, "wan0") with { SourceCidrs = [IpPrefix.Parse("198.51.100.0/24")] };
        var c = Forward("c", 443, "10.0.0.4", null, "wan0");
        var d = Forward("d", 80, "10.0.0.5", null, "wan0");
        var plan = DnatPlan.Build([a, b, c, d], useMaps: true);
        Assert.Equal(3, plan.Units.Count);

        Assert.Equal(b.Id, Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 443), a, b, c, d).DestinationRuleId);
        Assert.Equal(c.Id, Explain(Probe("wan0", "203.0.113.7", "192.0.2.1", 443), a, b, c, d).DestinationRuleId);
        Assert.Equal(a.Id, Explain(Probe("wan0", "203.0.113.7", "192.0.2.1", 80), a, b, c, d).DestinationRuleId);
    }

    [Fact]
    public void Hairpin_forward_reflects_inside_clients_and_masquerades_them_out_of_the_inside_interface()
    {
        var web = Forward("web", 80, "10.0.0.2", null, "wan0") with { Hairpin = true };
        var trace = Explain(Probe("lan0", "10.0.0.7", "192.0.2.1", 80), web);

        Assert.Equal(web.Id, trace.DestinationRuleId);
        Assert.StartsWith("hairpin: destination becomes 10.0.0.2:80", StepOf(trace, web, TraceHook.Prerouting).Reason);
        Assert.Equal("lan0", trace.OutInterface);
        Assert.Equal(web.Id, trace.SourceRuleId);
        Assert.Equal("hairpin: masquerade to the address of lan0 (10.0.0.1)", trace.SourceTranslation);

        // From outside: forwarded, and the hairpin masquerade skips flows that came in on the rule's own interface.
        var outside = Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 80), web);
        Assert.Equal(web.Id, outside.DestinationRuleId);
        Assert.Null(outside.SourceRuleId);
        Assert.Equal("input interface wan0 is one of the rule's own (wan0)", StepOf(outside, web, TraceHook.Postrouting).Reason);

        // The hairpin variant needs an address of the host (any interface), not of the input interface.
        var notLocal = Explain(Probe("lan0", "10.0.0.7", "192.0.2.9", 80), web);
        Assert.Null(notLocal.DestinationRuleId);
        Assert.Equal("input interface lan0 ≠ wan0; hairpin: destination 192.0.2.9 is not an address of this host",
            StepOf(notLocal, web, TraceHook.Prerouting).Reason);
    }

    [Fact]
    public void Hairpin_masquerade_comes_before_list_order_source_nat_and_needs_this_rules_mark()
    {
        var masq = Masquerade("masq", "lan0");
        var other = Forward("other", 22, "10.0.0.3", null, "wan0") with { Hairpin = true };
        var web = Forward("web", 80, "10.0.0.2", null, "wan0") with { Hairpin = true };
        var trace = Explain(Probe("lan0", "10.0.0.7", "192.0.2.1", 80), masq, other, web);

        Assert.Equal(web.Id, trace.SourceRuleId);
        var post = trace.Steps.Where(s => s.Hook == TraceHook.Postrouting).ToList();
        Assert.Equal([other.Id, web.Id, masq.Id], post.Select(s => s.RuleId));
        Assert.Equal("hairpin masquerade: only for flows this forward translated (ct mark)", post[0].Reason);
        Assert.Equal(RuleStepOutcome.NotReached, post[2].Outcome);
    }

    [Fact]
    public void Hairpin_with_an_unchanged_tuple_sets_no_dnat_status_so_no_masquerade()
    {
        // "Forwarding" 198.51.100.50:80 to itself: nf_nat_setup_info() leaves IPS_DST_NAT unset, ct status dnat is false.
        var self = Forward("self", 80, "198.51.100.50") with { DestinationAddress = Ip("198.51.100.50"), Hairpin = true };
        var trace = Explain(Probe("lan0", "10.0.0.7", "198.51.100.50", 80), self);
        Assert.Equal(self.Id, trace.DestinationRuleId);
        Assert.Equal("wan0", trace.OutInterface);
        Assert.Null(trace.SourceRuleId);
        Assert.Equal("hairpin masquerade: the forward did not change the destination (no ct status dnat)", StepOf(trace, self, TraceHook.Postrouting).Reason);
        // Changing only the port is a change of the tuple.
        var port = Explain(Probe("lan0", "10.0.0.7", "198.51.100.50", 80), self with { TargetPort = new PortRange(8080) });
        Assert.Equal(self.Id, port.SourceRuleId);
    }

    [Fact]
    public void Source_nat_sees_the_destination_after_dnat_and_the_routed_output_interface()
    {
        var fwd = Forward("to-dmz", 80, "172.16.0.5", null, "wan0");
        var snat = new SnatRule
        {
            Name = "dmz", OutInterfaces = ["dmz*"], DestinationCidrs = [IpPrefix.Parse("172.16.0.0/24")], Protocol = NatProtocol.Tcp,
            TranslateTo = AddressPool.Parse("172.16.0.100-172.16.0.110"), Ports = new PortRange(20000, 30000),
        };
        var trace = Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 80), fwd, snat);
        Assert.Equal("dmz0", trace.OutInterface);
        Assert.Equal(snat.Id, trace.SourceRuleId);
        Assert.Equal("source becomes one of 172.16.0.100-172.16.0.110, source port in 20000-30000", trace.SourceTranslation);

        var udp = Explain(Probe("wan0", "198.51.100.7", "172.16.0.9", 53, ProbeProtocol.Udp), snat);
        Assert.Equal("protocol udp ≠ tcp", udp.Steps.Single().Reason);
        var elsewhere = Explain(Probe("lan0", "10.0.0.7", "203.0.113.1", 80), snat);
        Assert.Equal("output interface wan0 not in dmz*", elsewhere.Steps.Single().Reason);
    }

    [Fact]
    public void Masquerade_picks_the_output_interfaces_first_address_and_names_the_drop_without_one()
    {
        var masq = Masquerade("out") with { SourceCidrs = [IpPrefix.Parse("10.0.0.0/24")], Ports = new PortRange(1024, 65535) };
        var trace = Explain(Probe("lan0", "10.0.0.7", "203.0.113.1", 443), masq);
        Assert.Equal("wan0", trace.OutInterface);
        Assert.Equal("masquerade: source becomes 192.0.2.1, source port in 1024-65535", trace.SourceTranslation);
        Assert.Equal("source 172.16.0.7 not in 10.0.0.0/24", Explain(Probe("dmz0", "172.16.0.7", "203.0.113.1", 443), masq).Steps.Single().Reason);

        var bare = new TraceHost(Host.Interfaces, [new RouteInfo("0.0.0.0", 0, null, "eth7")], true, true);
        var dropped = StaticPacketTracer.Explain([masq], Probe("lan0", "10.0.0.7", "203.0.113.1", 443), bare);
        Assert.Equal("masquerade: eth7 has no IPv4 address, so the kernel drops the packet", dropped.SourceTranslation);
    }

    [Fact]
    public void Routing_decides_local_delivery_no_route_and_forwarding_off_before_source_nat()
    {
        var masq = Masquerade("out");
        var local = Explain(Probe("lan0", "10.0.0.7", "10.0.0.1", 22), masq);
        Assert.Equal(TraceDelivery.Local, local.Delivery);
        Assert.Null(local.OutInterface);
        Assert.Equal(RuleStepOutcome.NotReached, local.Steps.Single().Outcome);
        Assert.Equal("the packet is delivered to the gateway itself: no postrouting", local.Steps.Single().Reason);

        var noRoute = StaticPacketTracer.Explain([masq], Probe("lan0", "10.0.0.7", "203.0.113.1", 443),
            Host with { Routes = [new RouteInfo("10.0.0.0", 24, null, "lan0")] });
        Assert.Equal(TraceDelivery.NoRoute, noRoute.Delivery);
        Assert.Null(noRoute.OutInterface);
        Assert.Contains("no route to 203.0.113.1: dropped", noRoute.Summary);

        var off = StaticPacketTracer.Explain([masq], Probe("lan0", "10.0.0.7", "203.0.113.1", 443), Host with { Ipv4Forwarding = false });
        Assert.Equal(TraceDelivery.ForwardingDisabled, off.Delivery);
        Assert.Equal("wan0", off.OutInterface);
        Assert.Null(off.SourceRuleId);
    }

    [Fact]
    public void Rules_of_the_other_family_never_see_the_packet()
    {
        var v6 = Forward("v6", 80, "fd00::2") with { Family = NatFamily.Ipv6 };
        var v6masq = Masquerade("v6masq") with { Family = NatFamily.Ipv6 };
        var trace = Explain(Probe("wan0", "198.51.100.7", "192.0.2.1", 80), v6, v6masq);
        Assert.Null(trace.DestinationRuleId);
        Assert.DoesNotContain(trace.Steps, s => s.Outcome == RuleStepOutcome.Matched);
        Assert.Equal("an IPv6 rule (table ip6); the packet is IPv4", StepOf(trace, v6, TraceHook.Prerouting).Reason);

        var six = Explain(Probe("wan0", "2001:db8:1::7", "2001:db8::1", 80), v6, v6masq);
        Assert.Equal(v6.Id, six.DestinationRuleId);
        Assert.Equal(Ip("fd00::2"), six.Destination);
        Assert.Equal("lan0", six.OutInterface);
        Assert.Equal(v6masq.Id, six.SourceRuleId);
        Assert.Equal("masquerade: source becomes fd00::1", six.SourceTranslation);
    }

    [Fact]
    public void Redirect_delivers_to_the_first_address_of_the_input_interface_and_matches_any_destination()
    {
        var proxy = new RedirectRule { Name = "proxy", InInterfaces = ["lan0"], DestinationPort = new PortRange(80), TargetPort = new PortRange(3128) };
        var trace = Explain(Probe("lan0", "10.0.0.7", "203.0.113.1", 80), proxy, Masquerade("out"));
        Assert.Equal(proxy.Id, trace.DestinationRuleId);
        Assert.Equal(Ip("10.0.0.1"), trace.Destination);
        Assert.Equal(3128, trace.DestinationPort);
        Assert.Equal(TraceDelivery.Local, trace.Delivery);
        Assert.Null(trace.SourceRuleId);
        Assert.Equal("redirect to local port 3128 (10.0.0.1:3128)", StepOf(trace, proxy, TraceHook.Prerouting).Reason);

        var pinned = proxy with { DestinationAddress = Ip("203.0.113.53"), Protocol = NatProtocol.Both, TargetPort = null };
        Assert.Equal("destination 203.0.113.1 ≠ 203.0.113.53", Explain(Probe("lan0", "10.0.0.7", "203.0.113.1", 80), pinned).Steps.Single().Reason);
        var kept = Explain(Probe("lan0", "10.0.0.7", "203.0.113.53", 80, ProbeProtocol.Udp), pinned);
        Assert.Equal(80, kept.DestinationPort);
        Assert.Equal(pinned.Id, kept.DestinationRuleId);
    }

    [Fact]
    public void Load_balance_matches_like_a_forward_names_every_backend_and_the_one_source_hash_picks()
    {
        var lb = new LoadBalanceRule
        {
            Name = "lb", InInterfaces = ["wan0"], DestinationPort = new PortRange(80), Method = BalanceMethod.SourceHash, MarkId = 7,
            Backends = [new LoadBalanceBackend(Ip("10.0.0.11"), 8080, 2), new LoadBalanceBackend(Ip("10.0.0.12"))],
        };
        // Backend 0 owns hash values 0-1, backend 1 owns 2 (the verdict map): find a client of each.
        var clients = Enumerable.Range(1, 50).Select(i => Ip($"198.51.100.{i}"))
            .GroupBy(a => SourceHash.Value(a, NatRulesetCompiler.SourceHashSeed(lb), 3) < 2 ? 0 : 1).ToDictionary(g => g.Key, g => g.First());
        var first = Explain(Probe("wan0", clients[0].ToString(), "192.0.2.2", 80), lb);
        Assert.Equal(lb.Id, first.DestinationRuleId);
        Assert.Equal((Ip("10.0.0.11"), 8080), (first.Destination, first.DestinationPort));
        Assert.Equal("source hash picks lb7_0: destination becomes 10.0.0.11:8080 (backends: lb7_0 10.0.0.11:8080 (weight 2), lb7_1 10.0.0.12:80 (weight 1))",
            StepOf(first, lb, TraceHook.Prerouting).Reason);
        var second = Explain(Probe("wan0", clients[1].ToString(), "192.0.2.2", 80), lb);
        Assert.Equal((Ip("10.0.0.12"), 80), (second.Destination, second.DestinationPort));

        var roundRobin = Explain(Probe("wan0", "198.51.100.7", "192.0.2.2", 80), lb with { Method = BalanceMethod.RoundRobin });
        Assert.Equal("destination becomes one of lb7_0 10.0.0.11:8080 (weight 2), lb7_1 10.0.0.12:80 (weight 1) by round-robin (numgen inc mod 3); routing shown for the first",
            Assert.Single(roundRobin.Steps).Reason);
        Assert.Equal("destination 10.0.0.1 is not an address of wan0", Explain(Probe("wan0", "198.51.100.7", "10.0.0.1", 80), lb).Steps.Single().Reason);
    }

    /// <summary>The kernel's jhash() is lookup3's hashlittle() on little-endian hosts: its published test vectors (lookup3.c driver5).</summary>
    [Fact]
    public void Source_hash_is_the_kernels_jhash()
    {
        Assert.Equal(0xdeadbeefu, SourceHash.Jhash([], 0));
        var text = "Four score and seven years ago"u8;
        Assert.Equal(0x17770551u, SourceHash.Jhash(text, 0));
        Assert.Equal(0xcd628161u, SourceHash.Jhash(text, 1));
    }

    [Fact]
    public void One_to_one_maps_host_bits_both_ways_and_hairpins_on_other_interfaces()
    {
        var map = new OneToOneRule
        {
            Name = "map", OutsideInterfaces = ["wan0"], InsidePrefix = IpPrefix.Parse("10.0.0.0/24"), OutsidePrefix = IpPrefix.Parse("198.18.0.0/24"),
        };
        var inbound = Explain(Probe("wan0", "203.0.113.5", "198.18.0.7", 22, ProbeProtocol.Udp), map);
        Assert.Equal(map.Id, inbound.DestinationRuleId);
        Assert.Equal(Ip("10.0.0.7"), inbound.Destination);
        Assert.Equal("lan0", inbound.OutInterface);
        Assert.Equal("output interface lan0 ≠ wan0", StepOf(inbound, map, TraceHook.Postrouting).Reason);

        var outbound = Explain(Probe("lan0", "10.0.0.9", "203.0.113.5", 443), map);
        Assert.Null(outbound.DestinationRuleId);
        Assert.Equal("input interface lan0 ≠ wan0", StepOf(outbound, map, TraceHook.Prerouting).Reason);
        Assert.Equal(map.Id, outbound.SourceRuleId);
        Assert.Equal("source becomes 198.18.0.9 (10.0.0.0/24 → 198.18.0.0/24, host bits kept)", outbound.SourceTranslation);

        Assert.Null(Explain(Probe("lan0", "10.0.0.9", "198.18.0.7", 22), map).DestinationRuleId);
        var hairpin = Explain(Probe("lan0", "10.0.0.9", "198.18.0.7", 22), map with { Hairpin = true });
        Assert.Equal(map.Id, hairpin.DestinationRuleId);
        Assert.Equal(Ip("10.0.0.7"), hairpin.Destination);
        // The reflected flow goes back out lan0: the map's hairpin masquerade (first in postrouting) sends its replies through us.
        Assert.Equal(map.Id, hairpin.SourceRuleId);
        Assert.Equal("hairpin: masquerade to the address of lan0 (10.0.0.1)", hairpin.SourceTranslation);
    }

    [Fact]
    public void Nptv6_maps_the_prefix_and_keeps_the_interface_identifier()
    {
        var npt = new Nptv6Rule
        {
            Name = "npt", Family = NatFamily.Ipv6, OutsideInterfaces = ["wan0"],
            InsidePrefix = IpPrefix.Parse("fd00::/64"), OutsidePrefix = IpPrefix.Parse("2001:db8:0:1::/64"),
        };
        var route = Host with { Routes = [.. Host.Routes, new RouteInfo("2001:db8:0:1::", 64, null, "wan0")] };
        var outbound = StaticPacketTracer.Explain([npt], Probe("lan0", "fd00::abcd", "2001:db8:ffff::1", 443), route);
        Assert.Equal(npt.Id, outbound.SourceRuleId);
        Assert.StartsWith("source becomes 2001:db8:0:1::abcd", outbound.SourceTranslation);
        var inbound = StaticPacketTracer.Explain([npt], Probe("wan0", "2001:db8:ffff::1", "2001:db8:0:1::abcd", 443), route);
        Assert.Equal(Ip("fd00::abcd"), inbound.Destination);
        Assert.Equal("lan0", inbound.OutInterface);
    }
}
