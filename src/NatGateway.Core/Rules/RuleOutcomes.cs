using NatGateway.Nat;

namespace NatGateway.Core.Rules;

/// <summary>Result of a create/update: the saved rule and its warnings, or the errors that stopped it.</summary>
public sealed record RuleSaveOutcome(NatRule? Rule, IReadOnlyList<ValidationIssue> Issues)
{
    public bool Saved => Rule is not null;
    public IEnumerable<ValidationIssue> Errors => Issues.Where(i => i.Severity == IssueSeverity.Error);
    public IEnumerable<ValidationIssue> Warnings => Issues.Where(i => i.Severity == IssueSeverity.Warning);

    public IDictionary<string, string[]> ErrorsByField() =>
        Errors.GroupBy(i => i.Field).ToDictionary(g => g.Key, g => g.Select(i => i.Message).ToArray());
}

/// <summary>One line of the pending-changes preview: a rule added, removed or changed since the last apply.</summary>
public sealed record RuleChange(Guid RuleId, string Name, string Change, IReadOnlyList<string> Details);

/// <summary>What Apply would do now: rule-level changes and the generated ruleset with its line diff.</summary>
public sealed record PendingChanges(
    bool HasChanges,
    IReadOnlyList<RuleChange> RuleChanges,
    string? DesiredRulesetText,
    IReadOnlyList<string> RulesetDiff,
    long? BasedOnRevision)
{
    /// <summary>Lint of the draft against the host (warnings only); null where the caller did not lint.</summary>
    public Lint.LintReport? Lint { get; init; }
}

/// <summary>A finished apply: the revision it created and how long the kernel transaction took.</summary>
public sealed record RulesApplyOutcome(long RevisionId, TimeSpan KernelDuration, int CommandCount, int RuleCount);

/// <summary>Apply refused: rules with errors, with their messages per rule and field.</summary>
public sealed class RulesInvalidException(IReadOnlyList<(Guid RuleId, string Name, ValidationIssue Issue)> problems)
    : Exception("The rule list has errors: " + string.Join("; ", problems.Select(p => $"rule '{p.Name}': {p.Issue.Message}")))
{
    public IReadOnlyList<(Guid RuleId, string Name, ValidationIssue Issue)> Problems { get; } = problems;
}
