namespace NatGateway.Nat;

/// <summary>Transport protocol matched by a rule: JSON "tcp", "udp", "both" (nft <c>meta l4proto tcp</c>).</summary>
public enum NatProtocol
{
    Tcp,
    Udp,
    /// <summary>TCP and UDP; compiled as one nft rule per protocol.</summary>
    Both,
}
