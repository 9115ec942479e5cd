namespace NatGateway.Nat;

/// <summary>
/// Destination NAT (port forward).
/// nft: <c>iifname "eth0" fib daddr . iif type local meta l4proto tcp tcp dport 8080 counter dnat ip to 10.0.0.2:80</c>.
/// </summary>
public sealed record DnatRule : NatRule
{
    public override NatRuleKind Kind => NatRuleKind.Dnat;
    public IReadOnlyList<string> InInterfaces { get; init; } = [];
    public NatProtocol Protocol { get; init; } = NatProtocol.Tcp;
    /// <summary>Empty = any source; otherwise only these sources are forwarded.</summary>
    public IReadOnlyList<IpPrefix> SourceCidrs { get; init; } = [];
    /// <summary>null = any local address of the input interface (nft <c>fib daddr . iif type local</c>).</summary>
    public System.Net.IPAddress? DestinationAddress { get; init; }
    public PortRange DestinationPort { get; init; }
    public required AddressPool TargetAddress { get; init; }
    /// <summary>null = keep the destination port. A range maps one to one onto a destination range of the same width.</summary>
    public PortRange? TargetPort { get; init; }
    /// <summary>NAT reflection: inside clients reaching the public address are forwarded and masqueraded.</summary>
    public bool Hairpin { get; init; }

    /// <summary>
    /// A forward that fits an nft map: one port to one address:port, no source restriction, no hairpin, no timeout policy.
    /// The compiler may group these into maps (constant cost per new flow).
    /// </summary>
    public bool IsPlainForward =>
        DestinationPort.IsSingle && TargetAddress.IsSingle && (TargetPort is null || TargetPort.Value.IsSingle)
        && SourceCidrs.Count == 0 && !Hairpin && Timeouts is null;
}
