using System.Net;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;
using NatGateway.Nat;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Agent.Tests.Kernel;

/// <summary>
/// Live traces through the real <c>natgw agent</c> (<see cref="IPacketTracing"/> over the socket): a TCP SYN from the
/// lab client through our DNAT, and one dropped by a foreign <c>table inet filter</c> the lab adds in the gateway
/// namespace. The arm table exists only while a capture runs; the test waits for it before sending.
/// </summary>
public sealed partial class AgentKernelTests
{
    private const string ForeignFilter = """
        table inet filter {
        	chain forward {
        		type filter hook forward priority filter; policy accept;
        		tcp dport 81 counter drop
        	}
        }
        """;

    private static PacketProbe Probe(string destination, int port) =>
        new(NatFamily.Ipv4, ProbeProtocol.Tcp, IPAddress.Parse(NamespaceLab.ClientAddress), IPAddress.Parse(destination), 0, port, NamespaceLab.GatewayLanInterface);

    private bool Armed() => agent.Lab.Exec(agent.Gateway, "nft", "list", "table", TraceArm.Family, TraceArm.Table).ExitCode == 0;

    /// <summary>Starts a capture in the agent, waits until its arm table exists, connects from the client, returns the capture.</summary>
    private async Task<IReadOnlyList<TracedPacket>> TraceConnect(PacketProbe probe, Action whileArmed)
    {
        var capture = Task.Run(() => agent.Kernel.Tracing.Capture(probe, TimeSpan.FromSeconds(30), maxPackets: 1));
        await WaitUntilAsync(() => Armed() || capture.IsCompleted, "the trace to be armed", () => capture.Exception?.ToString() ?? "");
        whileArmed();
        // The SYN is what is traced; whether the connection completes does not matter (the drop case never does).
        agent.Lab.ExecWithTimeout(agent.Lab.Client, TimeSpan.FromSeconds(10), "timeout", "3", "bash", "-c",
            $"echo > /dev/tcp/{probe.Destination}/{probe.DestinationPort}");
        return await capture.WaitAsync(TimeSpan.FromSeconds(90));
    }

    [KernelFact]
    public async Task A_live_trace_shows_our_dnat_hop_and_names_the_foreign_table_and_rule_that_drops()
    {
        var kernel = agent.Kernel;
        var rules = MarkIdAllocator.AssignMissing(new[]
        {
            // With a source CIDR the forward is its own rule carrying its id in the comment (plain forwards share a map
            // rule: naming the element's rule is IPacketTracer's annotation, not the kernel half's).
            """{"kind": "dnat", "name": "web", "inInterfaces": ["lan0"], "protocol": "tcp", "sourceCidrs": ["10.77.1.0/24"], "destinationPort": "8080", "targetAddress": "10.77.2.2", "targetPort": "80"}""",
        }.Select(json => NatRuleJson.Parse(json).Rule!).ToList());
        kernel.NatTables.Apply(rules);
        kernel.Sysctl.Write(SysctlKey.Ipv4Forwarding, "1");
        agent.Lab.Exec(agent.Gateway, "nft", "-f", WriteTemp(ForeignFilter)).EnsureSuccess("foreign table");
        try
        {
            TraceUnavailableException? busy = null;
            var dnat = Assert.Single(await TraceConnect(Probe(NamespaceLab.GatewayLanAddress, 8080), () =>
                busy = Assert.Throws<TraceUnavailableException>(() => kernel.Tracing.Capture(Probe(NamespaceLab.ServerAddress, 81), TimeSpan.FromSeconds(1), 1))));
            // One trace at a time: the second, while the first was armed, was refused as busy (409), not unavailable.
            Assert.Equal(TraceRefusal.Busy, busy!.Refusal);

            Assert.Equal(NamespaceLab.GatewayLanInterface, dnat.InInterface);
            Assert.Equal(NamespaceLab.GatewayWanInterface, dnat.OutInterface);
            var shown = string.Join("\n", dnat.Hops);
            // Our DNAT: the hop of our table whose verdict accepted the packet (after a jump into the rule's chain).
            var hop = dnat.Hops.SingleOrDefault(h => h.Table == "natgw" && h.Kind == TraceEventKind.Rule && h.Verdict == TraceVerdict.Accept);
            Assert.True(hop is not null, shown);
            Assert.Equal(("ip", true, rules[0].Id), (hop.Family, hop.OurTable, hop.RuleId));
            Assert.True(hop.RuleText?.Contains("dnat") == true, shown);
            Assert.DoesNotContain(dnat.Hops, h => h.Table == TraceArm.Table); // the arm chain is not part of the answer
            Assert.Contains(dnat.Hops, h => (h.Table, h.Chain, h.Kind, h.Verdict) == ("filter", "forward", TraceEventKind.Policy, TraceVerdict.Accept));
            Assert.False(Armed(), "the arm table outlived the capture");

            var dropped = Assert.Single(await TraceConnect(Probe(NamespaceLab.ServerAddress, 81), () => { }));
            var drop = dropped.Hops[^1];
            Assert.Equal(("inet", "filter", "forward", TraceEventKind.Rule, TraceVerdict.Drop, false), (drop.Family, drop.Table, drop.Chain, drop.Kind, drop.Verdict, drop.OurTable));
            Assert.Matches(@"^tcp dport 81 counter packets \d+ bytes \d+ drop$", drop.RuleText); // SYN retransmits may count
            Assert.NotNull(drop.RuleHandle);
            Assert.Null(drop.RuleId);
            Assert.Contains(dropped.Hops, h => (h.Table, h.Kind, h.Verdict) == ("natgw", TraceEventKind.Policy, TraceVerdict.Accept)); // no rule of ours matched
            Assert.False(Armed());
        }
        finally
        {
            agent.Lab.Exec(agent.Gateway, "nft", "delete", "table", "inet", "filter");
        }
    }

    [KernelFact]
    public void Trace_requests_outside_the_limits_are_refused_before_anything_is_armed()
    {
        var tracing = agent.Kernel.Tracing;
        var probe = Probe(NamespaceLab.ServerAddress, 80);
        Assert.Equal("probe.source", Assert.Throws<ArgumentException>(() => tracing.Capture(probe with { Source = IPAddress.Parse("fd77:1::2") }, TimeSpan.FromSeconds(1), 1)).ParamName);
        Assert.Equal("probe.inInterface", Assert.Throws<ArgumentException>(() => tracing.Capture(probe with { InInterface = "lan0\" accept" }, TimeSpan.FromSeconds(1), 1)).ParamName);
        Assert.Equal("durationMilliseconds", Assert.Throws<ArgumentException>(() => tracing.Capture(probe, TimeSpan.FromSeconds(61), 1)).ParamName);
        Assert.Equal("maxPackets", Assert.Throws<ArgumentException>(() => tracing.Capture(probe, TimeSpan.FromSeconds(1), 0)).ParamName);
        Assert.False(Armed());
    }

    [KernelFact]
    public void A_leftover_arm_table_is_removed()
    {
        agent.Lab.Exec(agent.Gateway, "nft", "add", "table", TraceArm.Family, TraceArm.Table).EnsureSuccess("leftover");
        Assert.True(Armed());
        NetworkNamespace.RunIn(agent.Gateway, LocalPacketTracing.RemoveLeftover);
        Assert.False(Armed());
        NetworkNamespace.RunIn(agent.Gateway, LocalPacketTracing.RemoveLeftover); // and nothing to remove is fine
    }

    private static string WriteTemp(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"natgw-trace-{Guid.NewGuid():N}.nft");
        File.WriteAllText(path, text);
        return path;
    }
}
