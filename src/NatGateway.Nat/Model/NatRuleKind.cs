namespace NatGateway.Nat;

/// <summary>The JSON "kind" discriminator: "masquerade", "snat", "dnat", "one-to-one", "nptv6", "redirect", "load-balance".</summary>
public enum NatRuleKind
{
    Masquerade,
    Snat,
    Dnat,
    /// <summary>1:1 NAT (netmap) of an IPv4 prefix: <see cref="OneToOneRule"/>.</summary>
    OneToOne,
    /// <summary>Stateful IPv6 prefix translation: <see cref="Nptv6Rule"/>.</summary>
    Nptv6,
    /// <summary>Incoming tcp/udp to a local port: <see cref="RedirectRule"/>.</summary>
    Redirect,
    /// <summary>One public port to several backends: <see cref="LoadBalanceRule"/>.</summary>
    LoadBalance,
}
