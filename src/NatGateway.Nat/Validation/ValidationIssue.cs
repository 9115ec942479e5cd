namespace NatGateway.Nat;

public enum IssueSeverity
{
    /// <summary>The rule cannot be saved or applied.</summary>
    Error,
    /// <summary>Saving is allowed; the operator should look.</summary>
    Warning,
}

/// <summary>One problem with one field. <see cref="Field"/> is the JSON property name of the REST shape ("destinationPort", "sourceCidrs[1]").</summary>
public sealed record ValidationIssue(string Field, string Message, IssueSeverity Severity = IssueSeverity.Error)
{
    public override string ToString() => $"{Severity.ToString().ToLowerInvariant()} {Field}: {Message}";
}
