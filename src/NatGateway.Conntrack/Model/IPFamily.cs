namespace NatGateway.Conntrack;

/// <summary>Layer-3 family as the kernel numbers it in nfgenmsg (not System.Net.Sockets.AddressFamily,
/// whose IPv6 value differs).</summary>
public enum IPFamily : byte
{
    /// <summary>AF_UNSPEC: both families (conntrack -L without -f)</summary>
    Any = 0,
    /// <summary>AF_INET (conntrack -f ipv4)</summary>
    IPv4 = 2,
    /// <summary>AF_INET6 (conntrack -f ipv6)</summary>
    IPv6 = 10,
}
