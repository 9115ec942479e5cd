namespace NatGateway.Core.Revisions;

/// <summary>A revision as lists show it.</summary>
public sealed record RevisionSummary(
    long Id, DateTimeOffset CreatedAt, string? Author, string? Comment, string Kind, string State,
    DateTimeOffset? ConfirmBy, long? PreviousRevisionId, string? Outcome, int RuleCount);

/// <summary>Two revisions compared: rules, settings and the generated ruleset text.</summary>
public sealed record RevisionDiff(long From, long To, IReadOnlyList<Rules.RuleChange> Rules, IReadOnlyList<string> Settings, IReadOnlyList<string> Ruleset);

/// <summary>An apply that is waiting for the operator's confirmation.</summary>
public sealed record PendingConfirmation(long RevisionId, DateTimeOffset ConfirmBy, long? RevertsTo);

/// <summary>Refused because another change is still waiting for confirmation.</summary>
public sealed class ConfirmationPendingException(long revisionId)
    : Exception($"Revision {revisionId} is waiting for confirmation: confirm it (or let it revert) before applying another change.")
{
    public long RevisionId { get; } = revisionId;
}
