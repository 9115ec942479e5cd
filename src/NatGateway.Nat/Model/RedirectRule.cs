namespace NatGateway.Nat;

/// <summary>
/// Incoming tcp/udp redirected to a port of the gateway itself (a transparent proxy, a local DNS).
/// nft: <c>iifname "lan0" meta l4proto tcp tcp dport 80 counter redirect to :3128</c>.
/// </summary>
public sealed record RedirectRule : NatRule
{
    public override NatRuleKind Kind => NatRuleKind.Redirect;
    public IReadOnlyList<string> InInterfaces { get; init; } = [];
    public NatProtocol Protocol { get; init; } = NatProtocol.Tcp;
    /// <summary>Empty = any source.</summary>
    public IReadOnlyList<IpPrefix> SourceCidrs { get; init; } = [];
    /// <summary>null = any destination (redirect catches traffic passing through, too).</summary>
    public System.Net.IPAddress? DestinationAddress { get; init; }
    public PortRange DestinationPort { get; init; }
    /// <summary>The local port; null = keep the destination port. A range maps one to one (same width).</summary>
    public PortRange? TargetPort { get; init; }
}
