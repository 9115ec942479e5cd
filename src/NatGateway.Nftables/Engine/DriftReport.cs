namespace NatGateway.Nftables;

/// <summary>Our tables in the kernel compared with what the compiled ruleset should look like.</summary>
public sealed record DriftReport(bool HasDrift, IReadOnlyList<string> Diff, string Expected, string Actual)
{
    public override string ToString() => HasDrift ? string.Join('\n', Diff) : "no drift";
}
