using NatGateway.Conntrack;

namespace NatGateway.Conntrack.Mirror.Tests;

/// <summary>Builds flows the way ctnetlink would report them, for pure unit tests.</summary>
internal static class SyntheticFlows
{
    public const FlowFields DumpFields = FlowFields.Original | FlowFields.Reply | FlowFields.Status | FlowFields.Id |
                                         FlowFields.Mark | FlowFields.Timeout;

    public static Flow Tcp(uint id, string source, ushort sourcePort, string destination, ushort destinationPort,
        TcpState state = TcpState.Established, FlowStatus status = FlowStatus.Assured | FlowStatus.SeenReply | FlowStatus.Confirmed,
        uint mark = 0, ushort zone = 0, uint timeout = 300, string? replySource = null, string? replyDestination = null)
    {
        var original = FlowTuple.Create(IPProtocol.Tcp, source, sourcePort, destination, destinationPort);
        return Make(id, original, Reply(original, replySource, replyDestination), status, mark, zone, timeout, state);
    }

    public static Flow Udp(uint id, string source, ushort sourcePort, string destination, ushort destinationPort,
        FlowStatus status = FlowStatus.SeenReply | FlowStatus.Confirmed, uint mark = 0, ushort zone = 0, uint timeout = 30,
        string? replySource = null, string? replyDestination = null)
    {
        var original = FlowTuple.Create(IPProtocol.Udp, source, sourcePort, destination, destinationPort);
        return Make(id, original, Reply(original, replySource, replyDestination), status, mark, zone, timeout, null);
    }

    public static Flow Icmp(uint id, string source, string destination, ushort icmpId)
    {
        var original = FlowTuple.CreateIcmp(NetAddress.Parse(source), NetAddress.Parse(destination), 8, 0, icmpId);
        return Make(id, original, original.Inverted(), FlowStatus.SeenReply | FlowStatus.Confirmed, 0, 0, 29, null);
    }

    private static FlowTuple Reply(FlowTuple original, string? replySource, string? replyDestination)
    {
        var reply = original.Inverted();
        if (replySource is not null) reply.Source = NetAddress.Parse(replySource);
        if (replyDestination is not null) reply.Destination = NetAddress.Parse(replyDestination);
        return reply;
    }

    private static Flow Make(uint id, FlowTuple original, FlowTuple reply, FlowStatus status, uint mark, ushort zone, uint timeout, TcpState? state)
    {
        var flow = new Flow
        {
            Family = original.Family,
            Original = original,
            Reply = reply,
            Id = id,
            Status = status,
            Mark = mark,
            Zone = zone,
            Timeout = timeout,
            Present = DumpFields | (zone != 0 ? FlowFields.Zone : 0),
        };
        if (state is { } s)
        {
            flow.Tcp = new TcpInfo(s, 0, 0, 0, 0);
            flow.Present |= FlowFields.TcpInfo;
        }
        return flow;
    }

    public static Flow WithCounters(this Flow flow, ulong packets, ulong bytes)
    {
        flow.OriginalCounters = new FlowCounters(packets / 2 + packets % 2, bytes / 2 + bytes % 2);
        flow.ReplyCounters = new FlowCounters(packets / 2, bytes / 2);
        flow.Present |= FlowFields.Counters;
        return flow;
    }

    /// <summary>A deterministic table of <paramref name="count"/> mixed flows (TCP/UDP/ICMP, 10% IPv6, some SNAT, marks, zones).</summary>
    public static IEnumerable<Flow> Many(int count, int seed = 1)
    {
        var random = new Random(seed);
        var snat = NetAddress.Parse("203.0.113.1");
        ushort[] ports = [80, 443, 53, 22, 8080];
        for (var i = 0; i < count; i++)
        {
            var id = (uint)(i + 1);
            var kind = random.Next(20);
            var sport = (ushort)(1024 + random.Next(60000));
            var dport = ports[random.Next(5)];
            var status = FlowStatus.Confirmed | (random.Next(4) == 0 ? 0 : FlowStatus.Assured | FlowStatus.SeenReply) | (random.Next(3) == 0 ? FlowStatus.SourceNat : 0);
            NetAddress client, server;
            if (kind < 18)
            {
                client = NetAddress.FromIPv4(0x0A000000u | (uint)i);                        // 10.x.y.z, one per flow
                server = NetAddress.FromIPv4(0xC0A80000u | (uint)random.Next(1024));         // 192.168.0.0/22
            }
            else
            {
                client = new NetAddress(0xfd77_0001_0000_0000UL, (ulong)i, IPFamily.IPv6);   // fd77:1::i
                server = new NetAddress(0xfd77_0002_0000_0000UL, (ulong)random.Next(1, 100), IPFamily.IPv6);
            }
            var protocol = kind switch { < 10 => IPProtocol.Tcp, < 16 => IPProtocol.Udp, < 17 => IPProtocol.Icmp, _ => IPProtocol.Tcp };
            var original = protocol == IPProtocol.Icmp
                ? FlowTuple.CreateIcmp(client, server, 8, 0, (ushort)random.Next(65536))
                : FlowTuple.Create(protocol, client, sport, server, dport);
            var reply = original.Inverted();
            if ((status & FlowStatus.SourceNat) != 0 && client.IsIPv4) reply.Destination = snat;
            var flow = new Flow
            {
                Family = client.Family,
                Original = original,
                Reply = reply,
                Id = id,
                Status = status,
                Mark = (uint)random.Next(4),
                Zone = (ushort)(random.Next(10) == 0 ? 2 : 0),
                Timeout = (uint)random.Next(1, 432000),
                Present = DumpFields,
            };
            if (protocol == IPProtocol.Tcp)
            {
                flow.Tcp = new TcpInfo((TcpState)random.Next(1, 10), 0, 0, 0, 0);
                flow.Present |= FlowFields.TcpInfo;
            }
            if (flow.Zone != 0) flow.Present |= FlowFields.Zone;
            yield return flow.WithCounters((ulong)random.Next(1, 10000), (ulong)random.Next(60, 10_000_000));
        }
    }
}
