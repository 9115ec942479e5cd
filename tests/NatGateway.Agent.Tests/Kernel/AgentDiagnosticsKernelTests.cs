using NatGateway.Conntrack;
using NatGateway.Core.Kernel;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Agent.Tests.Kernel;

/// <summary>
/// The doctor's host facts (<see cref="IHostDiagnostics"/>) through a real <c>natgw agent</c> in the lab's gateway namespace,
/// compared with <see cref="LocalHostDiagnostics"/> run on a thread inside that namespace (netlink answers for the
/// thread's namespace; /proc/net/softnet_stat, /proc/interrupts and /dev/kmsg are host-wide). Interfaces and rules made
/// here live in the gateway namespace only and are removed again.
/// </summary>
public sealed partial class AgentKernelTests
{
    private IHostDiagnostics Remote => agent.Kernel.Diagnostics;

    private T Local<T>(Func<LocalHostDiagnostics, T> read) => NetworkNamespace.RunIn(agent.Gateway, () => read(new LocalHostDiagnostics()));

    [KernelFact]
    public void Host_facts_through_the_agent_match_the_local_readers()
    {
        // Counters only grow, so read locally first and expect the agent's later answer to be at least as large.
        var softnet = Local(d => d.ReadSoftnet());
        var remoteSoftnet = Remote.ReadSoftnet();
        Assert.NotEmpty(remoteSoftnet);
        Assert.Equal(softnet.Select(c => c.Cpu), remoteSoftnet.Select(c => c.Cpu));
        Assert.All(softnet.Zip(remoteSoftnet), p => Assert.True(p.Second.Processed >= p.First.Processed));

        var interrupts = Local(d => d.ReadInterrupts());
        var remoteInterrupts = Remote.ReadInterrupts();
        Assert.Equal(remoteSoftnet.Count, remoteInterrupts.CpuCount); // both list the online CPUs
        Assert.Equal(interrupts.Lines.Select(l => l.Irq), remoteInterrupts.Lines.Select(l => l.Irq));
        Assert.All(remoteInterrupts.Lines, l => Assert.Equal(remoteInterrupts.CpuCount, l.PerCpu.Count));

        // sysfs answers for the namespace it was mounted in: the agent runs under ip netns exec (which remounts /sys).
        var rps = Remote.ReadRps();
        var listed = agent.Lab.Exec(agent.Gateway, "sh", "-c", "cd /sys/class/net && ls -d */queues/rx-*").EnsureSuccess("ls queues").StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Replace("/queues/", " ")).Order(StringComparer.Ordinal);
        Assert.Equal(listed, rps.Select(q => $"{q.Interface} {q.Queue}").Order(StringComparer.Ordinal));
        Assert.Contains(rps, q => q.Interface == NamespaceLab.GatewayLanInterface);

        Assert.Equal(Local(d => d.ReadOffloads()), Remote.ReadOffloads());
        Assert.Equal(Local(d => d.ListRoutingRules()), Remote.ListRoutingRules());

        var log = Local(d => d.ReadKernelLog(0));
        var remoteLog = Remote.ReadKernelLog(0);
        Assert.True(log.Available, log.Reason);
        Assert.True(remoteLog.Available, remoteLog.Reason);
        Assert.True(remoteLog.LastSequence >= log.LastSequence);
        Assert.All(remoteLog.Lines, l => Assert.True(l.Message.StartsWith("nf_conntrack: ", StringComparison.Ordinal) || l.Message.StartsWith("nf_ct_", StringComparison.Ordinal)));
    }

    [KernelFact]
    public void Foreign_forward_chains_through_the_agent_match_the_local_reader_and_are_left_unchanged()
    {
        var gw = agent.Gateway;
        agent.Lab.Exec(gw, "nft", "add table inet lintfgn; add chain inet lintfgn forward { type filter hook forward priority 0; policy drop; }; " +
                                  "add rule inet lintfgn forward ct status dnat accept").EnsureSuccess("nft add table inet lintfgn");
        try
        {
            var before = agent.Lab.Exec(gw, "nft", "list ruleset").EnsureSuccess("nft list ruleset").StandardOutput;
            var remote = Remote.ListForeignForwardChains();
            var chain = Assert.Single(remote, c => c.Table == "lintfgn");
            Assert.Equal(ForeignChainPolicy.Drop, chain.Policy);
            Assert.Equal(ForeignVerdict.Accept, Assert.Single(chain.Rules).Verdict);
            Assert.DoesNotContain(remote, c => c.Table == "natgw");
            // Records holding lists compare by reference: compare their JSON.
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(Local(d => d.ListForeignForwardChains())), System.Text.Json.JsonSerializer.Serialize(remote));
            Assert.Equal(before, agent.Lab.Exec(gw, "nft", "list ruleset").EnsureSuccess("nft list ruleset").StandardOutput);
        }
        finally { agent.Lab.Exec(gw, "nft", "delete table inet lintfgn"); }
    }

    [KernelFact]
    public void Link_kinds_and_the_vxlan_underlay_come_from_rtnetlink()
    {
        var gw = agent.Gateway;
        agent.Lab.Exec(gw, "ip", "link", "add", "fct-a", "type", "veth", "peer", "name", "fct-b").EnsureSuccess("veth");
        try
        {
            agent.Lab.Exec(gw, "ip", "link", "add", "fct-vx", "type", "vxlan", "id", "42", "dev", "fct-a", "dstport", "4789").EnsureSuccess("vxlan");
            var interfaces = agent.Kernel.ListInterfaces().ToDictionary(i => i.Name);
            var veth = interfaces["fct-a"];
            Assert.Equal((LinkKind.Veth, "veth", (int?)null), (veth.Kind, veth.KindName, veth.LowerIndex)); // a peer is not an underlay
            var vxlan = interfaces["fct-vx"];
            Assert.Equal((LinkKind.Vxlan, "vxlan", (int?)veth.Index), (vxlan.Kind, vxlan.KindName, vxlan.LowerIndex));
            Assert.Equal(LinkKind.Loopback, interfaces["lo"].Kind);
            Assert.Equal(LinkKind.Veth, interfaces[NamespaceLab.GatewayLanInterface].Kind);
            Assert.True(veth.Index > 0);
        }
        finally
        {
            agent.Lab.Exec(gw, "ip", "link", "del", "fct-vx");
            agent.Lab.Exec(gw, "ip", "link", "del", "fct-a");
        }
    }

    [KernelFact]
    public void A_policy_rule_added_in_the_namespace_shows_up_next_to_the_defaults()
    {
        var gw = agent.Gateway;
        agent.Lab.Exec(gw, "ip", "rule", "add", "from", "10.77.9.0/24", "table", "100").EnsureSuccess("ip rule add");
        try
        {
            var rules = Remote.ListRoutingRules();
            var added = Assert.Single(rules, r => r.Table == 100);
            Assert.Equal((IPFamily.IPv4, "from 10.77.9.0/24", false), (added.Family, added.Selector, added.IsDefault));
            Assert.True(added.Priority is > 0 and < 32766, $"priority {added.Priority}");
            Assert.Equal(3, rules.Count(r => r.Family == IPFamily.IPv4 && r.IsDefault));  // local, main, default
            Assert.Equal(2, rules.Count(r => r.Family == IPFamily.IPv6 && r.IsDefault));  // local, main
            Assert.Equal(5, rules.Count(r => r.IsDefault));
        }
        finally
        {
            agent.Lab.Exec(gw, "ip", "rule", "del", "from", "10.77.9.0/24", "table", "100");
        }
    }

    [KernelFact]
    public void Lro_reads_like_ethtool_and_a_driver_that_keeps_it_fixed_is_named_in_the_refusal()
    {
        var lan = NamespaceLab.GatewayLanInterface;
        var offloads = Remote.ReadOffloads();
        Assert.DoesNotContain(offloads, o => o.Interface == "lo");
        Assert.Contains(offloads, o => o.Interface == NamespaceLab.GatewayWanInterface);
        var lro = Assert.Single(offloads, o => o.Interface == lan);

        if (File.Exists("/usr/sbin/ethtool") || File.Exists("/sbin/ethtool"))
        {
            // "large-receive-offload: off [fixed]"
            var line = agent.Lab.Exec(agent.Gateway, "ethtool", "-k", lan).EnsureSuccess("ethtool -k").StandardOutput
                .Split('\n').Single(l => l.StartsWith("large-receive-offload:", StringComparison.Ordinal));
            Assert.Equal(lro.LroActive, line.Contains(": on", StringComparison.Ordinal));
            Assert.Equal(lro.LroChangeable, !line.Contains("[fixed]", StringComparison.Ordinal));
        }

        Remote.SetLro(lan, lro.LroActive); // already so: nothing to change
        if (lro.LroChangeable)
        {
            Remote.SetLro(lan, !lro.LroActive);
            Assert.Equal(!lro.LroActive, Remote.ReadOffloads().Single(o => o.Interface == lan).LroActive);
            Remote.SetLro(lan, lro.LroActive);
        }
        else
        {
            var refused = Assert.Throws<InvalidOperationException>(() => Remote.SetLro(lan, !lro.LroActive));
            Assert.Contains(lan, refused.Message);
            Assert.Contains("large-receive-offload", refused.Message);
        }
        Assert.Equal(lro, Remote.ReadOffloads().Single(o => o.Interface == lan));

        Assert.Throws<ArgumentException>(() => Remote.SetLro("lan0;reboot", false));
        Assert.Throws<ArgumentException>(() => Remote.SetLro("../../etc", false));
        Assert.Throws<ArgumentException>(() => new LocalHostDiagnostics().SetLro("lan*", false)); // refused before any netlink
        var missing = Assert.Throws<NatGateway.Netlink.NetlinkException>(() => Remote.SetLro("nosuch0", false));
        Assert.Contains("nosuch0", missing.Message);
    }
}
