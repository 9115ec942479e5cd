using NatGateway.Nat;

namespace NatGateway.Core.Rules;

/// <summary>
/// One page of the draft rule list as the Rules page and <c>GET /api/v1/rules?page=..</c> ask for it. <see cref="Search"/>
/// matches, ignoring case, the name, the one-line summary (addresses, ports, interfaces: <see cref="RuleListDiff.Summary"/>)
/// and the description; Kind and Enabled filter exactly. Positions stay those of the whole list.
/// </summary>
public sealed record RuleQuery(string? Search = null, NatRuleKind? Kind = null, bool? Enabled = null, int Page = 1, int PageSize = Paging.Paging.DefaultPageSize)
{
    /// <summary>Longest search text accepted (a field error beyond it).</summary>
    public const int MaxSearchLength = 200;

    public bool Matches(NatRule rule) =>
        (Kind is null || rule.Kind == Kind)
        && (Enabled is null || rule.Enabled == Enabled)
        && (string.IsNullOrWhiteSpace(Search) || MatchesText(rule, Search.Trim()));

    private static bool MatchesText(NatRule rule, string text) =>
        rule.Name.Contains(text, StringComparison.OrdinalIgnoreCase)
        || RuleListDiff.Summary(rule).Contains(text, StringComparison.OrdinalIgnoreCase)
        || (rule.Description?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false);
}

/// <summary>What a bulk enable/disable/delete did: how many rules changed, or the errors that stopped all of it.</summary>
public sealed record BulkOutcome(int Changed, IReadOnlyList<ValidationIssue> Errors)
{
    public bool Saved => Errors.Count == 0;
}

/// <summary>The bulk actions of the Rules page and <c>POST /api/v1/rules/bulk</c>.</summary>
public enum BulkAction
{
    Enable,
    Disable,
    Delete,
}

/// <summary>
/// One error of a batch, by the index of the rule in the request (<c>rules[3].destinationPort</c>): a field error of the
/// rule itself, or a clash with the list it joins (a name used twice, a forward another rule shadows). Index -1: a rule
/// already in the list, not in the batch, that the batch would break (now shadowed); its key is <c>rules</c> (the request
/// as a whole) and its message names the rule and its position.
/// </summary>
public sealed record BatchError(int Index, ValidationIssue Issue)
{
    public string Key => Index >= 0 ? $"rules[{Index}].{Issue.Field}" : "rules";
}

/// <summary>A batch saved as one draft change (every rule, with its position), or its errors and nothing saved.</summary>
public sealed record BatchOutcome(IReadOnlyList<NatRule> Saved, int Created, int Updated, IReadOnlyList<BatchError> Errors)
{
    public bool Succeeded => Errors.Count == 0;

    public IDictionary<string, string[]> ErrorsByKey() =>
        Errors.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Select(e => e.Issue.Message).ToArray());
}
