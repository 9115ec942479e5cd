namespace NatGateway.Nat;

/// <summary>Source NAT flags (nft <c>masquerade random,fully-random,persistent</c>). JSON: ["random", "fully-random", "persistent"].</summary>
[Flags]
public enum NatOptions
{
    None = 0,
    /// <summary>Randomise the source port mapping (NF_NAT_RANGE_PROTO_RANDOM).</summary>
    Random = 1,
    /// <summary>Fully random source ports, PRNG based (NF_NAT_RANGE_PROTO_RANDOM_FULLY).</summary>
    FullyRandom = 2,
    /// <summary>Give a client the same source address for every connection (NF_NAT_RANGE_PERSISTENT).</summary>
    Persistent = 4,
}
