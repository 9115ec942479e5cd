namespace NatGateway.Nftables;

/// <summary>Outcome of one atomic apply.</summary>
public sealed record ApplyResult(TimeSpan Duration, int CommandCount);
