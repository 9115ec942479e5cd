using NatGateway.Nat;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

/// <summary>Our table for one family: <c>table ip natgw</c>.</summary>
public sealed record NftTableName(string Family, string Name)
{
    public override string ToString() => $"table {Family} {Name}";
}

/// <summary>How one NAT rule was compiled: its mark, and where its nft rules or map elements live.</summary>
public sealed record CompiledRuleInfo(Guid RuleId, string Name, int MarkId, uint MarkValue, bool Enabled, string? MapSegment);

/// <summary>
/// The output of <see cref="NatRulesetCompiler"/>: one batch (<c>nft -j -f</c> input) that replaces our tables' contents
/// in one transaction. <see cref="NftText"/> is filled by <see cref="NftablesNatEngine.Compile(IReadOnlyList{NatRule})"/> (the kernel's own rendering).
/// </summary>
public sealed record CompiledRuleset(
    NftBatch Batch,
    string Json,
    IReadOnlyList<NftTableName> Tables,
    IReadOnlyList<CompiledRuleInfo> Rules,
    DnatPlan Plan,
    NatCompileOptions Options)
{
    /// <summary><c>nft list table</c> text of what this ruleset looks like once applied (null until rendered).</summary>
    public string? NftText { get; init; }

    public CompiledRuleInfo? RuleByMarkId(int markId) => Rules.FirstOrDefault(r => r.MarkId == markId);
}

/// <summary>The rule list could not be compiled (invalid rules, mark ids out of range).</summary>
public sealed class NatCompileException(string message, IReadOnlyList<(Guid RuleId, ValidationIssue Issue)> problems)
    : Exception(message + (problems.Count > 0 ? ": " + string.Join("; ", problems.Select(p => $"{p.RuleId} {p.Issue}")) : ""))
{
    public IReadOnlyList<(Guid RuleId, ValidationIssue Issue)> Problems { get; } = problems;
}
