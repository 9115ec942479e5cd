namespace NatGateway.Conntrack;

/// <summary>Layer-4 protocol numbers conntrack knows by name (IANA / linux/in.h). Any other byte value is
/// valid too and is shown generically.</summary>
public enum IPProtocol : byte
{
    /// <summary>IPPROTO_ICMP</summary>
    Icmp = 1,
    /// <summary>IPPROTO_IGMP</summary>
    Igmp = 2,
    /// <summary>IPPROTO_TCP</summary>
    Tcp = 6,
    /// <summary>IPPROTO_UDP</summary>
    Udp = 17,
    /// <summary>IPPROTO_DCCP</summary>
    Dccp = 33,
    /// <summary>IPPROTO_GRE</summary>
    Gre = 47,
    /// <summary>IPPROTO_ESP</summary>
    Esp = 50,
    /// <summary>IPPROTO_AH</summary>
    Ah = 51,
    /// <summary>IPPROTO_ICMPV6</summary>
    IcmpV6 = 58,
    /// <summary>IPPROTO_SCTP</summary>
    Sctp = 132,
    /// <summary>IPPROTO_UDPLITE</summary>
    UdpLite = 136,
}

public static class IPProtocolExtensions
{
    /// <summary>True for protocols whose tuple carries source/destination ports (CTA_PROTO_SRC_PORT/DST_PORT).
    /// GRE carries its call IDs ("keys") in the same attributes.</summary>
    public static bool HasPorts(this IPProtocol protocol) => protocol is IPProtocol.Tcp or IPProtocol.Udp
        or IPProtocol.UdpLite or IPProtocol.Sctp or IPProtocol.Dccp or IPProtocol.Gre;

    public static bool IsIcmp(this IPProtocol protocol) => protocol is IPProtocol.Icmp or IPProtocol.IcmpV6;

    /// <summary>The name conntrack(8) prints ("tcp", "udp", "icmpv6", ...), or "unknown".</summary>
    public static string ConntrackName(this IPProtocol protocol) => protocol switch
    {
        IPProtocol.Icmp => "icmp",
        IPProtocol.Igmp => "igmp",
        IPProtocol.Tcp => "tcp",
        IPProtocol.Udp => "udp",
        IPProtocol.Dccp => "dccp",
        IPProtocol.Gre => "gre",
        IPProtocol.Esp => "esp",
        IPProtocol.Ah => "ah",
        IPProtocol.IcmpV6 => "icmpv6",
        IPProtocol.Sctp => "sctp",
        IPProtocol.UdpLite => "udplite",
        _ => "unknown",
    };
}
