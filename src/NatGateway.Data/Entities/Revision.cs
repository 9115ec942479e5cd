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
    public required RevisionKind Kind { get; set; }
    /// <summary>JSON array of the rules in order, each in the REST shape. Not a column: stored once in
    /// <see cref="RevisionDocument"/> under <see cref="RulesHash"/> when the revision is added, and filled in only by the
    /// reads that ask for the whole revision.</summary>
    public required string RulesDocument { get; set; }
    /// <summary>The libnftables JSON batch that was applied (a <see cref="RevisionDocument"/>, as <see cref="RulesDocument"/>).</summary>
    public required string RulesetJson { get; set; }
    /// <summary><c>nft list table</c> rendering of the ruleset, for humans and diffs (a <see cref="RevisionDocument"/>).</summary>
    public string? RulesetText { get; set; }
    /// <summary>Readable diff against the previous revision (rules and ruleset; a <see cref="RevisionDocument"/>).</summary>
    public string? Diff { get; set; }
    /// <summary>The <see cref="RevisionDocument"/> holding <see cref="RulesDocument"/>.</summary>
    public string RulesHash { get; set; } = "";
    /// <summary>The <see cref="RevisionDocument"/> holding <see cref="RulesetJson"/>.</summary>
    public string RulesetJsonHash { get; set; } = "";
    /// <summary>The <see cref="RevisionDocument"/> holding <see cref="RulesetText"/>, if any.</summary>
    public string? RulesetTextHash { get; set; }
    /// <summary>The <see cref="RevisionDocument"/> holding <see cref="Diff"/>, if any.</summary>
    public string? DiffHash { get; set; }
    /// <summary>How many rules <see cref="RulesDocument"/> holds: lists show it without reading any document.</summary>
    public int RuleCount { get; set; }
    public required RevisionState State { get; set; }
    /// <summary>Forwarding and rp_filter values of this state (JSON); null when the revision did not capture them.</summary>
    public string? SettingsDocument { get; set; }
    /// <summary>Conntrack sizing and timeouts of this state (JSON: conntrackMax, buckets, timeouts); null in older revisions.</summary>
    public string? ConntrackDocument { get; set; }
    /// <summary>The HA pair's configuration of this state (JSON, <c>ClusterDocument</c> in Core); null = never configured.
    /// The peers' shared secret is never in it (<see cref="ClusterSecret"/>).</summary>
    public string? ClusterDocument { get; set; }
    /// <summary>While pending confirmation: when the previous revision is restored unless confirmed.</summary>
    public DateTimeOffset? ConfirmBy { get; set; }
    /// <summary>The revision that was in force before this one (what a revert goes back to).</summary>
    public long? PreviousRevisionId { get; set; }
    /// <summary>What happened to it after it was written: confirmation, revert, a crash found at start-up.</summary>
    public string? Outcome { get; set; }
}
