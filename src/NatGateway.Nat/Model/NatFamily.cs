namespace NatGateway.Nat;

/// <summary>Address family of a rule: JSON "ipv4" / "ipv6"; nft table families <c>ip</c> / <c>ip6</c>.</summary>
public enum NatFamily
{
    Ipv4,
    Ipv6,
}
