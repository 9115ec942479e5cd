using System.Net;
using System.Net.Sockets;
using NatGateway.TestSupport;

namespace NatGateway.Capacity.Tests.Kernel;

/// <summary>
/// Creates conntrack entries in the lab gateway with real traffic: one-byte UDP datagrams from a few client sockets to
/// many server ports, each distinct 5-tuple becoming one entry in the gateway (the client and server have no
/// conntrack users, so only the gateway tracks). The server drops them silently so no ICMP errors are generated.
/// </summary>
internal static class ConntrackFlood
{
    public const int FirstSourcePort = 20000;
    public const int PortsPerSocket = 60000;

    /// <summary>Sends until the gateway holds at least <paramref name="entries"/> more entries (a few passes if datagrams were lost).</summary>
    public static long Fill(NamespaceLab lab, int entries)
    {
        var before = GatewayCount(lab);
        for (var pass = 0; pass < 3 && GatewayCount(lab) - before < entries; pass++)
            lab.RunIn(lab.Client, () => { SendAll(entries); return 0; });
        return GatewayCount(lab) - before;
    }

    public static long GatewayCount(NamespaceLab lab) =>
        lab.RunIn(lab.Gateway, () => long.Parse(File.ReadAllText("/proc/sys/net/netfilter/nf_conntrack_count").Trim()));

    private static void SendAll(int entries)
    {
        var server = IPAddress.Parse(NamespaceLab.ServerAddress);
        var payload = new byte[] { 0x78 };
        var sockets = (entries + PortsPerSocket - 1) / PortsPerSocket;
        var sent = 0;
        for (var s = 0; s < sockets; s++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(NamespaceLab.ClientAddress), FirstSourcePort + s));
            for (var port = 1; port <= PortsPerSocket && sent < entries; port++, sent++)
            {
                // A lost datagram only means one entry fewer; Fill() resends in another pass.
                try { socket.SendTo(payload, new IPEndPoint(server, port)); }
                catch (SocketException) { }
            }
        }
    }
}
