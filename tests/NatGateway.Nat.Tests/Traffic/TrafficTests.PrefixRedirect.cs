using NatGateway.Nat;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Nat.Tests.Traffic;

/// <summary>
/// 1:1 NAT, NPTv6 and redirect with real TCP traffic. The prefix maps put the inside network on the server side and the
/// outside on lan0 (the client plays the outside world): the mapped outside prefixes are on no link, and the client
/// reaches them through its default route, the gateway.
/// </summary>
public sealed partial class TrafficTests
{
    [KernelFact]
    public void One_to_one_nat_maps_each_of_four_inside_hosts_to_its_outside_address_both_ways()
    {
        var map = Rules.OneToOne(41, GatewayLab.MappedInsidePrefix, GatewayLab.MappedOutsidePrefix);
        gw.Apply(map);
        var outside = GatewayLab.MappedInsideHosts.Select(h => "10.77.9." + h.Split('.')[3]).ToArray();

        // Out: each inside host leaves with its own mapped address (host bits kept), not one shared address.
        using (var client = new RecordingListener(Lab, Lab.Client, 7041))
            for (var i = 0; i < 4; i++)
            {
                Assert.True(LabTcp.Connects(Lab, Lab.Server, NamespaceLab.ClientAddress, 7041, GatewayLab.MappedInsideHosts[i]), GatewayLab.MappedInsideHosts[i]);
                Assert.Equal(outside[i], client.NextPeer()!.Address.ToString());
            }

        // In: each outside address reaches its inside host, which sees the client's own address.
        using (var service = new RecordingListener(Lab, Lab.Server, 7042))
        {
            for (var i = 0; i < 4; i++)
                Assert.True(LabTcp.Connects(Lab, Lab.Client, outside[i], 7042), outside[i]);
            Assert.Equal(GatewayLab.MappedInsideHosts, Enumerable.Range(0, 4).Select(_ => service.NextLocal()!.Address.ToString()));
            Assert.Equal(Enumerable.Repeat(NamespaceLab.ClientAddress, 4), Enumerable.Range(0, 4).Select(_ => service.NextPeer()!.Address.ToString()));
        }

        // Eight flows, counted on the rule's two nft rules; both directions carry the rule's mark.
        Assert.True(gw.Engine.ReadCounters()[map.Id].Packets >= 8);
        AssertMark(7041, "--orig-port-dst", map.MarkId);
        AssertMark(7042, "--orig-port-dst", map.MarkId);
    }

    [KernelFact]
    public void One_to_one_hairpin_lets_an_inside_host_reach_another_through_its_outside_address()
    {
        var map = Rules.OneToOne(44, GatewayLab.MappedInsidePrefix, GatewayLab.MappedOutsidePrefix);
        using var service = new RecordingListener(Lab, Lab.Server, 7044);
        gw.Apply(map);
        Assert.False(LabTcp.Connects(Lab, Lab.Server, "10.77.9.5", 7044, GatewayLab.MappedInsideHosts[0], timeoutMs: NegativeTimeoutMs),
            "no reflection without hairpin");

        gw.Apply(map with { Hairpin = true });
        Assert.True(LabTcp.Connects(Lab, Lab.Server, "10.77.9.5", 7044, GatewayLab.MappedInsideHosts[0]));
        // Reached 10.77.2.5, masqueraded so that the reply comes back through the gateway.
        Assert.Equal("10.77.2.5", service.NextLocal()!.Address.ToString());
        Assert.Equal(NamespaceLab.GatewayWanAddress, service.NextPeer()!.Address.ToString());
    }

    [KernelFact]
    public void Nptv6_maps_the_inside_prefix_onto_the_outside_prefix_both_ways()
    {
        var npt = Rules.Nptv6(42, "fd77:2::/64", "fd77:9::/64");
        gw.Apply(npt);

        // Out: the server fd77:2::2 reaches the client as fd77:9::2 (the interface identifier kept).
        using (var client = new RecordingListener(Lab, Lab.Client, 7045))
        {
            Assert.True(LabTcp.Connects(Lab, Lab.Server, NamespaceLab.ClientAddress6, 7045));
            Assert.Equal("fd77:9::2", client.NextPeer()!.Address.ToString());
        }

        // In: fd77:9::2 reaches the server at fd77:2::2, with the client's own address.
        using (var service = new RecordingListener(Lab, Lab.Server, 7046))
        {
            Assert.True(LabTcp.Connects(Lab, Lab.Client, "fd77:9::2", 7046));
            Assert.Equal(NamespaceLab.ServerAddress6, service.NextLocal()!.Address.ToString());
            Assert.Equal(NamespaceLab.ClientAddress6, service.NextPeer()!.Address.ToString());
        }
        Assert.True(gw.Engine.ReadCounters()[npt.Id].Packets >= 2);
        AssertMark(7046, "--orig-port-dst", npt.MarkId, "-f", "ipv6");
    }

    [KernelFact]
    public void Redirect_sends_tcp_to_a_listener_in_the_gateway_whatever_the_destination()
    {
        var v4 = Rules.Redirect(43, 8043, 7043);
        var v6 = Rules.Redirect(45, 8043, 7043) with { Family = NatFamily.Ipv6 };
        gw.Apply(v4, v6);
        using var proxy = new RecordingListener(Lab, Lab.Gateway, 7043);

        // Passing through (to the server) and to the gateway itself: both end at the gateway's port 7043.
        Assert.True(LabTcp.Connects(Lab, Lab.Client, NamespaceLab.ServerAddress, 8043));
        Assert.Equal(NamespaceLab.ClientAddress, proxy.NextPeer()!.Address.ToString());
        Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8043));
        Assert.Equal(NamespaceLab.ClientAddress, proxy.NextPeer()!.Address.ToString());
        Assert.True(LabTcp.Connects(Lab, Lab.Client, NamespaceLab.ServerAddress6, 8043));
        Assert.Equal(NamespaceLab.ClientAddress6, proxy.NextPeer()!.Address.ToString());

        var counters = gw.Engine.ReadCounters();
        Assert.Equal(2, counters[v4.Id].Packets);
        Assert.Equal(1, counters[v6.Id].Packets);
        AssertMark(8043, "--orig-port-dst", v4.MarkId, "-f", "ipv4");
        AssertMark(8043, "--orig-port-dst", v6.MarkId, "-f", "ipv6");
        // Off again: the server has nothing on 8043.
        gw.Apply();
        Assert.False(LabTcp.Connects(Lab, Lab.Client, NamespaceLab.ServerAddress, 8043, timeoutMs: NegativeTimeoutMs));
    }
}
