namespace NatGateway.Nftables;

/// <summary>
/// Kernel counters of one NAT rule (summed over its nft rules and map elements). NAT chains only see the first
/// packet of each connection, so Packets counts translated flows; Bytes is the size of those first packets.
/// Counters restart at 0 on every apply (the table is replaced).
/// </summary>
public sealed record RuleCounters(Guid RuleId, long Packets, long Bytes)
{
    /// <summary>
    /// Per backend of a load-balanced forward, in backend order (index i = the rule's backends[i]); empty for other kinds.
    /// <see cref="Packets"/>/<see cref="Bytes"/> are their sums.
    /// </summary>
    public IReadOnlyList<BackendCounters> Backends { get; init; } = [];
}

/// <summary>Counters of one backend of a load-balanced forward: the flows it was chosen for.</summary>
public sealed record BackendCounters(int Index, long Packets, long Bytes);
