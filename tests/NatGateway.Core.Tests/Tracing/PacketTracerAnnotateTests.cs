using System.Net;
using NatGateway.Core.Tracing;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests.Tracing;

/// <summary>
/// Live hops of our tables are named by rule: from the rule comment, and for the uncommented chains of a plain forwards'
/// map segment (<c>fwdN</c>, <c>fwdN_keep</c>, the prerouting rule jumping there) from the member holding the probe's port,
/// numbered per family as the compiler numbers them. Foreign hops stay unnamed.
/// </summary>
public sealed class PacketTracerAnnotateTests
{
    private static DnatRule Plain(string name, int port, NatProtocol protocol, int markId, NatFamily family = NatFamily.Ipv4) => new()
    {
        Name = name, MarkId = markId, InInterfaces = ["wan0"], Protocol = protocol, DestinationPort = new PortRange(port), Family = family,
        TargetAddress = AddressPool.Parse(family == NatFamily.Ipv6 ? "fd00::2" : "10.0.0.2"),
    };

    private static TraceHop Hop(string chain, string? jump = null, string? text = null, bool ours = true) =>
        new("ip", ours ? "natgw" : "filter", chain, TraceEventKind.Rule, 1, text, jump is null ? TraceVerdict.Accept : TraceVerdict.Jump, jump, ours, null);

    [Fact]
    public void Segment_chains_name_the_member_of_the_probes_port_and_protocol_and_comments_name_the_rest()
    {
        var v6 = Plain("v6", 80, NatProtocol.Tcp, 1, NatFamily.Ipv6);
        var http = Plain("http", 80, NatProtocol.Both, 2);
        var dns = Plain("dns", 53, NatProtocol.Udp, 3);
        var ssh = Plain("ssh", 22, NatProtocol.Tcp, 4);
        IReadOnlyList<NatRule> rules = [v6, http, dns, ssh];
        var segments = NatRulesetCompiler.Compile(rules).Plan.Units.OfType<DnatMapSegment>().Where(s => s.Key.Family == NatFamily.Ipv4).ToList();
        Assert.Equal([NatProtocol.Tcp, NatProtocol.Udp], segments.Select(s => s.Key.Protocol)); // fwd1 tcp (http, ssh), fwd2 udp (http, dns)

        var other = Guid.NewGuid();
        TracedPacket Packet() => new(1, "wan0", "lan0", [
            Hop("prerouting", jump: "fwd2"), Hop("fwd2_keep", jump: "fwd2"), Hop("fwd2"),
            Hop("postrouting", text: $"oifname \"lan0\" masquerade comment \"{other} x\""),
            Hop("forward", text: $"comment \"{other}\"", ours: false)]);

        var udp53 = new PacketProbe(NatFamily.Ipv4, ProbeProtocol.Udp, IPAddress.Parse("198.51.100.7"), IPAddress.Parse("192.0.2.1"), 0, 53, "wan0");
        var named = PacketTracer.Annotate([Packet()], rules, udp53, new NatCompileOptions()).Single().Hops;
        Assert.Equal([dns.Id, dns.Id, dns.Id, other, null], named.Select(h => h.RuleId));

        var udp80 = udp53 with { DestinationPort = 80 };
        Assert.Equal(http.Id, PacketTracer.Annotate([Packet()], rules, udp80, new NatCompileOptions()).Single().Hops[2].RuleId);
        // A tcp probe: fwd2 is the udp segment, so nothing there is the probe's.
        Assert.Null(PacketTracer.Annotate([Packet()], rules, udp80 with { Protocol = ProbeProtocol.Tcp }, new NatCompileOptions()).Single().Hops[2].RuleId);
    }
}
