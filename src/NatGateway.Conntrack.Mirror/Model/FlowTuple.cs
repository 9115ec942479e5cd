using System.Net;

namespace NatGateway.Conntrack.Mirror.Model;

/// <summary>
/// One direction of a flow (CTA_TUPLE_ORIG or CTA_TUPLE_REPLY). Ports apply to TCP/UDP/SCTP/DCCP/UDP-Lite
/// (and carry GRE keys); ICMP and ICMPv6 use <see cref="IcmpType"/>, <see cref="IcmpCode"/>, <see cref="IcmpId"/>.
/// </summary>
public sealed record FlowTuple(
    IPAddress Source,
    IPAddress Destination,
    ushort SourcePort = 0,
    ushort DestinationPort = 0,
    byte IcmpType = 0,
    byte IcmpCode = 0,
    ushort IcmpId = 0);
