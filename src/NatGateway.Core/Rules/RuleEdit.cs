using NatGateway.Nat;

namespace NatGateway.Core.Rules;

/// <summary>How a rule differs between two ordered lists.</summary>
public enum RuleEditKind
{
    Added,
    Removed,
    /// <summary>Its content changed (it may also have moved).</summary>
    Changed,
    /// <summary>Only its position changed: the kernel matches the same packets the same way, in another order.</summary>
    Moved,
}

/// <summary>One field of a rule (its REST name) with its value before and after, as JSON.</summary>
public sealed record RuleFieldChange(string Field, string Before, string After);

/// <summary>
/// A typed change of one rule between two lists, computed from the rule models: what pages and the API render as
/// <see cref="RuleChange"/>, and what targeted flow purges read (<see cref="ChangesTraffic"/>).
/// </summary>
public sealed record RuleEdit(Guid RuleId, string Name, RuleEditKind Kind, NatRule? Before, NatRule? After,
    int? FromIndex, int? ToIndex, IReadOnlyList<RuleFieldChange> Fields)
{
    /// <summary>Its position in the list changed (an added or removed rule has none to compare).</summary>
    public bool Moved => FromIndex is { } from && ToIndex is { } to && from != to;

    /// <summary>Connections created by the rule before no longer match what it does now: removed, or its content changed.</summary>
    public bool ChangesTraffic => Kind is RuleEditKind.Removed or RuleEditKind.Changed;

    /// <summary>The readable line of the pending-changes preview, revision diffs and rule history.</summary>
    public RuleChange ToRuleChange() => Kind switch
    {
        RuleEditKind.Added => new RuleChange(RuleId, Name, "added", [$"at position {ToIndex + 1}", RuleListDiff.Summary(After!)]),
        RuleEditKind.Removed => new RuleChange(RuleId, Name, "removed", [RuleListDiff.Summary(Before!)]),
        _ => new RuleChange(RuleId, Name, "changed",
            [.. Moved ? [$"moved from position {FromIndex + 1} to {ToIndex + 1}"] : Array.Empty<string>(),
             .. Fields.Select(f => $"{f.Field}: {f.Before} → {f.After}")]),
    };
}
