namespace NatGateway.Data.Entities;

/// <summary>
/// One applied state of the gateway: the full desired rule list, the nftables ruleset generated from it,
/// and a readable diff against the previous revision. Every apply creates one; nothing is ever updated
/// except its <see cref="State"/>.
/// </summary>
public sealed class Revision
{
    public long Id { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? Author { get; set; }
    public string? Comment { get; set; }
    /// <summary>"apply", "rollback", "reapply".</summary>
    public required string Kind { get; set; }
    /// <summary>JSON array of the rules in order, each in the REST shape.</summary>
    public required string RulesDocument { get; set; }
    /// <summary>The libnftables JSON batch that was applied.</summary>
    public required string RulesetJson { get; set; }
    /// <summary><c>nft list table</c> rendering of the ruleset, for humans and diffs.</summary>
    public string? RulesetText { get; set; }
    /// <summary>Readable diff against the previous revision (rules and ruleset).</summary>
    public string? Diff { get; set; }
    /// <summary>"applied" once in the kernel; later states (pending confirmation, reverted) come with safe apply.</summary>
    public required string State { get; set; }
}
