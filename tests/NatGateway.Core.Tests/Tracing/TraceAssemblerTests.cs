using System.Net;
using NatGateway.Core.Tracing;
using NatGateway.Nat;
using NatGateway.Netlink.Netfilter;
using Xunit;

namespace NatGateway.Core.Tests.Tracing;

/// <summary>Grouping trace events into packets, the rule listing lookup, and the arm batch.</summary>
public sealed class TraceAssemblerTests
{
    private const string Listing = """
        table ip natgw { # handle 1
        	chain prerouting { # handle 1
        		type nat hook prerouting priority dstnat; policy accept;
        		iifname "lan0" tcp dport 8080 counter packets 1 bytes 60 dnat to 10.77.2.2:80 comment "11111111-2222-3333-4444-555555555555 web" # handle 2
        	}
        	map fwd_tcp { # handle 3
        		type inet_service : ipv4_addr
        		elements = { 80 : 10.0.0.1 comment "x # handle 9" }
        	}
        }
        table inet filter { # handle 2
        	chain forward { # handle 1
        		type filter hook forward priority filter; policy accept;
        		tcp dport 81 counter packets 0 bytes 0 drop # handle 2
        		ip daddr { 10.0.0.1, 10.0.0.2 } comment "22222222-2222-3333-4444-555555555555 not ours" accept # handle 4
        	}
        }
        """;

    private static NftTraceEvent Event(uint id, byte family, string table, string chain, NftTraceType type, ulong? handle = null,
        int? verdict = null, uint? policy = null, uint? iif = null, uint? oif = null) => new()
    {
        Id = id, Family = family, Table = table, Chain = chain, Type = type, RuleHandle = handle, VerdictCode = verdict, Policy = policy,
        InInterfaceIndex = iif, OutInterfaceIndex = oif,
    };

    private static TraceAssembler Assembler(int maxPackets = 10)
    {
        var rules = RuleHandleIndex.Parse(Listing);
        return new TraceAssembler("inet", "natgw_trace", maxPackets, i => i switch { 2 => "lan0", 3 => "wan0", _ => null },
            rules.Find, (family, table) => table is "natgw" or "natgw_trace" && family is "ip" or "ip6" or "inet");
    }

    private static IEnumerable<NftTraceEvent> Armed(uint id) =>
    [
        Event(id, 1, "natgw_trace", "trace", NftTraceType.Rule, 5, NftVerdictCode.Continue, iif: 2),
        Event(id, 1, "natgw_trace", "trace", NftTraceType.Rule, null, NftVerdictCode.Continue),
        Event(id, 1, "natgw_trace", "trace", NftTraceType.Policy, policy: 1),
    ];

    [Fact]
    public void Hops_of_our_dnat_and_a_foreign_drop_are_grouped_per_packet_with_rule_text_and_id()
    {
        var a = Assembler();
        foreach (var e in Armed(7)) Assert.True(a.Add(e));
        a.Add(Event(7, 2, "natgw", "prerouting", NftTraceType.Rule, 2, NftVerdictCode.Accept, iif: 2));
        a.Add(Event(7, 1, "filter", "forward", NftTraceType.Rule, 2, NftVerdictCode.Drop, iif: 2, oif: 3));

        var packet = Assert.Single(a.Build());
        Assert.Equal((7u, "lan0", "wan0"), (packet.TraceId, packet.InInterface, packet.OutInterface));
        Assert.Collection(packet.Hops,
            dnat =>
            {
                Assert.Equal(("ip", "natgw", "prerouting", TraceEventKind.Rule, (ulong?)2, TraceVerdict.Accept), (dnat.Family, dnat.Table, dnat.Chain, dnat.Kind, dnat.RuleHandle, dnat.Verdict));
                Assert.True(dnat.OurTable);
                Assert.Equal(Guid.Parse("11111111-2222-3333-4444-555555555555"), dnat.RuleId);
                Assert.StartsWith("iifname \"lan0\" tcp dport 8080 counter", dnat.RuleText);
                Assert.DoesNotContain("# handle", dnat.RuleText);
            },
            drop =>
            {
                Assert.Equal(("inet", "filter", "forward", TraceVerdict.Drop, "tcp dport 81 counter packets 0 bytes 0 drop"), (drop.Family, drop.Table, drop.Chain, drop.Verdict, drop.RuleText));
                Assert.False(drop.OurTable);
                Assert.Null(drop.RuleId);
            });
    }

    [Fact]
    public void A_reused_trace_id_after_the_packet_left_the_arm_chain_starts_a_new_packet()
    {
        var a = Assembler();
        foreach (var e in Armed(9)) a.Add(e);
        a.Add(Event(9, 1, "filter", "forward", NftTraceType.Policy, policy: 1));
        foreach (var e in Armed(9)) a.Add(e);
        a.Add(Event(9, 1, "filter", "forward", NftTraceType.Policy, policy: 1));
        var packets = a.Build();
        Assert.Equal(2, packets.Count);
        Assert.All(packets, p => Assert.Equal(("filter", TraceEventKind.Policy, TraceVerdict.Accept), (Assert.Single(p.Hops).Table, p.Hops[0].Kind, p.Hops[0].Verdict)));
    }

    [Fact]
    public void Events_of_packets_someone_else_traces_are_ignored()
    {
        var a = Assembler();
        Assert.False(a.Add(Event(3, 1, "filter", "forward", NftTraceType.Rule, 2, NftVerdictCode.Drop)));
        Assert.Empty(a.Build());
    }

    [Fact]
    public void Packets_beyond_the_bound_truncate_the_trace()
    {
        var a = Assembler(maxPackets: 2);
        foreach (var id in new uint[] { 1, 2, 3 })
            foreach (var e in Armed(id)) a.Add(e);
        Assert.True(a.Truncated);
        Assert.Equal(2, a.Build().Count);
    }

    [Fact]
    public void Verdict_codes_map_to_the_contract()
    {
        Assert.Equal(TraceVerdict.Jump, TraceAssembler.Verdict(NftVerdictCode.Jump));
        Assert.Equal(TraceVerdict.Goto, TraceAssembler.Verdict(NftVerdictCode.Goto));
        Assert.Equal(TraceVerdict.Return, TraceAssembler.Verdict(NftVerdictCode.Return));
        Assert.Equal(TraceVerdict.Queue, TraceAssembler.Verdict(NftVerdictCode.Queue));
        Assert.Equal(TraceVerdict.Continue, TraceAssembler.Verdict(null));
        Assert.Equal("ip6", TraceAssembler.FamilyName(10));
        Assert.Equal("bridge", TraceAssembler.FamilyName(7));
    }

    [Fact]
    public void The_listing_index_takes_only_chain_rules_and_their_comment_ids()
    {
        var index = RuleHandleIndex.Parse(Listing);
        Assert.Equal(3, index.Count); // not the map element whose comment text says "# handle 9"
        Assert.Null(index.Find("ip", "natgw", 9));
        Assert.Null(index.Find("ip", "natgw", 3));
        Assert.Equal(Guid.Parse("22222222-2222-3333-4444-555555555555"), index.Find("inet", "filter", 4)!.RuleId);
        Assert.Null(index.Find("ip", "filter", 2)); // handles are per table: family and name both count
    }

    [Fact]
    public void The_arm_batch_matches_exactly_the_probe_and_sets_nftrace()
    {
        var probe = new PacketProbe(NatFamily.Ipv4, ProbeProtocol.Tcp, IPAddress.Parse("10.77.1.2"), IPAddress.Parse("10.77.1.1"), 40000, 8080, "lan0");
        var json = TraceArm.Arm(probe).ToJson();
        using (var document = System.Text.Json.JsonDocument.Parse(json))
        {
            var commands = document.RootElement.GetProperty("nftables").EnumerateArray().Select(c => c.EnumerateObject().Single().Name).ToList();
            Assert.Equal(["add", "delete", "add", "add", "add"], commands); // replaces a leftover table in the same transaction
        }
        Assert.Contains(""""type":"filter","hook":"prerouting","prio":-301,"policy":"accept"""", json);
        Assert.Contains("""expr":[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"lan0"}},{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"10.77.1.2"}},{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":"10.77.1.1"}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"sport"}},"right":40000}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":8080}},{"mangle":{"key":{"meta":{"key":"nftrace"}},"value":1}}]""", json);
        Assert.Contains("natgw_trace", json);

        var anyPort = TraceArm.Arm(probe with { Family = NatFamily.Ipv6, Protocol = ProbeProtocol.Udp, Source = IPAddress.Parse("fd77:1::2"),
            Destination = IPAddress.Parse("fd77:2::2"), SourcePort = 0 }).ToJson();
        Assert.DoesNotContain("sport", anyPort);
        Assert.Contains("""{"payload":{"protocol":"ip6","field":"saddr"}},"right":"fd77:1::2"}""", anyPort);
        Assert.Contains("""{"payload":{"protocol":"udp","field":"dport"}},"right":8080""", anyPort);
    }

    [Fact]
    public void Probes_outside_the_limits_are_refused_with_the_field()
    {
        var ok = new PacketProbe(NatFamily.Ipv4, ProbeProtocol.Tcp, IPAddress.Parse("10.77.1.2"), IPAddress.Parse("10.77.1.1"), 0, 80, "lan0");
        Assert.Null(NatGateway.Core.Kernel.TraceLimits.ProbeProblem(ok));
        Assert.Equal("source", NatGateway.Core.Kernel.TraceLimits.ProbeProblem(ok with { Source = IPAddress.Parse("fd00::1") })?.Field);
        Assert.Equal("destinationPort", NatGateway.Core.Kernel.TraceLimits.ProbeProblem(ok with { DestinationPort = 0 })?.Field);
        Assert.Equal("sourcePort", NatGateway.Core.Kernel.TraceLimits.ProbeProblem(ok with { SourcePort = 70000 })?.Field);
        Assert.Equal("inInterface", NatGateway.Core.Kernel.TraceLimits.ProbeProblem(ok with { InInterface = "lan*" })?.Field);
        Assert.Equal("inInterface", NatGateway.Core.Kernel.TraceLimits.ProbeProblem(ok with { InInterface = "lan0\"; drop" })?.Field);
        Assert.NotNull(NatGateway.Core.Kernel.TraceLimits.WindowProblem(TimeSpan.FromSeconds(61)));
        Assert.NotNull(NatGateway.Core.Kernel.TraceLimits.WindowProblem(TimeSpan.Zero));
        Assert.NotNull(NatGateway.Core.Kernel.TraceLimits.PacketsProblem(0));
    }
}
