namespace NatGateway.Nftables;

/// <summary>
/// A compiled ruleset as a revision keeps it: the libnftables JSON batch (<see cref="CompiledRuleset.Json"/>) and the
/// compiler's <c>nft list</c> text (<see cref="CompiledRuleset.NftText"/>). The kernel side hands these back when it
/// prepares a list (<c>INatTables.Prepare</c>), so the journal stores the very batch the kernel then applies and the
/// rules are compiled once per apply (issue 12), not once by each side.
/// </summary>
public sealed record RulesetDocuments(string Json, string? Text)
{
    public static RulesetDocuments Of(CompiledRuleset compiled) => new(compiled.Json, compiled.NftText);
}
