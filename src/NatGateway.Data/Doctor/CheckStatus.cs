namespace NatGateway.Core.Doctor;

// CheckId and CheckStatus live in the Data assembly (namespace kept with the rest of the doctor) because the status
// history (Entities.DoctorStatusChange) stores them: the DbContext and the migrations see only this assembly.

/// <summary>How a check came out, ordered by severity (a report sorts worst first).</summary>
public enum CheckStatus
{
    /// <summary>The check does not apply here (no masquerade rule, one CPU, a fact that could not be read — the evidence says which).</summary>
    NotApplicable,
    Ok,
    Warning,
    Critical,
}
