using System.Diagnostics;
using NatGateway.Agent.Client;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Kernel;
using NatGateway.Nat;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Agent.Tests.Kernel;

/// <summary>The real <c>natgw agent</c> in a lab namespace: who may connect, and the kernel operations end to end through
/// <see cref="AgentGatewayKernel"/>.</summary>
public sealed partial class AgentKernelTests(AgentLab agent) : IClassFixture<AgentLab>
{
    /// <summary>Connects as <paramref name="uid"/> (setpriv), says Hello, prints the answer's frame type and payload.</summary>
    private const string HelloClient = """
        import socket, struct, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(20)
        s.connect(sys.argv[1])
        p = b'{"version":1}'
        try:
            s.sendall(struct.pack('<iB', len(p) + 1, 1) + p)
        except OSError:
            pass
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if len(data) >= 5 and len(data) >= 4 + struct.unpack('<i', data[:4])[0]:
                break
        print(data[4] if len(data) > 4 else -1, data[5:].decode())
        """;

    private CommandResult HelloAs(uint uid) =>
        ProcessRunner.Run("setpriv", [$"--reuid={uid}", $"--regid={uid}", "--clear-groups", "/usr/bin/python3", "-c", HelloClient, agent.SocketPath]);

    [KernelFact]
    public void Only_root_and_the_web_user_get_past_hello()
    {
        var third = HelloAs(AgentLab.ThirdUid);
        Assert.StartsWith($"{(int)Protocol.FrameType.Error} ", third.StandardOutput);
        Assert.Contains("\"kind\":\"refused\"", third.StandardOutput);
        Assert.Contains($"uid {AgentLab.ThirdUid} may not use the agent", third.StandardOutput);

        var web = HelloAs(AgentLab.WebUid);
        Assert.StartsWith($"{(int)Protocol.FrameType.Hello} ", web.StandardOutput);

        using var root = AgentConnection.Open(agent.SocketPath); // this test process runs as root
        Assert.True(root.IsHealthy);
        Assert.False(agent.Agent.HasExited);
    }

    [KernelFact]
    public void Rules_sysctls_and_conntrack_work_through_the_agent()
    {
        var kernel = agent.Kernel;
        var rules = MarkIdAllocator.AssignMissing(new[]
        {
            """{"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}""",
            """{"kind": "dnat", "name": "web", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "8080", "targetAddress": "10.77.2.2", "targetPort": "80"}""",
        }.Select(json => NatRuleJson.Parse(json).Rule!).ToList());
        kernel.NatTables.Apply(rules);
        var table = agent.Lab.Exec(agent.Gateway, "nft", "list", "table", "ip", "natgw").EnsureSuccess("nft list").StandardOutput;
        Assert.Contains("masquerade", table);
        Assert.Contains("10.77.2.2", table);
        Assert.False(kernel.NatTables.DetectDrift(rules).HasDrift);
        // A change by hand moves the ruleset generation (what lets serve reuse a drift check), and the drift shows it.
        var generation = kernel.NatTables.Generation();
        Assert.NotNull(generation);
        Assert.Equal(generation, kernel.NatTables.Generation());
        agent.Lab.Exec(agent.Gateway, "nft", "add", "rule", "ip", "natgw", "prerouting", "tcp", "dport", "2222", "dnat", "to", "10.77.2.3")
            .EnsureSuccess("nft add rule");
        Assert.NotEqual(generation, kernel.NatTables.Generation());
        Assert.Contains(kernel.NatTables.DetectDrift(rules).Diff, l => l.StartsWith("+ ", StringComparison.Ordinal) && l.Contains("tcp dport 2222"));
        Assert.True(kernel.NatTables.DetectDrift(rules).HasDrift);
        kernel.NatTables.Apply(rules);
        Assert.False(kernel.NatTables.DetectDrift(rules).HasDrift);
        Assert.Equal(rules.Select(r => r.Id).Order(), kernel.NatTables.ReadCounters().Keys.Order());
        // The MSS clamp travels with the rules and lands in the same tables; a refused name changes nothing.
        kernel.NatTables.Apply(rules, ["wan0"]);
        Assert.Contains("oifname \"wan0\" tcp flags syn tcp option maxseg size set rt mtu",
            agent.Lab.Exec(agent.Gateway, "nft", "list", "table", "ip", "natgw").EnsureSuccess("nft list").StandardOutput);
        Assert.False(kernel.NatTables.DetectDrift(rules, ["wan0"]).HasDrift);
        Assert.True(kernel.NatTables.DetectDrift(rules).HasDrift);
        Assert.ThrowsAny<Exception>(() => kernel.NatTables.Apply(rules, ["wan\"0"]));
        kernel.NatTables.Apply(rules);

        kernel.Sysctl.Write(SysctlKey.Ipv4Forwarding, "1");
        Assert.Equal("1", agent.Lab.Exec(agent.Gateway, "sysctl", "-n", "net.ipv4.ip_forward").StandardOutput.Trim());
        Assert.Equal("1", kernel.Sysctl.Read(SysctlKey.Ipv4Forwarding));
        Assert.Throws<ArgumentException>(() => kernel.Sysctl.Write(new SysctlKey(["kernel", "core_pattern"]), "1"));
        var written = kernel.Persistence.WriteSysctls(PersistedFile.Settings, [new PersistedSysctl(SysctlKey.Ipv4Forwarding, "1")]);
        Assert.Contains("net.ipv4.ip_forward = 1", File.ReadAllText(written));
        Assert.Contains(kernel.ListInterfaces(), i => i.Name == NamespaceLab.GatewayLanInterface);
        // The validator's facts in one round trip: the same names and addresses as the full listing, forwarding as written.
        var facts = kernel.ReadHostFacts();
        Assert.Equal(kernel.ListInterfaces().Select(i => (i.Name, string.Join(",", i.Addresses.Select(a => a.Address)))).Order(),
            facts.Interfaces.Select(i => (i.Name, string.Join(",", i.Addresses))).Order());
        Assert.True(facts.Ipv4ForwardingEnabled);
        Assert.Equal(agent.Lab.Exec(agent.Gateway, "sysctl", "-n", "net.ipv6.conf.all.forwarding").StandardOutput.Trim() != "0", facts.Ipv6ForwardingEnabled);

        kernel.Conntrack.Flush(IPFamily.Any);
        agent.CreateFlows(1000);
        long dumped = 0;
        Assert.Equal(1000, kernel.Conntrack.Dump((in Flow f) => { if (f.Original.Destination == NetAddress.Parse("10.91.0.1")) dumped++; }));
        Assert.Equal(1000, dumped);
        Assert.Equal(1000, kernel.Conntrack.Count());
        Assert.Equal(500, kernel.Conntrack.Dump((in Flow _) => { }, IPFamily.IPv4,
            new DumpFilter { Original = new TupleFilter { Protocol = IPProtocol.Udp, DestinationPort = 53 } }));
        Assert.Equal(500, kernel.Conntrack.Delete(IPFamily.Any, null, FlowFilter.Parse("dport 53")));
        var some = new List<Flow>();
        kernel.Conntrack.Dump((in Flow f) => { if (some.Count < 10) some.Add(f); });
        Assert.Equal(10, kernel.Conntrack.DeleteFlows(some));
        Assert.Equal(490, kernel.Conntrack.Count());
        kernel.Conntrack.Flush(IPFamily.Any);
        Assert.Equal(0, kernel.Conntrack.Count());
    }

    [KernelFact]
    public async Task The_mirror_stays_exact_through_the_relay()
    {
        var kernel = agent.Kernel;
        kernel.Conntrack.Flush(IPFamily.Any);
        agent.CreateFlows(2000);
        var source = (RemoteMirrorSource)kernel.Conntrack.OpenMirrorSource();
        await using var mirror = new ConntrackMirror(source);
        await mirror.StartAsync();
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));
        await WaitUntilAsync(() => mirror.Count(FlowFilter.All) == 2000, "2000 dumped entries", () => $"{mirror.Status}");

        agent.CreateFlows(500, offset: 5000);                                    // NEW events after the dump
        kernel.Conntrack.Delete(IPFamily.Any, null, FlowFilter.Parse("dport 80")); // DESTROY events
        var expected = kernel.Conntrack.Count();
        Assert.Equal(1250, expected);
        await WaitUntilAsync(() => mirror.Count(FlowFilter.All) == expected, $"{expected} entries after events", () => $"{mirror.Status}");
        Assert.Equal(0, mirror.Count(FlowFilter.Parse("dport 80")));
        source.Dispose();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, Func<string> state)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"waited 30 s for {what}: {state()}");
            await Task.Delay(50);
        }
    }
}
