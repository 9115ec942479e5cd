namespace NatGateway.Core.Doctor;

/// <summary>One check: a pure function of a snapshot (no I/O), so the same code runs for the page, the API, the CLI
/// and the metrics, and tests drive it with hand-made snapshots.</summary>
public interface IDoctorCheck
{
    CheckId Id { get; }
    CheckArea Area { get; }
    CheckResult Evaluate(DoctorSnapshot snapshot);
}
