namespace NatGateway.Core.Doctor;

/// <summary>Where a check looks; the Doctor page groups by it.</summary>
public enum CheckArea
{
    Conntrack,
    Nat,
    Routing,
    Interfaces,
    Cpu,
    /// <summary>The HA pair (keepalived, conntrackd, the configuration sync).</summary>
    Cluster,
}

/// <summary>One piece of evidence: a live value and where it came from (<c>/proc/net/softnet_stat</c>, <c>conntrack -S</c>, ...).</summary>
public sealed record Evidence(string Name, string Value, string Source);

/// <summary>
/// The outcome of one check: status, a one-line summary, the evidence, an explanation in an operator's words and the
/// fixes that exist (each applied through the revision system, commit-confirmed).
/// </summary>
public sealed record CheckResult(
    CheckId Id,
    CheckArea Area,
    CheckStatus Status,
    string Title,
    string Summary,
    string Explanation,
    IReadOnlyList<Evidence> Evidence,
    IReadOnlyList<DoctorFix> Fixes)
{
    public static CheckResult NotApplicable(CheckId id, CheckArea area, string title, string reason, params Evidence[] evidence) =>
        new(id, area, CheckStatus.NotApplicable, title, reason, reason, evidence, []);
}

/// <summary>Every check's result at one moment; <see cref="Worst"/> decides <c>natgw doctor</c>'s exit code.</summary>
public sealed record DoctorReport(DateTimeOffset At, IReadOnlyList<CheckResult> Checks)
{
    public CheckStatus Worst => Checks.Select(c => c.Status).Append(CheckStatus.Ok).Max();

    public int Problems => Checks.Count(c => c.Status >= CheckStatus.Warning);

    /// <summary>0 ok, 1 warnings, 2 critical (cron and monitoring read it).</summary>
    public int ExitCode => Worst switch { CheckStatus.Critical => 2, CheckStatus.Warning => 1, _ => 0 };
}
