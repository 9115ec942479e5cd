using NatGateway.Core.Doctor;

namespace NatGateway.Data.Entities;

/// <summary>
/// One check changing status (the Doctor page's history, GET /api/v1/doctor/history): which check, from what to what,
/// the check's summary at that moment, and when. <see cref="From"/> is null the first time a check is ever seen.
/// </summary>
public sealed class DoctorStatusChange
{
    public long Id { get; set; }
    public CheckId Check { get; set; }
    public CheckStatus? From { get; set; }
    public CheckStatus To { get; set; }
    public required string Summary { get; set; }
    public DateTimeOffset At { get; set; }

    /// <summary>Longest summary stored; a longer one is cut with an ellipsis.</summary>
    public const int MaxSummaryLength = 512;
}
