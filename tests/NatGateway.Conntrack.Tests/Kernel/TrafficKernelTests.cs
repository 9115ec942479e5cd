using System.Text.RegularExpressions;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Conntrack.Tests.Kernel;

/// <summary>Entries made by real traffic through a masquerading gateway; compared field by field with
/// `conntrack -L -o extended` run in the same namespace.</summary>
public sealed partial class TrafficKernelTests
{
    private const string Ruleset = """
        table inet ngwtest {
          chain pre { type filter hook prerouting priority 0; ct state new counter; }
          chain post { type nat hook postrouting priority 100; oifname "wan0" masquerade; }
        }
        """;

    private static NamespaceLab NatLab()
    {
        var lab = NamespaceLab.Create(serverRoutesViaGateway: false);
        try
        {
            lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
            lab.Sysctl(lab.Gateway, "net.ipv6.conf.all.forwarding", "1");
            lab.Sysctl(lab.Gateway, "net.netfilter.nf_conntrack_acct", "1");
            lab.KeepConntrackEntries(lab.Gateway); // the ping's 30 s entry must still be there when a slow run dumps
            ProcessRunner.Run("ip", ["netns", "exec", lab.Gateway, "nft", "-f", "-"], stdin: Ruleset).EnsureSuccess("nft ruleset");
            lab.StartTcpServer(lab.Server, 8080, "socat", ["TCP6-LISTEN:8080,fork,reuseaddr,ipv6only=0", "SYSTEM:echo hello"]);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private static void MakeTraffic(NamespaceLab lab)
    {
        Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.ServerAddress, 8080));
        Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.ServerAddress6, 8080));
        Assert.True(lab.Pings(lab.Client, NamespaceLab.ServerAddress));
        Assert.Equal(0, lab.Exec(lab.Client, "ping", "-6", "-c", "1", "-W", "1", NamespaceLab.ServerAddress6).ExitCode);
        // One unanswered UDP datagram: an [UNREPLIED] entry.
        lab.ExecWithTimeout(lab.Client, TimeSpan.FromSeconds(3), "socat", "-u", "OPEN:/dev/null", $"UDP:{NamespaceLab.ServerAddress}:5353");
        lab.ExecWithTimeout(lab.Client, TimeSpan.FromSeconds(3), "sh", "-c", $"echo x | socat -u - UDP:{NamespaceLab.ServerAddress}:5353");
    }

    [KernelFact]
    public void Dump_of_natted_traffic_has_translation_state_and_counters()
    {
        using var lab = NatLab();
        MakeTraffic(lab);
        using var client = lab.RunIn(lab.Gateway, () => new ConntrackClient());
        var flows = client.Dump().ToList();

        var tcp4 = Assert.Single(flows, f => f.Protocol == IPProtocol.Tcp && f.Family == IPFamily.IPv4);
        Assert.Equal(NetAddress.Parse(NamespaceLab.ClientAddress), tcp4.Original.Source);
        Assert.Equal(8080, tcp4.Original.DestinationPort);
        Assert.Equal(NetAddress.Parse(NamespaceLab.GatewayWanAddress), tcp4.Reply.Destination); // masqueraded
        Assert.True(tcp4.IsSourceNat);
        Assert.True(tcp4.IsAssured);
        Assert.Contains(tcp4.TcpState, new[] { TcpState.TimeWait, TcpState.Close, TcpState.FinWait, TcpState.LastAck, TcpState.CloseWait, TcpState.Established });
        Assert.True(tcp4.OriginalCounters.Packets >= 3);
        Assert.True(tcp4.ReplyCounters.Bytes > 0);

        var ping6 = Assert.Single(flows, f => f.Protocol == IPProtocol.IcmpV6);
        Assert.Equal(128, ping6.Original.IcmpType);
        Assert.Equal(129, ping6.Reply.IcmpType);
        Assert.Equal(NetAddress.Parse(NamespaceLab.GatewayWanAddress6), ping6.Reply.Destination);

        var udp = Assert.Single(flows, f => f.Protocol == IPProtocol.Udp);
        Assert.True(udp.IsUnreplied);

        Assert.Equal((uint)flows.Count, client.Count());
    }

    [KernelFact]
    public void Same_flows_and_fields_as_conntrack_L_o_extended()
    {
        using var lab = NatLab();
        MakeTraffic(lab);
        using var client = lab.RunIn(lab.Gateway, () => new ConntrackClient());

        var ours = client.Dump().Select(f => FlowFormatter.ToExtendedText(f, includeId: true)).ToList();
        var tool = lab.Exec(lab.Gateway, "conntrack", "-L", "-o", "extended,id").EnsureSuccess("conntrack -L")
            .StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

        Assert.True(ours.Count >= 5, string.Join('\n', ours));
        var oursById = ours.ToDictionary(Id);
        var toolById = tool.ToDictionary(Id);
        Assert.Equal(toolById.Keys.Order(), oursById.Keys.Order());
        foreach (var (id, toolLine) in toolById)
        {
            var ourLine = oursById[id];
            Assert.Equal(Normalize(toolLine), Normalize(ourLine));
            Assert.InRange(Timeout(ourLine) - Timeout(toolLine), -3, 3); // the timeout ticks between the two dumps
        }
    }

    private static string Id(string line) => IdPattern().Match(line).Groups[1].Value;

    /// <summary>Masks the two values that change with time: the timeout (5th column) and delta-time.</summary>
    private static string Normalize(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToArray();
        parts[4] = "T";
        return DeltaPattern().Replace(string.Join(' ', parts), "delta-time=D");
    }

    private static int Timeout(string line) => int.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4]);

    [GeneratedRegex(@"\bid=(\d+)$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"delta-time=\d+")]
    private static partial Regex DeltaPattern();
}
