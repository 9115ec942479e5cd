using System.Diagnostics;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Kernel;
using NatGateway.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Agent.Tests.Kernel;

/// <summary>
/// Opt-in sanity numbers (<c>NATGW_AGENT_PERF=1</c>): dump and delete-by-filter through the agent against the same in
/// this process, on 200,000 entries. Reports timings; asserts only the counts (performance targets live in
/// tests/NatGateway.Benchmarks).
/// </summary>
public sealed class AgentPerformanceKernelTests(ITestOutputHelper output)
{
    private const int Entries = 200_000;

    [KernelFact]
    public void Dump_and_delete_through_the_agent_against_local()
    {
        if (Environment.GetEnvironmentVariable("NATGW_AGENT_PERF") != "1") return; // opt-in: a few seconds of CPU on a shared box
        using var agent = new AgentLab();
        var create = Stopwatch.StartNew();
        agent.CreateFlows(Entries);
        output.WriteLine($"created {Entries} entries in {create.ElapsedMilliseconds} ms");

        for (var round = 0; round < 3; round++)
        {
            var local = Time(() => NetworkNamespace.RunIn(agent.Gateway, () =>
            {
                using var client = new ConntrackClient();
                return client.Dump((in Flow _) => { });
            }));
            var remote = Time(() => agent.Kernel.Conntrack.Dump((in Flow _) => { }));
            var tool = Time(() => { agent.Lab.Exec(agent.Gateway, "sh", "-c", "conntrack -L > /dev/null 2>&1"); return Entries; });
            Assert.Equal(Entries, local.Count);
            Assert.Equal(Entries, remote.Count);
            output.WriteLine($"dump: local {local.Ms} ms, through the agent {remote.Ms} ms, conntrack -L {tool.Ms} ms");
        }

        // 10.90.0.0/18 and 10.90.64.0/18: 16,384 entries each (8% of the table), one through the agent, one locally.
        var viaAgent = Time(() => agent.Kernel.Conntrack.Delete(IPFamily.Any, null, FlowFilter.Parse("src 10.90.0.0/18")));
        var viaLocal = Time(() => NetworkNamespace.RunIn(agent.Gateway, () =>
            (long)new LocalConntrackKernel().Delete(IPFamily.Any, null, FlowFilter.Parse("src 10.90.64.0/18"))));
        Assert.Equal(16_384, viaAgent.Count);
        Assert.Equal(16_384, viaLocal.Count);
        Assert.Equal(Entries - viaAgent.Count - viaLocal.Count, agent.Kernel.Conntrack.Count());
        output.WriteLine($"delete {viaAgent.Count} of {Entries} by filter: through the agent {viaAgent.Ms} ms, local {viaLocal.Ms} ms");
    }

    private static (long Count, long Ms) Time(Func<long> action)
    {
        var watch = Stopwatch.StartNew();
        var count = action();
        return (count, watch.ElapsedMilliseconds);
    }
}
