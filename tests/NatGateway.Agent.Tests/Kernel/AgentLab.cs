using System.Diagnostics;
using NatGateway.Agent.Client;
using NatGateway.Conntrack;
using NatGateway.TestSupport;

namespace NatGateway.Agent.Tests.Kernel;

/// <summary>
/// One lab and one real <c>natgw agent</c> in its gateway namespace, shared by a test class: the agent admits root and
/// <see cref="WebUid"/> (a number, so the socket is 0666 and SO_PEERCRED alone decides).
/// </summary>
public sealed class AgentLab : IDisposable
{
    public const uint WebUid = 4242;
    public const uint ThirdUid = 4343;

    private readonly string _directory;
    private AgentGatewayKernel? _kernel;

    public AgentLab()
    {
        Lab = NamespaceLab.Create();
        // Entries made while no event listener exists get no event cache with the default nf_conntrack_events=2 (kernel 6.0+),
        // so their DESTROY would never reach a mirror started later (ConntrackMirrorService sets 1 for the same reason).
        Lab.Sysctl(Lab.Gateway, "net.netfilter.nf_conntrack_events", "1");
        _directory = Directory.CreateTempSubdirectory("natgw-agent-lab-").FullName;
        // Other uids must reach the socket: the temp folder is 0700 by default.
        File.SetUnixFileMode(_directory, (UnixFileMode)0x1ED); // 0755
        SocketPath = Path.Combine(_directory, "run", "agent.sock");
        Agent = Lab.Start(Lab.Gateway, "dotnet", [RepositoryPaths.NatgwDll, "agent", "--socket", SocketPath, "--web-user", WebUid.ToString(),
            "--sysctl-dir", Path.Combine(_directory, "sysctl.d"), "--modprobe-dir", Path.Combine(_directory, "modprobe.d")]);
        WaitUntilAnswering(TimeSpan.FromSeconds(60));
    }

    public NamespaceLab Lab { get; }
    public Process Agent { get; }
    public string SocketPath { get; }
    public string Gateway => Lab.Gateway;

    public AgentGatewayKernel Kernel => _kernel ??= new AgentGatewayKernel(SocketPath);

    private void WaitUntilAnswering(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (Agent.HasExited) throw new InvalidOperationException($"natgw agent exited: {Agent.StandardError.ReadToEnd()}");
            try
            {
                using var probe = AgentConnection.Open(SocketPath);
                return;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException && deadline.Elapsed < timeout)
            {
                Thread.Sleep(100); // polling for a state (the socket answering), bounded by the deadline
            }
        }
    }

    /// <summary>Our tables and the managed sysctls of the gateway namespace, as text: "the kernel" for unchanged-checks.</summary>
    public string KernelState()
    {
        var nft = Lab.Exec(Gateway, "nft", "list", "ruleset").StandardOutput;
        var sysctls = Lab.Exec(Gateway, "sysctl", "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.conf.all.rp_filter",
            "net.ipv4.conf.default.rp_filter", "net.ipv4.conf.lan0.rp_filter", "net.netfilter.nf_conntrack_tcp_timeout_established",
            "net.netfilter.nf_conntrack_udp_timeout", "net.netfilter.nf_conntrack_acct").StandardOutput;
        return nft + "\n" + sysctls;
    }

    /// <summary>Entries made over ctnetlink in the gateway namespace: UDP from 10.90.x.y to 10.91.0.1, dport 53 for even i, 80 for odd.</summary>
    public void CreateFlows(int count, int offset = 0)
    {
        NetworkNamespace.RunIn(Gateway, () =>
        {
            using var client = new ConntrackClient();
            var flows = Enumerable.Range(offset, count).Select(i => Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp,
                NetAddress.FromIPv4((uint)((10 << 24) + (90 << 16) + i)), (ushort)(1024 + i % 60000), NetAddress.Parse("10.91.0.1"),
                (ushort)(i % 2 == 0 ? 53 : 80)), 600));
            var result = client.CreateMany(flows);
            if (result.Succeeded != count) throw new InvalidOperationException($"created {result.Succeeded} of {count}");
        });
    }

    public void Dispose()
    {
        _kernel?.Dispose();
        Lab.Dispose();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
