using System.Net;
using NatGateway.Nat;

namespace NatGateway.Core.Tracing;

/// <summary>The transport protocol of one probed packet (a rule matches tcp/udp/both; a packet is one of them).</summary>
public enum ProbeProtocol
{
    Tcp,
    Udp,
}

/// <summary>"What happens to this packet?": a 5-tuple arriving on an interface of the gateway.</summary>
public sealed record PacketProbe(
    NatFamily Family,
    ProbeProtocol Protocol,
    IPAddress Source,
    IPAddress Destination,
    int SourcePort,
    int DestinationPort,
    string InInterface);
