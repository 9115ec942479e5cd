using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Nat.Tests.Traffic;

/// <summary>
/// VRRP (IP protocol 112) is never source-NATed by our postrouting chain, whatever the rules: RFC 5798 §5.1.1.1 says an
/// IPv4 advert's source is the primary address of the sending interface (§5.1.2.1: the link-local address for IPv6), and
/// the HA lab saw an SNAT rule for any source and protocol rewrite the nodes' own adverts to the virtual address.
/// Raw sockets on both ends (no capture tool): the server namespace plays the peer on the outside link.
/// </summary>
public sealed partial class TrafficTests
{
    private const ProtocolType Vrrp = (ProtocolType)112;
    private static readonly IPAddress VrrpGroup = IPAddress.Parse("224.0.0.18");
    private static readonly IPAddress VrrpGroup6 = IPAddress.Parse("ff02::12");
    private const int ReceiveTimeoutMs = 30_000;

    [KernelFact]
    public void Vrrp_keeps_its_source_out_of_the_outside_interface_while_udp_from_the_same_host_is_translated()
    {
        // The HA lab's rule shape: any source, any protocol, out of the outside interface (both families).
        gw.Apply(Rules.Snat(91, GatewayLab.SnatPool[0]), Rules.Snat(92, "fd77:2::10") with { Family = NatFamily.Ipv6 });
        var serverIndex = InterfaceIndex(Lab.Server, "eth0");
        var wanIndex = InterfaceIndex(Lab.Gateway, NamespaceLab.GatewayWanInterface);
        using var vrrp4 = Lab.RunIn(Lab.Server, () => Receiver(AddressFamily.InterNetwork, Vrrp, s =>
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(VrrpGroup, IPAddress.Parse(NamespaceLab.ServerAddress)))));
        using var vrrp6 = Lab.RunIn(Lab.Server, () => Receiver(AddressFamily.InterNetworkV6, Vrrp, s =>
            s.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(VrrpGroup6, serverIndex))));
        using var udp4 = Lab.RunIn(Lab.Server, () => Receiver(AddressFamily.InterNetwork, ProtocolType.Udp, s => s.Bind(new IPEndPoint(IPAddress.Any, 7091))));
        using var udp6 = Lab.RunIn(Lab.Server, () => Receiver(AddressFamily.InterNetworkV6, ProtocolType.Udp, s =>
        {
            s.DualMode = false; // beside the IPv4 socket on the same port
            s.Bind(new IPEndPoint(IPAddress.IPv6Any, 7091));
        }));

        // The gateway's own advert, as keepalived sends it (to the group, TTL 255, from the interface's primary address),
        // and a UDP datagram from the gateway: only the datagram takes the pool address.
        Lab.RunIn(Lab.Gateway, () =>
        {
            using (var advert = RawVrrp(AddressFamily.InterNetwork))
            {
                advert.Bind(new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayWanAddress), 0));
                advert.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Parse(NamespaceLab.GatewayWanAddress).GetAddressBytes());
                advert.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
                advert.SendTo(Advert(1), new IPEndPoint(VrrpGroup, 0));
            }
            using (var advert = RawVrrp(AddressFamily.InterNetworkV6))
            {
                // From the gateway's own outside address. keepalived's is the link-local one (RFC 5798 §5.1.2.1); binding
                // wan0's link-local here failed with EADDRNOTAVAIL (not investigated), and the point holds for any own
                // address: an untranslated advert arrives from the address it was sent from.
                advert.Bind(new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayWanAddress6), 0));
                advert.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, wanIndex);
                advert.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
                advert.SendTo(Advert(2), new IPEndPoint(new IPAddress(VrrpGroup6.GetAddressBytes(), wanIndex), 0));
            }
            SendUdp(NamespaceLab.ServerAddress, 7091, null, 1);
            SendUdp(NamespaceLab.ServerAddress6, 7091, null, 2);
            return 0;
        });
        var (source4, ttl) = NextAdvert4(vrrp4, 1);
        Assert.Equal(NamespaceLab.GatewayWanAddress, source4.ToString());
        Assert.Equal(255, ttl);
        Assert.Equal(IPAddress.Parse(NamespaceLab.GatewayWanAddress6), NextDatagram(vrrp6, 2));
        Assert.Equal(GatewayLab.SnatPool[0], NextDatagram(udp4, 1).ToString());
        Assert.Equal(IPAddress.Parse("fd77:2::10"), NextDatagram(udp6, 2));

        // Protocol 112 forwarded for an inside host is spared as well, by masquerade too; each phase from its own client
        // address, so no conntrack entry of an earlier phase (which NAT would not look at again) decides the answer.
        SendFromClient(NamespaceLab.ClientAddress, 3);
        Assert.Equal(NamespaceLab.ClientAddress, NextAdvert4(vrrp4, 3).Source.ToString());
        Assert.Equal(GatewayLab.SnatPool[0], NextDatagram(udp4, 3).ToString());

        gw.Apply(Rules.Masquerade(93));
        SendFromClient(GatewayLab.SecondClientAddress, 4);
        Assert.Equal(GatewayLab.SecondClientAddress, NextAdvert4(vrrp4, 4).Source.ToString());
        Assert.Equal(NamespaceLab.GatewayWanAddress, NextDatagram(udp4, 4).ToString());

        // The exemption rule is what let them through untranslated: its counter saw the forwarded advert of this apply.
        var listing = gw.NftCli("list", "chain", "ip", "natgw", NatRulesetCompiler.Postrouting);
        var counted = Regex.Match(listing, @"meta l4proto vrrp counter packets (\d+)");
        Assert.True(counted.Success && long.Parse(counted.Groups[1].Value) >= 1, listing);
    }

    /// <summary>A VRRPv3 advertisement header (version 3, type 1, VRID, priority 100, no addresses): the VRID tells sends apart.</summary>
    private static byte[] Advert(byte vrid) => [0x31, vrid, 100, 0, 0x00, 0x64, 0, 0];

    private static Socket Receiver(AddressFamily family, ProtocolType protocol, Action<Socket> setUp)
    {
        var socket = protocol == Vrrp ? RawVrrp(family) : new Socket(family, SocketType.Dgram, protocol);
        socket.ReceiveTimeout = ReceiveTimeoutMs;
        try { setUp(socket); }
        catch { socket.Dispose(); throw; }
        return socket;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int CreateSocket(int domain, int type, int protocol);

    /// <summary>
    /// A raw socket for IP protocol 112 in the calling thread's namespace. .NET's Socket constructor refuses protocol
    /// numbers it has no name for ("Protocol not supported"), so socket(2) is called directly and wrapped.
    /// </summary>
    private static Socket RawVrrp(AddressFamily family)
    {
        const int SockRaw = 3, SockCloexec = 0x80000;
        var fd = CreateSocket(family == AddressFamily.InterNetworkV6 ? 10 : 2, SockRaw | SockCloexec, (int)Vrrp);
        if (fd < 0) throw new SocketException(Marshal.GetLastPInvokeError());
        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    private static void SendUdp(string to, int port, string? from, byte tag)
    {
        var address = IPAddress.Parse(to);
        using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (from is not null) udp.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        udp.SendTo(Advert(tag), new IPEndPoint(address, port));
    }

    /// <summary>From the client namespace: protocol 112 to the server (forwarded out of wan0) and a UDP datagram, both from <paramref name="from"/>.</summary>
    private void SendFromClient(string from, byte tag) => Lab.RunIn(Lab.Client, () =>
    {
        using (var raw = RawVrrp(AddressFamily.InterNetwork))
        {
            raw.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
            raw.SendTo(Advert(tag), new IPEndPoint(IPAddress.Parse(NamespaceLab.ServerAddress), 0));
        }
        SendUdp(NamespaceLab.ServerAddress, 7091, from, tag);
        return 0;
    });

    /// <summary>The next IPv4 protocol-112 packet carrying <paramref name="vrid"/>: its source and TTL (raw IPv4 sockets get the header).</summary>
    private static (IPAddress Source, int Ttl) NextAdvert4(Socket socket, byte vrid)
    {
        var buffer = new byte[2048];
        while (true)
        {
            var n = Receive(socket, buffer, out _, $"protocol 112 packet {vrid}");
            var headerLength = (buffer[0] & 0x0f) * 4;
            if (n >= headerLength + 8 && buffer[headerLength] == 0x31 && buffer[headerLength + 1] == vrid)
                return (new IPAddress(buffer.AsSpan(12, 4)), buffer[8]);
        }
    }

    /// <summary>The source of the next datagram whose payload is <see cref="Advert"/>(<paramref name="tag"/>) (IPv6 raw sockets and UDP get no header).</summary>
    private static IPAddress NextDatagram(Socket socket, byte tag)
    {
        var buffer = new byte[2048];
        while (true)
        {
            var n = Receive(socket, buffer, out var from, $"datagram {tag}");
            if (n >= 8 && buffer[0] == 0x31 && buffer[1] == tag)
            {
                return new IPAddress(((IPEndPoint)from).Address.GetAddressBytes()); // without a scope id
            }
        }
    }

    /// <summary>One datagram, waiting at most <see cref="ReceiveTimeoutMs"/> (the socket's receive timeout).</summary>
    private static int Receive(Socket socket, byte[] buffer, out EndPoint from, string what)
    {
        from = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        try
        {
            return socket.ReceiveFrom(buffer, ref from);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            throw new TimeoutException($"no {what} within {ReceiveTimeoutMs / 1000} s");
        }
    }

    private int InterfaceIndex(string ns, string name) =>
        int.Parse(Lab.Exec(ns, "cat", $"/sys/class/net/{name}/ifindex").EnsureSuccess("ifindex").StandardOutput.Trim());
}
