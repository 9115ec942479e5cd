namespace NatGateway.Nat;

/// <summary>The JSON "kind" discriminator: "masquerade", "snat", "dnat".</summary>
public enum NatRuleKind
{
    Masquerade,
    Snat,
    Dnat,
}
