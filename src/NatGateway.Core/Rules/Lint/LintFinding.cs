using System.Text.Json.Serialization;

namespace NatGateway.Core.Rules.Lint;

/// <summary>What lint found: problems the validator cannot see because they depend on the host around the rules.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LintKind>))]
public enum LintKind
{
    /// <summary>A forward that a foreign table's forward chain (its policy or a drop rule) drops.</summary>
    ForeignForwardDrop,
    /// <summary>A DNAT (or load-balance backend, or 1:1 inside prefix) address with no route in the main table.</summary>
    DnatTargetUnrouted,
    /// <summary>Masquerade on an interface that has no address of the rule's family.</summary>
    MasqueradeWithoutAddress,
    /// <summary>A source-NAT pool (addresses × ports) that holds fewer flows per destination than the capacity plan expects.</summary>
    SnatPoolTooSmall,
    /// <summary>A forward whose target shares a subnet with clients of the gateway, with hairpin off.</summary>
    HairpinNeeded,
}

/// <summary>One lint warning: the kind, the rule it is about, and a one-line reason for the operator.</summary>
public sealed record LintFinding(LintKind Kind, Guid RuleId, string RuleName, string Reason);

/// <summary>
/// Lint of a rule list: the findings, and the host facts that could not be read (so the checks that needed them did not
/// run; an empty <see cref="Findings"/> then does not mean "all clear").
/// </summary>
public sealed record LintReport(IReadOnlyList<LintFinding> Findings, IReadOnlyList<string> Unchecked)
{
    public static LintReport Empty { get; } = new([], []);

    /// <summary>The findings a summary shows at most: the pending changes' lint (API) and the Rules page's list.</summary>
    public const int SummaryLimit = 200;

    /// <summary>How many findings lint made: more than <see cref="Findings"/> holds in a report cut by <see cref="First"/>.</summary>
    public int Count { get; init; } = Findings.Count;

    /// <summary>
    /// The report with at most <paramref name="max"/> findings (in list order) and <see cref="Count"/> still the whole
    /// number: 10,000 forwards to one client subnet are 10,000 like findings, 2.5 MB that a summary need not carry.
    /// </summary>
    public LintReport First(int max) => Findings.Count <= max ? this : this with { Findings = Findings.Take(max).ToList() };
}
