using System.Text.RegularExpressions;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Nat.Tests.Traffic;

/// <summary>
/// Real TCP traffic through the gateway namespace. Directions:
/// source NAT — the client (10.77.1.2, LAN side) talks to the server (10.77.2.2) out of wan0;
/// port forwards — the client plays the outside host and connects to the gateway's lan0 address 10.77.1.1,
/// forwarded to services in the server namespace (the inside network, iif "lan0").
/// Hairpin — a host in the server network (10.77.2.3) uses the public address 10.77.1.1.
/// Every test uses its own ports so leftover conntrack entries of other tests never match.
/// </summary>
public sealed partial class TrafficTests(GatewayLab gw) : IClassFixture<GatewayLab>
{
    private NamespaceLab Lab => gw.Lab;
    private const string Public = NamespaceLab.GatewayLanAddress;
    // A connection expected to fail may be dropped silently: don't wait the generous success timeout for it.
    private const int NegativeTimeoutMs = 1500;

    [KernelFact]
    public void Masquerade_makes_the_server_see_the_gateways_wan_address()
    {
        var masquerade = Rules.Masquerade(11);
        gw.Apply(masquerade);
        using var listener = new RecordingListener(Lab, Lab.Server, 7001);
        Assert.True(LabTcp.Connects(Lab, Lab.Client, NamespaceLab.ServerAddress, 7001));
        Assert.Equal(NamespaceLab.GatewayWanAddress, listener.NextPeer()!.Address.ToString());
        Assert.True(gw.Engine.ReadCounters()[masquerade.Id].Packets >= 1);
        AssertMark(7001, "--orig-port-dst", masquerade.MarkId);
    }

    [KernelFact]
    public void A_trailing_wildcard_interface_matches_by_prefix_alone_and_in_a_set()
    {
        using var listener = new RecordingListener(Lab, Lab.Server, 7031);
        // "wa*" matches wan0: the server sees the gateway's wan address; the rule passes validation as written.
        var byPrefix = Rules.Masquerade(31, oif: "wa*");
        Assert.True(NatRuleValidator.Validate(byPrefix, []).IsValid);
        gw.Apply(byPrefix);
        Assert.Contains("oifname \"wa*\"", gw.NftCli("list", "table", "ip", "natgw"));
        Assert.True(LabTcp.Connects(Lab, Lab.Client, NamespaceLab.ServerAddress, 7031, NamespaceLab.ClientAddress, 43101));
        Assert.Equal(NamespaceLab.GatewayWanAddress, listener.NextPeer()!.Address.ToString());
        Assert.True(gw.Engine.ReadCounters()[byPrefix.Id].Packets >= 1);

        // In a set with a plain name (nft makes it an interval set): still translated.
        gw.Apply(byPrefix with { OutInterfaces = ["lan0", "wa*"] });
        Assert.True(LabTcp.Connects(Lab, Lab.Client, NamespaceLab.ServerAddress, 7031, NamespaceLab.ClientAddress, 43102));
        Assert.Equal(NamespaceLab.GatewayWanAddress, listener.NextPeer()!.Address.ToString());

        // A prefix that matches no interface translates nothing: the server sees the client itself.
        gw.Apply(byPrefix with { OutInterfaces = ["wb*"] });
        Assert.True(LabTcp.Connects(Lab, Lab.Client, NamespaceLab.ServerAddress, 7031, NamespaceLab.ClientAddress, 43103));
        Assert.Equal(NamespaceLab.ClientAddress, listener.NextPeer()!.Address.ToString());

        // The same for a port forward's input interface.
        using var service = new RecordingListener(Lab, Lab.Server, 7032);
        gw.Apply(Rules.Forward(32, 8032, NamespaceLab.ServerAddress, 7032, iif: "la*"));
        Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8032));
        Assert.Equal(NamespaceLab.ClientAddress, service.NextPeer()!.Address.ToString());
    }

    [KernelFact]
    public void Fully_random_masquerade_changes_source_ports_plain_masquerade_keeps_them()
    {
        using var listener = new RecordingListener(Lab, Lab.Server, 7002);
        gw.Apply(Rules.Masquerade(12));
        var kept = SourcePortsSeen(listener, 41001);
        Assert.Equal([41001, 41002, 41003, 41004, 41005], kept);

        gw.Apply(Rules.Masquerade(12) with { Options = NatOptions.FullyRandom });
        var randomised = SourcePortsSeen(listener, 42001);
        Assert.True(randomised.Count(p => p is < 42001 or > 42005) >= 4, $"ports seen: {string.Join(",", randomised)}");
    }

    private int[] SourcePortsSeen(RecordingListener listener, int firstPort) =>
        Enumerable.Range(firstPort, 5).Select(port =>
        {
            Assert.True(LabTcp.Connects(Lab, Lab.Client, NamespaceLab.ServerAddress, listener.Port, NamespaceLab.ClientAddress, port));
            return listener.NextPeer()!.Port;
        }).ToArray();

    [KernelFact]
    public void Snat_to_a_pool_uses_only_pool_addresses()
    {
        var snat = Rules.Snat(13, "10.77.2.10-10.77.2.12") with { SourceCidrs = [IpPrefix.Parse("10.77.1.0/24")] };
        gw.Apply(snat);
        using var listener = new RecordingListener(Lab, Lab.Server, 7003);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(LabTcp.Connects(Lab, Lab.Client, NamespaceLab.ServerAddress, 7003));
            Assert.Contains(listener.NextPeer()!.Address.ToString(), GatewayLab.SnatPool);
        }
        Assert.True(gw.Engine.ReadCounters()[snat.Id].Packets >= 4);
    }

    [KernelFact]
    public void Port_forward_reaches_the_inside_service_with_the_clients_address_counter_and_mark()
    {
        var forward = Rules.Forward(14, 8014, NamespaceLab.ServerAddress, 7014);
        gw.Apply(forward);
        using var listener = new RecordingListener(Lab, Lab.Server, 7014);
        Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8014));
        Assert.Equal(NamespaceLab.ClientAddress, listener.NextPeer()!.Address.ToString());
        Assert.True(gw.Engine.ReadCounters()[forward.Id].Packets >= 1);
        AssertMark(8014, "--orig-port-dst", forward.MarkId);
    }

    [KernelFact]
    public void Port_range_maps_one_to_one()
    {
        gw.Apply(Rules.Forward(15, 9150, NamespaceLab.ServerAddress) with { DestinationPort = new PortRange(9150, 9152), TargetPort = new PortRange(7150, 7152) });
        using var listener = new RecordingListener(Lab, Lab.Server, 7151);
        Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 9151));
        Assert.NotNull(listener.NextPeer());
        Assert.False(LabTcp.Connects(Lab, Lab.Client, Public, 9150, timeoutMs: NegativeTimeoutMs), "9150 maps to 7150, where nothing listens");
    }

    [KernelFact]
    public void Source_restricted_forward_admits_allowed_sources_only()
    {
        gw.Apply(Rules.Forward(16, 8016, NamespaceLab.ServerAddress, 7016) with { SourceCidrs = [IpPrefix.Parse(NamespaceLab.ClientAddress)] });
        using var listener = new RecordingListener(Lab, Lab.Server, 7016);
        Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8016, NamespaceLab.ClientAddress));
        Assert.False(LabTcp.Connects(Lab, Lab.Client, Public, 8016, GatewayLab.SecondClientAddress, timeoutMs: NegativeTimeoutMs));
        Assert.Equal(NamespaceLab.ClientAddress, listener.NextPeer()!.Address.ToString());
        Assert.Null(listener.NextPeer(200));
    }

    [KernelFact]
    public void Hairpin_lets_an_inside_host_use_the_public_address()
    {
        using var listener = new RecordingListener(Lab, Lab.Server, 7017);
        var forward = Rules.Forward(17, 8017, NamespaceLab.ServerAddress, 7017);
        gw.Apply(forward);
        Assert.False(LabTcp.Connects(Lab, Lab.Server, Public, 8017, GatewayLab.SecondInsideAddress, timeoutMs: NegativeTimeoutMs), "no reflection without hairpin");

        gw.Apply(forward with { Hairpin = true });
        Assert.True(LabTcp.Connects(Lab, Lab.Server, Public, 8017, GatewayLab.SecondInsideAddress));
        // Masqueraded back through the gateway, so the service answers via the gateway.
        Assert.Equal(NamespaceLab.GatewayWanAddress, listener.NextPeer()!.Address.ToString());
        // Outside clients still arrive with their own address.
        Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8017));
        Assert.Equal(NamespaceLab.ClientAddress, listener.NextPeer()!.Address.ToString());
    }

    [KernelFact]
    public void A_disabled_rule_has_no_effect()
    {
        using var listener = new RecordingListener(Lab, Lab.Server, 7018);
        var forward = Rules.Forward(18, 8018, NamespaceLab.ServerAddress, 7018);
        gw.Apply(forward with { Enabled = false });
        Assert.False(LabTcp.Connects(Lab, Lab.Client, Public, 8018, timeoutMs: NegativeTimeoutMs));
        gw.Apply(forward);
        Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8018));
    }

    [KernelFact]
    public void Map_compiled_forwards_keep_first_match_order_counters_and_marks()
    {
        // A: 8019 only from the second client -> 7191; B: plain 8019 -> 7192 (in a map, must stay after A); C: plain 8020 -> 7193.
        var a = Rules.Forward(19, 8019, NamespaceLab.ServerAddress, 7191) with { SourceCidrs = [IpPrefix.Parse(GatewayLab.SecondClientAddress)] };
        var b = Rules.Forward(20, 8019, NamespaceLab.ServerAddress, 7192);
        // TCP flows carry the foreign table's bits (0x5): they take the segment's keep path, and a mark id above 255 uses both mark bytes.
        var c = Rules.Forward(21, 8020, NamespaceLab.ServerAddress, 7193) with { MarkId = 0x1234 };
        var compiled = gw.Apply(a, b, c);
        Assert.NotNull(compiled.Rules.Single(r => r.RuleId == b.Id).MapSegment);
        using var la = new RecordingListener(Lab, Lab.Server, 7191);
        using var lb = new RecordingListener(Lab, Lab.Server, 7192);
        using var lc = new RecordingListener(Lab, Lab.Server, 7193);

        Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8019, GatewayLab.SecondClientAddress));
        Assert.NotNull(la.NextPeer());
        Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8019, NamespaceLab.ClientAddress));
        Assert.NotNull(lb.NextPeer());
        Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8020));
        Assert.NotNull(lc.NextPeer());

        var counters = gw.Engine.ReadCounters();
        Assert.Equal(1, counters[a.Id].Packets);
        Assert.Equal(1, counters[b.Id].Packets);
        Assert.Equal(1, counters[c.Id].Packets);
        AssertMark(8020, "--orig-port-dst", c.MarkId);
    }

    [KernelFact]
    public void Map_forwards_of_flows_without_other_mark_bits_take_the_mark_straight_from_the_map()
    {
        // The foreign table marks TCP only: these UDP flows reach our segment with the other bits clear (the fast rule).
        var low = Rules.Forward(24, 8024, NamespaceLab.ServerAddress, 7024, protocol: NatProtocol.Udp);
        var wide = Rules.Forward(25, 8025, NamespaceLab.ServerAddress, 7025, protocol: NatProtocol.Udp) with { MarkId = 0x1234 };
        var compiled = gw.Apply(low, wide);
        Assert.Equal("fwd1", compiled.Rules.Single(r => r.RuleId == wide.Id).MapSegment);
        foreach (var port in new[] { 8024, 8025 })
        {
            var sent = Lab.Exec(Lab.Client, "bash", ["-c", $"echo natgw > /dev/udp/{Public}/{port}"]);
            Assert.True(sent.ExitCode == 0, sent.StandardError);
        }

        var counters = gw.Engine.ReadCounters();
        Assert.Equal(1, counters[low.Id].Packets);
        Assert.Equal(1, counters[wide.Id].Packets);
        AssertMark(8024, "--orig-port-dst", low.MarkId, otherBits: 0, protocol: "udp");
        AssertMark(8025, "--orig-port-dst", wide.MarkId, otherBits: 0, protocol: "udp");
    }

    [KernelFact]
    public void Ipv6_port_forwards_through_a_map()
    {
        var forward = Rules.Forward(22, 8022, NamespaceLab.ServerAddress6, 7022) with { Family = NatFamily.Ipv6 };
        var compiled = gw.Apply(forward, Rules.Forward(23, 8023, NamespaceLab.ServerAddress6, 7023) with { Family = NatFamily.Ipv6 });
        Assert.NotNull(compiled.Rules.Single(r => r.RuleId == forward.Id).MapSegment);
        using var listener = new RecordingListener(Lab, Lab.Server, 7022);
        Assert.True(LabTcp.Connects(Lab, Lab.Client, NamespaceLab.GatewayLanAddress6, 8022));
        Assert.Equal(NamespaceLab.ClientAddress6, listener.NextPeer()!.Address.ToString());
        Assert.Equal(1, gw.Engine.ReadCounters()[forward.Id].Packets);
        AssertMark(8022, "--orig-port-dst", forward.MarkId, "-f", "ipv6");
    }

    /// <summary>
    /// <c>conntrack -L</c> in the gateway shows the rule's mark id under the mask, and the foreign table's bits (0x5) survive.
    /// </summary>
    private void AssertMark(int port, string portOption, int markId, params string[] extra) => AssertMark(port, portOption, markId, 5u, "tcp", extra);

    /// <summary><c>conntrack -L -p PROTOCOL</c>: the rule's mark id under the mask, and exactly <paramref name="otherBits"/> outside it.</summary>
    private void AssertMark(int port, string portOption, int markId, uint otherBits, string protocol, params string[] extra)
    {
        var listing = Lab.Exec(Lab.Gateway, "conntrack", ["-L", .. extra, "-p", protocol, portOption, port.ToString()]).StandardOutput;
        var marks = MarkPattern().Matches(listing).Select(m => uint.Parse(m.Groups[1].Value)).ToList();
        Assert.NotEmpty(marks);
        var options = gw.Engine.Options;
        Assert.All(marks, mark =>
        {
            Assert.Equal(markId, options.MarkIdOf(mark));
            Assert.Equal(otherBits, mark & ~options.MarkMask);
        });
    }

    [GeneratedRegex(@"mark=(\d+)")]
    private static partial Regex MarkPattern();
}
