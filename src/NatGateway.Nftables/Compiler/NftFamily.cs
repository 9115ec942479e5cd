using NatGateway.Nat;

namespace NatGateway.Nftables;

/// <summary>nft names for a rule family: table family "ip"/"ip6", payload protocol "ip"/"ip6", address type.</summary>
internal static class NftFamily
{
    public static string TableFamily(NatFamily f) => f == NatFamily.Ipv6 ? "ip6" : "ip";
    public static string Payload(NatFamily f) => f == NatFamily.Ipv6 ? "ip6" : "ip";
    public static Schema.NftDataType AddressType(NatFamily f) =>
        f == NatFamily.Ipv6 ? Schema.NftDataType.Ipv6Address : Schema.NftDataType.Ipv4Address;
    public static string Protocol(NatProtocol p) => p == NatProtocol.Udp ? "udp" : "tcp";
}
