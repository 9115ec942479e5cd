namespace NatGateway.Core.Revisions;

/// <summary>A revision as lists show it.</summary>
public sealed record RevisionSummary(
    long Id, DateTimeOffset CreatedAt, string? Author, string? Comment, Data.Entities.RevisionKind Kind, Data.Entities.RevisionState State,
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

/// <summary>
/// A pending revision the watchdog reverted because nobody confirmed it in time: shown on every open page and kept as the
/// automatic revert revision's outcome in History.
/// </summary>
public sealed record AutoRevertNotice(long RevisionId, int WindowSeconds, DateTimeOffset RevertedAt, long RevertRevisionId, string? KeptEdits)
{
    /// <summary>"Revision 5 was not confirmed within 60 s and was reverted at 12:04:31." in <paramref name="zone"/>'s time.</summary>
    public string Text(TimeZoneInfo zone) =>
        $"Revision {RevisionId} was not confirmed within {WindowSeconds} s and was reverted at {TimeZoneInfo.ConvertTime(RevertedAt, zone):HH:mm:ss}"
        + (zone == TimeZoneInfo.Utc ? " UTC" : "") + (KeptEdits is null ? "." : $". {KeptEdits}.");
}
