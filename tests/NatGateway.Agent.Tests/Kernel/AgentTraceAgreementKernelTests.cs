using System.Net.Sockets;
using System.Net;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Agent.Tests.Kernel;

/// <summary>
/// The issue's acceptance for the tracer, through the product's <see cref="PacketTracer"/> over the real <c>natgw agent</c>
/// in one lab: the static answer agrees with the live trace over a seeded corpus of 200 (rule list, probe) cases, and a
/// packet dropped by a foreign table is named with that table and rule.
/// </summary>
public sealed partial class AgentKernelTests
{
    private IReadOnlyList<NatRule> _inForce = [];

    private PacketTracer Tracer() => new(agent.Kernel, _ => Task.FromResult(_inForce));

    /// <summary>
    /// Sends the probe's first packet from the lab client, from a new socket (a new flow) made in the client's namespace by
    /// this process (a socket belongs to the namespace of the thread that creates it), and returns at once: a non-blocking
    /// connect() has sent the SYN before it returns (tcp_v4_connect() → tcp_connect()), so a packet dropped on the way
    /// (no route, a foreign drop rule) does not hold the corpus for a connect timeout; no process is started per probe.
    /// </summary>
    private void Send(PacketProbe probe) => NetworkNamespace.RunIn(agent.Lab.Client, () =>
    {
        var target = new IPEndPoint(probe.Destination, probe.DestinationPort);
        using var socket = probe.Protocol == ProbeProtocol.Udp
            ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Blocking = false;
        if (probe.Protocol == ProbeProtocol.Udp) socket.SendTo("natgw trace"u8, target);
        else
        {
            try
            {
                socket.Connect(target);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                // EINPROGRESS: the SYN is on its way; that first packet is all the trace needs.
            }
        }
    });

    private async Task WaitArmedAsync() => await WaitUntilAsync(Armed, "the trace to be armed", () => "");

    [KernelFact]
    public async Task The_static_answer_agrees_with_the_live_trace_over_a_200_case_corpus()
    {
        var tracer = Tracer();
        var cases = TraceAgreement.Generate(lists: 20, probesPerList: 10, seed: 14);
        agent.Kernel.Sysctl.Write(SysctlKey.Ipv4Forwarding, "1");
        var matched = new HashSet<NatRuleKind?>();
        var backendFailures = new List<string>();
        var hashed = 0;
        var failures = await TraceAgreement.RunAsync(tracer, cases,
            c =>
            {
                agent.Kernel.NatTables.Apply(c.Rules);
                _inForce = c.Rules;
            },
            // One packet is all a case compares (a flow's first: the NAT chains see no other); the capture ends with it.
            probe => tracer.TraceAsync(probe, TimeSpan.FromSeconds(30), maxPackets: 1),
            WaitArmedAsync, Send,
            (c, answer, live) =>
            {
                var d = c.Rules.FirstOrDefault(r => r.Id == answer.DestinationRuleId);
                if (d is not null) matched.Add(d.Kind);
                // Source hash: the static answer names the backend jhash picks; the live packet must enter that backend's chain.
                if (d is LoadBalanceRule { Method: BalanceMethod.SourceHash } balance && live.Packets.Count > 0)
                {
                    var expected = NatRulesetCompiler.BackendChain(balance, balance.Backends.ToList().FindIndex(b => b.Port == answer.DestinationPort));
                    var entered = live.Packets[0].Hops.FirstOrDefault(h => h.OurTable && h.Chain.StartsWith("lb", StringComparison.Ordinal))?.Chain;
                    if (entered != expected) backendFailures.Add($"{c}: source hash: static {expected}, live {entered ?? "none"}");
                    else hashed++;
                }
                if (c.Rules.FirstOrDefault(r => r.Id == answer.SourceRuleId) is { } s) matched.Add(s.Kind);
                if (answer.Delivery == TraceDelivery.NoRoute) matched.Add(null);
            });
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} disagree:\n{string.Join("\n", failures.Take(20))}");
        Assert.True(backendFailures.Count == 0, string.Join("\n", backendFailures));
        Assert.True(hashed > 0, "no probe went through a source-hash load balancer");
        Assert.False(Armed());
        // Not vacuous: every kind of the corpus was the first match somewhere, and some probe had no route (null).
        Assert.Equal(new NatRuleKind?[] { NatRuleKind.Dnat, NatRuleKind.Snat, NatRuleKind.Masquerade, NatRuleKind.OneToOne, NatRuleKind.Redirect, NatRuleKind.LoadBalance, null }
            .OrderBy(k => k), matched.OrderBy(k => k));
    }

    [KernelFact]
    public async Task A_packet_dropped_by_a_foreign_table_is_named_with_that_table_and_rule_through_the_packet_tracer()
    {
        var tracer = Tracer();
        _inForce = MarkIdAllocator.AssignMissing(new[]
        {
            """{"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}""",
        }.Select(json => NatRuleJson.Parse(json).Rule!).ToList());
        agent.Kernel.NatTables.Apply(_inForce);
        agent.Kernel.Sysctl.Write(SysctlKey.Ipv4Forwarding, "1");
        agent.Lab.Exec(agent.Gateway, "nft", "-f", WriteTemp(ForeignFilter)).EnsureSuccess("foreign table");
        try
        {
            var probe = Probe(NamespaceLab.ServerAddress, 81);
            var live = tracer.TraceAsync(probe, TimeSpan.FromSeconds(30), maxPackets: 1);
            await WaitArmedAsync();
            Send(probe);
            var trace = await live;
            var packet = Assert.Single(trace.Packets);
            var drop = packet.Hops[^1];
            Assert.Equal(("inet", "filter", "forward", TraceEventKind.Rule, TraceVerdict.Drop, false),
                (drop.Family, drop.Table, drop.Chain, drop.Kind, drop.Verdict, drop.OurTable));
            Assert.Matches(@"^tcp dport 81 counter packets \d+ bytes \d+ drop$", drop.RuleText);
            Assert.NotNull(drop.RuleHandle);
            Assert.Null(drop.RuleId);
            // The static answer cannot see foreign tables: it says the packet is forwarded and masqueraded; the live trace is
            // what shows it never reached postrouting.
            var answer = await tracer.ExplainAsync(probe);
            Assert.Equal((TraceDelivery.Forwarded, _inForce[0].Id), (answer.Delivery, answer.SourceRuleId));
            Assert.DoesNotContain(packet.Hops, h => h.Chain == "postrouting");
        }
        finally
        {
            agent.Lab.Exec(agent.Gateway, "nft", "delete", "table", "inet", "filter");
        }
    }
}
