using System.Net;

namespace NatGateway.Nat;

/// <summary>How a <see cref="LoadBalanceRule"/> picks a backend for a new connection.</summary>
public enum BalanceMethod
{
    /// <summary>Each new connection to the next backend in turn, by weight (nft <c>numgen inc mod N</c>).</summary>
    RoundRobin,
    /// <summary>Sticky per client: a hash of the source address (nft <c>jhash ip saddr mod N</c>).</summary>
    SourceHash,
}

/// <summary>One backend of a load-balanced forward. <see cref="Port"/> null keeps the destination port.</summary>
public sealed record LoadBalanceBackend(IPAddress Address, int? Port = null, int Weight = 1);

/// <summary>
/// One public port forwarded to several backends. Counters are per backend.
/// nft: <c>iifname "wan0" meta l4proto tcp tcp dport 80 numgen inc mod 3 vmap { 0 : jump lb_b0, 1 : jump lb_b1, 2 : jump lb_b2 }</c>.
/// </summary>
public sealed record LoadBalanceRule : NatRule
{
    public override NatRuleKind Kind => NatRuleKind.LoadBalance;
    public IReadOnlyList<string> InInterfaces { get; init; } = [];
    public NatProtocol Protocol { get; init; } = NatProtocol.Tcp;
    /// <summary>Empty = any source.</summary>
    public IReadOnlyList<IpPrefix> SourceCidrs { get; init; } = [];
    /// <summary>null = any local address of the input interface (nft <c>fib daddr . iif type local</c>).</summary>
    public IPAddress? DestinationAddress { get; init; }
    public PortRange DestinationPort { get; init; }
    public IReadOnlyList<LoadBalanceBackend> Backends { get; init; } = [];
    public BalanceMethod Method { get; init; } = BalanceMethod.RoundRobin;
}
