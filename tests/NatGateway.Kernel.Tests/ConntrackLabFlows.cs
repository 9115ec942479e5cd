using NatGateway.TestSupport;

namespace NatGateway.Kernel.Tests;

/// <summary>Conntrack entries in a lab gateway: real forwarded TCP connections and ICMP from the client to the server,
/// plus UDP entries made through ctnetlink by conntrack(8) (exact, known tuples).</summary>
internal static class ConntrackLabFlows
{
    /// <summary>Sources of the five ctnetlink-made UDP entries to the server's port 53: 10.77.1.50 .. 10.77.1.54.</summary>
    public static readonly string[] UdpSources = ["10.77.1.50", "10.77.1.51", "10.77.1.52", "10.77.1.53", "10.77.1.54"];

    /// <summary>Forwarding on, three TCP connections client → server:80 through the gateway, one ping, five UDP entries.</summary>
    public static void Create(NamespaceLab lab, int tcpConnections = 3)
    {
        lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
        EnableTracking(lab);
        lab.KeepConntrackEntries(lab.Gateway);
        lab.StartTcpServer(lab.Server, 80, "nc", ["-k", "-l", "-p", "80"]);
        for (var i = 0; i < tcpConnections; i++)
            if (!lab.TcpConnects(lab.Client, NamespaceLab.ServerAddress, 80)) throw new InvalidOperationException("TCP through the lab gateway failed");
        if (!lab.Pings(lab.Client, NamespaceLab.ServerAddress)) throw new InvalidOperationException("ping through the lab gateway failed");
        foreach (var (source, i) in UdpSources.Select((s, i) => (s, i)))
            lab.Exec(lab.Gateway, "conntrack", "-I", "-p", "udp", "-s", source, "-d", NamespaceLab.ServerAddress,
                "--sport", (40000 + i).ToString(), "--dport", "53", "-t", "300").EnsureSuccess("conntrack -I");
    }

    /// <summary>A namespace tracks connections only once some rule needs conntrack: a forward-hook rule matching ct state
    /// (in the lab gateway's own ruleset) turns it on for forwarded traffic.</summary>
    public static void EnableTracking(NamespaceLab lab) =>
        lab.Exec(lab.Gateway, "nft", "add table inet cttest; add chain inet cttest track { type filter hook forward priority 0; }; " +
                                     "add rule inet cttest track ct state new counter").EnsureSuccess("nft: enable conntrack in the lab gateway");

    /// <summary>Entries in the gateway's table (conntrack -C).</summary>
    public static int Count(NamespaceLab lab) => int.Parse(lab.Exec(lab.Gateway, "conntrack", "-C").StandardOutput.Trim());

    /// <summary>conntrack -L lines matching conntrack(8) filter arguments.</summary>
    public static string[] List(NamespaceLab lab, params string[] filter) =>
        lab.Exec(lab.Gateway, "conntrack", ["-L", .. filter]).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
