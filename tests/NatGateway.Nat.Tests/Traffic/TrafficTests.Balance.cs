using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Nat.Tests.Traffic;

/// <summary>
/// Load-balanced forwards with real connections: the client connects to the public address, the backends are three
/// listeners in the server namespace (one address, three ports, so one lab serves every case).
/// </summary>
public sealed partial class TrafficTests
{
    private (LoadBalanceRule Rule, RecordingListener[] Listeners) BalanceOverThreeListeners(int n, int publicPort, BalanceMethod method)
    {
        var ports = new[] { 7300 + 10 * n, 7301 + 10 * n, 7302 + 10 * n };
        var rule = BalanceRules.Balance(n, publicPort, method, ports.Select(p => $"{NamespaceLab.ServerAddress}:{p}").ToArray());
        gw.Apply(rule);
        return (rule, ports.Select(p => new RecordingListener(Lab, Lab.Server, p)).ToArray());
    }

    [KernelFact]
    public void Round_robin_spreads_300_connections_evenly_over_3_backends_with_per_backend_counters()
    {
        var (rule, listeners) = BalanceOverThreeListeners(31, 8031, BalanceMethod.RoundRobin);
        try
        {
            const int connections = 300;
            for (var i = 0; i < connections; i++)
                Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8031), $"connection {i} failed");
            // Every connect returned after the listener's byte, so every accept is queued already.
            var counts = listeners.Select(l => l.Peers.Count).ToArray();
            Assert.Equal(connections, counts.Sum());
            Assert.All(counts, c => Assert.InRange(c, 90, 110));
            var counters = gw.Engine.ReadCounters()[rule.Id];
            Assert.Equal([0, 1, 2], counters.Backends.Select(b => b.Index));
            // The NAT chain sees one packet per new flow: each backend's counter is the number of flows it got.
            Assert.Equal(counts.Select(c => (long)c), counters.Backends.Select(b => b.Packets));
            Assert.Equal(connections, counters.Packets);
            AssertMark(8031, "--orig-port-dst", rule.MarkId);
        }
        finally
        {
            foreach (var l in listeners) l.Dispose();
        }
    }

    [KernelFact]
    public void Source_hash_sends_each_client_to_the_same_backend_every_time()
    {
        var (rule, listeners) = BalanceOverThreeListeners(32, 8032, BalanceMethod.SourceHash);
        try
        {
            foreach (var client in new[] { NamespaceLab.ClientAddress, GatewayLab.SecondClientAddress })
            {
                var before = listeners.Select(l => l.Peers.Count).ToArray();
                for (var i = 0; i < 20; i++)
                    Assert.True(LabTcp.Connects(Lab, Lab.Client, Public, 8032, client), $"connection {i} from {client} failed");
                var gained = listeners.Select((l, i) => l.Peers.Count - before[i]).ToArray();
                Assert.Equal(20, gained.Sum());
                Assert.Single(gained, g => g == 20);
            }
            Assert.Equal(40, gw.Engine.ReadCounters()[rule.Id].Packets);
        }
        finally
        {
            foreach (var l in listeners) l.Dispose();
        }
    }

    /// <summary>
    /// A UDP forward with udpUnreplied = 1234 s: the flow's conntrack entry counts down from 1234 instead of the sysctl's 30.
    /// libnftables older than 1.0.9 drops the policy from JSON input; the engine creates the object with its own netlink
    /// (table inet natgw_ct), so the policy holds on every version (the refusal this test once allowed is gone).
    /// </summary>
    [KernelFact]
    public void A_flow_through_a_rule_with_a_timeout_policy_carries_the_policys_timeout_or_the_apply_is_refused()
    {
        var rule = Rules.Forward(33, 8033, NamespaceLab.ServerAddress, 7033, protocol: NatProtocol.Udp)
            with { Timeouts = new ConntrackTimeoutPolicy { UdpUnreplied = 1234 } };
        gw.Apply(rule);
        Lab.Exec(Lab.Client, "bash", ["-c", $"echo natgw > /dev/udp/{Public}/8033"]).EnsureSuccess("udp datagram");
        // Wait for the entry (the datagram crosses the veth pair asynchronously), 60 s at most.
        string? entry = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); entry is null && DateTime.UtcNow < deadline; Thread.Sleep(entry is null ? 50 : 0))
            entry = Lab.Exec(Lab.Gateway, "conntrack", ["-L", "-p", "udp", "--orig-port-dst", "8033"]).StandardOutput
                .Split('\n').FirstOrDefault(l => l.Contains("dport=8033"));
        Assert.NotNull(entry);
        // "udp      17 1233 src=10.77.1.2 dst=10.77.1.1 sport=… dport=8033 [UNREPLIED] …": the third field is the time left.
        var left = int.Parse(entry.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
        Assert.InRange(left, 1100, 1234);
    }

    /// <summary>
    /// The timeout table follows the rules in force: a changed policy leaves only the new object (the old one, no longer
    /// named, is deleted after the batch), and a list without policies leaves no table inet natgw_ct at all.
    /// </summary>
    [KernelFact]
    public void The_timeout_table_keeps_only_the_policies_in_force_and_goes_with_the_last_one()
    {
        var forward = Rules.Forward(35, 8035, NamespaceLab.ServerAddress, 7035, protocol: NatProtocol.Udp);
        gw.Apply(forward with { Timeouts = new ConntrackTimeoutPolicy { UdpUnreplied = 600 } });
        gw.Apply(forward with { Timeouts = new ConntrackTimeoutPolicy { UdpUnreplied = 700 } });
        var listing = gw.NftCli("list", "table", "inet", "natgw_ct");
        Assert.Contains("ct timeout udp_unrep700 {", listing);
        Assert.Contains("policy = { unreplied : 700 }", listing);
        Assert.DoesNotContain("udp_unrep600", listing);
        Assert.Contains("ct mark 0x00230000/16 ct timeout set \"udp_unrep700\"", listing);
        gw.Apply(forward);
        Assert.DoesNotContain("natgw_ct", gw.NftCli("list", "tables"));
    }
}
