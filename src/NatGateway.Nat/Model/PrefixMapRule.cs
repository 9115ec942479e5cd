namespace NatGateway.Nat;

/// <summary>
/// A prefix mapped onto another of the same length, both ways, from one rule: connections from inside hosts leave with
/// their mapped outside address (SNAT out of <see cref="OutsideInterfaces"/>), and connections to an outside address reach
/// its inside host (DNAT in on them). Host bits are kept: inside 10.0.0.7/24 ↔ outside 192.0.2.7/24.
/// nft: <c>oifname "wan0" ip saddr 10.0.0.0/24 snat ip prefix to ip saddr map { 10.0.0.0/24 : 192.0.2.0/24 }</c> and
/// <c>iifname "wan0" ip daddr 192.0.2.0/24 dnat ip prefix to ip daddr map { 192.0.2.0/24 : 10.0.0.0/24 }</c>.
/// </summary>
public abstract record PrefixMapRule : NatRule
{
    /// <summary>The outside interfaces: SNAT on the way out of them, DNAT on the way in. Empty = any.</summary>
    public IReadOnlyList<string> OutsideInterfaces { get; init; } = [];
    public required IpPrefix InsidePrefix { get; init; }
    /// <summary>Same length as <see cref="InsidePrefix"/>.</summary>
    public required IpPrefix OutsidePrefix { get; init; }
    /// <summary>NAT reflection: inside hosts reaching an outside address of the map are translated too.</summary>
    public bool Hairpin { get; init; }
}

/// <summary>1:1 NAT (netmap, as OPNsense's "BINAT" or RouterOS' netmap) of an IPv4 prefix.</summary>
public sealed record OneToOneRule : PrefixMapRule
{
    public override NatRuleKind Kind => NatRuleKind.OneToOne;
}

/// <summary>
/// IPv6 prefix translation through conntrack (nft prefix NAT): stateful, unlike RFC 6296's checksum-neutral stateless
/// mapping (ip6tables SNPT/DNPT), which is out of scope. Always <see cref="NatFamily.Ipv6"/>.
/// </summary>
public sealed record Nptv6Rule : PrefixMapRule
{
    public override NatRuleKind Kind => NatRuleKind.Nptv6;
}
