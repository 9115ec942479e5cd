namespace NatGateway.Nat;

/// <summary>
/// Source NAT to the address of the output interface.
/// nft: <c>oifname "wan0" ip saddr 10.0.0.0/8 meta l4proto tcp counter masquerade to :1024-65535 fully-random</c>.
/// </summary>
public sealed record MasqueradeRule : NatRule
{
    public override NatRuleKind Kind => NatRuleKind.Masquerade;
    public IReadOnlyList<string> OutInterfaces { get; init; } = [];
    /// <summary>Empty = any source.</summary>
    public IReadOnlyList<IpPrefix> SourceCidrs { get; init; } = [];
    public NatProtocol? Protocol { get; init; }
    /// <summary>Source ports to translate to (needs a protocol).</summary>
    public PortRange? Ports { get; init; }
    public NatOptions Options { get; init; }
}
