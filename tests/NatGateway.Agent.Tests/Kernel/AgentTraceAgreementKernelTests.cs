using System.Diagnostics;
using System.Net;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;
using NatGateway.Nat;
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

    /// <summary>Sends one packet of the probe from the lab client, from a new socket (a new flow).</summary>
    private void Send(PacketProbe probe) =>
        agent.Lab.ExecWithTimeout(agent.Lab.Client, TimeSpan.FromSeconds(10), "timeout", "3", "bash", "-c",
            $"echo > /dev/{(probe.Protocol == ProbeProtocol.Udp ? "udp" : "tcp")}/{probe.Destination}/{probe.DestinationPort}");

    private async Task WaitArmedAsync() => await WaitUntilAsync(Armed, "the trace to be armed", () => "");

    [KernelFact]
    public async Task The_static_answer_agrees_with_the_live_trace_over_a_200_case_corpus()
    {
        var tracer = Tracer();
        var cases = TraceAgreement.Generate(lists: 20, probesPerList: 10, seed: 14);
        agent.Kernel.Sysctl.Write(SysctlKey.Ipv4Forwarding, "1");
        var clock = Stopwatch.StartNew();
        var failures = await TraceAgreement.RunAsync(tracer, cases,
            c =>
            {
                agent.Kernel.NatTables.Apply(c.Rules);
                _inForce = c.Rules;
            },
            // One packet is all a case compares (a flow's first: the NAT chains see no other); the capture ends with it.
            probe => tracer.TraceAsync(probe, TimeSpan.FromSeconds(30), maxPackets: 1),
            WaitArmedAsync, Send);
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} disagree:\n{string.Join("\n", failures.Take(20))}");
        Assert.False(Armed());
        Console.WriteLine($"trace agreement: {cases.Count} cases in {clock.Elapsed.TotalSeconds:0.0} s");
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
