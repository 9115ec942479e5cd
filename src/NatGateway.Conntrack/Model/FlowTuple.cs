namespace NatGateway.Conntrack;

/// <summary>
/// One direction of a connection (CTA_TUPLE_ORIG or CTA_TUPLE_REPLY): addresses, protocol and the
/// protocol's identifiers. Ports are used by TCP, UDP, UDP-Lite, SCTP and DCCP, and by GRE for its keys;
/// ICMP/ICMPv6 use type, code and id. Other protocols carry only addresses and the protocol number.
/// </summary>
public record struct FlowTuple
{
    public NetAddress Source { get; set; }
    public NetAddress Destination { get; set; }
    /// <summary>CTA_PROTO_NUM; any byte value (unknown protocols keep their number).</summary>
    public IPProtocol Protocol { get; set; }
    /// <summary>CTA_PROTO_SRC_PORT (GRE: source key).</summary>
    public ushort SourcePort { get; set; }
    /// <summary>CTA_PROTO_DST_PORT (GRE: destination key).</summary>
    public ushort DestinationPort { get; set; }
    /// <summary>CTA_PROTO_ICMP_TYPE / CTA_PROTO_ICMPV6_TYPE</summary>
    public byte IcmpType { get; set; }
    /// <summary>CTA_PROTO_ICMP_CODE / CTA_PROTO_ICMPV6_CODE</summary>
    public byte IcmpCode { get; set; }
    /// <summary>CTA_PROTO_ICMP_ID / CTA_PROTO_ICMPV6_ID</summary>
    public ushort IcmpId { get; set; }
    /// <summary>CTA_TUPLE_ZONE: a per-direction zone, when the kernel reports one.</summary>
    public ushort? Zone { get; set; }

    public readonly IPFamily Family => Source.Family != IPFamily.Any ? Source.Family : Destination.Family;

    /// <summary>A TCP/UDP/... tuple.</summary>
    public static FlowTuple Create(IPProtocol protocol, NetAddress source, ushort sourcePort, NetAddress destination, ushort destinationPort) =>
        new() { Protocol = protocol, Source = source, Destination = destination, SourcePort = sourcePort, DestinationPort = destinationPort };

    /// <summary>A TCP/UDP/... tuple from text addresses.</summary>
    public static FlowTuple Create(IPProtocol protocol, string source, ushort sourcePort, string destination, ushort destinationPort) =>
        Create(protocol, NetAddress.Parse(source), sourcePort, NetAddress.Parse(destination), destinationPort);

    /// <summary>An ICMP (IPv4) or ICMPv6 tuple.</summary>
    public static FlowTuple CreateIcmp(NetAddress source, NetAddress destination, byte type, byte code, ushort id) =>
        new()
        {
            Protocol = source.IsIPv6 ? IPProtocol.IcmpV6 : IPProtocol.Icmp,
            Source = source, Destination = destination, IcmpType = type, IcmpCode = code, IcmpId = id,
        };

    /// <summary>The same connection seen from the other side (source and destination swapped; ICMP echo
    /// request/reply types swapped). This is the reply tuple of a flow without NAT.</summary>
    public readonly FlowTuple Inverted()
    {
        var t = this;
        t.Source = Destination;
        t.Destination = Source;
        t.SourcePort = DestinationPort;
        t.DestinationPort = SourcePort;
        if (Protocol == IPProtocol.Icmp)
            t.IcmpType = IcmpType switch { 8 => 0, 0 => 8, 13 => 14, 14 => 13, 15 => 16, 16 => 15, 17 => 18, 18 => 17, _ => IcmpType };
        else if (Protocol == IPProtocol.IcmpV6)
            t.IcmpType = IcmpType switch { 128 => 129, 129 => 128, 133 => 134, 134 => 133, 135 => 136, 136 => 135, _ => IcmpType };
        return t;
    }

    public override readonly string ToString()
    {
        var p = Protocol.ConntrackName();
        if (Protocol.HasPorts()) return $"{p} {Source}:{SourcePort} -> {Destination}:{DestinationPort}";
        if (Protocol.IsIcmp()) return $"{p} {Source} -> {Destination} type={IcmpType} code={IcmpCode} id={IcmpId}";
        return $"proto {(byte)Protocol} {Source} -> {Destination}";
    }
}
