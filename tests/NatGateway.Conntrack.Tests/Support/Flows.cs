namespace NatGateway.Conntrack.Tests.Support;

/// <summary>Builders for test flows.</summary>
public static class Flows
{
    public static Flow Udp(string src, ushort sport, string dst, ushort dport, uint timeout = 120, uint mark = 0) =>
        Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp, src, sport, dst, dport), timeout, FlowStatus.None, mark);

    public static Flow Tcp(string src, ushort sport, string dst, ushort dport, uint timeout = 300, uint mark = 0) =>
        Flow.ForCreate(FlowTuple.Create(IPProtocol.Tcp, src, sport, dst, dport), timeout, FlowStatus.Assured | FlowStatus.SeenReply, mark);

    /// <summary>Distinct UDP flows 10.{a}.x.y:port → 10.200.0.1:53.</summary>
    public static IEnumerable<Flow> ManyUdp(int count, byte firstOctet = 10, uint mark = 0)
    {
        for (var i = 0; i < count; i++)
        {
            var src = NetAddress.FromIPv4((uint)(firstOctet << 24 | (i / 50000 + 1) << 16 | (i % 50000 / 250) << 8 | (i % 250 + 1)));
            var tuple = FlowTuple.Create(IPProtocol.Udp, src, (ushort)(10000 + i % 50000 / 250 % 200), NetAddress.Parse("10.200.0.1"), 53);
            yield return Flow.ForCreate(tuple, 600, FlowStatus.None, mark);
        }
    }
}
