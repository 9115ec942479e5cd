using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Nat;

/// <summary>
/// Sends UDP packets from the client namespace to the gateway's lan0 address as fast as one thread can, each packet a
/// new conntrack entry: a raw IPv4 socket with our own headers (IP_HDRINCL) rotates the destination port over the
/// forwarded ports, then the source port (1024..65535), then the source address over 10.77.1.64-127 (lab addresses;
/// nothing answers them, the server drops everything). A tuple comes back only after 64 × 64,512 × ports packets,
/// far beyond the lab gateway's 1 s UDP timeout, so every packet the gateway handles is a new flow.
/// </summary>
internal sealed class NewFlowSender : IDisposable
{
    private const int IpHeaderLength = 20;
    private const int UdpHeaderLength = 8;
    private const int PayloadLength = 18; // 46-byte IP packet: the minimum Ethernet payload
    private const int FirstSourcePort = 1024;
    private const int SourcePorts = 65536 - FirstSourcePort;
    private const int SourceAddresses = 64;
    private static readonly byte[] FirstSourceAddress = [10, 77, 1, 64];

    private readonly Socket _socket;
    private readonly string _namespace;

    public NewFlowSender(NamespaceLab lab)
    {
        _namespace = lab.Client;
        _socket = lab.RunIn(lab.Client, () =>
        {
            // socket(AF_INET, SOCK_RAW, IPPROTO_UDP) + IP_HDRINCL: the kernel fills in the IP checksum, length and id.
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Udp);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.HeaderIncluded, true);
            socket.Connect(new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 0));
            return socket;
        });
    }

    /// <summary>What one burst cost: packets handed to the kernel, wall-clock time, and CPU time of the sending thread.</summary>
    public readonly record struct Burst(long Sent, TimeSpan Elapsed, TimeSpan SenderCpu);

    /// <summary>Sends for <paramref name="duration"/>.</summary>
    public Burst Send(TimeSpan duration, int firstPort, int portCount) =>
        // Sent from a thread in the client namespace: softirq work the send triggers runs there too, as for a real sender.
        NetworkNamespace.RunIn(_namespace, () => SendLoop(duration, firstPort, portCount));

    private Burst SendLoop(TimeSpan duration, int firstPort, int portCount)
    {
        Span<byte> packet = stackalloc byte[IpHeaderLength + UdpHeaderLength + PayloadLength];
        packet.Clear();
        var ip = packet[..IpHeaderLength];
        ip[0] = 0x45;   // IPv4, 5-word header
        ip[8] = 64;     // TTL
        ip[9] = 17;     // IPPROTO_UDP
        FirstSourceAddress.CopyTo(ip[12..16]);
        IPAddress.Parse(NamespaceLab.GatewayLanAddress).TryWriteBytes(ip[16..20], out _);
        var udp = packet[IpHeaderLength..];
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..6], UdpHeaderLength + PayloadLength);
        // UDP checksum 0 = "none" (allowed for IPv4).

        var dportIndex = 0;
        var sportIndex = 0;
        var saddrIndex = 0;
        long sent = 0;
        var cpuAtStart = ThreadCpuClock.Now();
        var clock = Stopwatch.StartNew();
        var ticks = (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            for (var i = 0; i < 256; i++)
            {
                ip[15] = (byte)(FirstSourceAddress[3] + saddrIndex);
                BinaryPrimitives.WriteUInt16BigEndian(udp[0..2], (ushort)(FirstSourcePort + sportIndex));
                BinaryPrimitives.WriteUInt16BigEndian(udp[2..4], (ushort)(firstPort + dportIndex));
                try
                {
                    _socket.Send(packet);
                    sent++;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
                {
                    // A full queue: the packet is lost like any other drop; the receiver count tells.
                }
                if (++dportIndex < portCount) continue;
                dportIndex = 0;
                if (++sportIndex < SourcePorts) continue;
                sportIndex = 0;
                saddrIndex = (saddrIndex + 1) % SourceAddresses;
            }
            if (clock.ElapsedTicks >= ticks) return new Burst(sent, clock.Elapsed, ThreadCpuClock.Now() - cpuAtStart);
        }
    }

    public void Dispose() => _socket.Dispose();
}
