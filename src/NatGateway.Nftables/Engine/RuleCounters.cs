namespace NatGateway.Nftables;

/// <summary>
/// Kernel counters of one NAT rule (summed over its nft rules and map elements). NAT chains only see the first
/// packet of each connection, so Packets counts translated flows; Bytes is the size of those first packets.
/// Counters restart at 0 on every apply (the table is replaced).
/// </summary>
public sealed record RuleCounters(Guid RuleId, long Packets, long Bytes);
