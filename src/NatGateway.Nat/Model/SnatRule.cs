namespace NatGateway.Nat;

/// <summary>
/// Source NAT to a chosen address, range or prefix.
/// nft: <c>oifname "wan0" ip saddr 10.0.0.0/8 counter snat ip to 192.0.2.10-192.0.2.20</c>.
/// </summary>
public sealed record SnatRule : NatRule
{
    public override NatRuleKind Kind => NatRuleKind.Snat;
    public IReadOnlyList<string> OutInterfaces { get; init; } = [];
    /// <summary>Empty = any source.</summary>
    public IReadOnlyList<IpPrefix> SourceCidrs { get; init; } = [];
    /// <summary>Empty = any destination.</summary>
    public IReadOnlyList<IpPrefix> DestinationCidrs { get; init; } = [];
    public NatProtocol? Protocol { get; init; }
    public required AddressPool TranslateTo { get; init; }
    public PortRange? Ports { get; init; }
    public NatOptions Options { get; init; }
}
