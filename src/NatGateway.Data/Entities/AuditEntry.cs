namespace NatGateway.Data.Entities;

/// <summary>One recorded action: who, from where, when, what, and how it ended.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The user name, <c>token NAME</c>, <c>cli</c>, or <c>anonymous</c>.</summary>
    public required string Actor { get; set; }
    /// <summary>Remote address of the request; null for the console.</summary>
    public string? Address { get; set; }
    /// <summary>What was attempted, e.g. <c>POST /api/v1/rules/apply</c>, <c>login</c>, <c>user.add</c>.</summary>
    public required string Action { get; set; }
    public AuditResult Result { get; set; }
    /// <summary>A short reason or summary (e.g. "wrong password", "revision 12").</summary>
    public string? Detail { get; set; }
}

public enum AuditResult
{
    Succeeded = 0,
    Failed = 1,
    /// <summary>Refused for lack of authentication or role, or by a cross-site check.</summary>
    Denied = 2,
}
