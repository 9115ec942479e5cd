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

/// <summary>All issues of one rule, split into errors and warnings.</summary>
public sealed record ValidationResult(IReadOnlyList<ValidationIssue> Issues)
{
    public IEnumerable<ValidationIssue> Errors => Issues.Where(i => i.Severity == IssueSeverity.Error);
    public IEnumerable<ValidationIssue> Warnings => Issues.Where(i => i.Severity == IssueSeverity.Warning);
    public bool IsValid => !Errors.Any();

    /// <summary>Messages grouped by field, the shape of an ASP.NET ValidationProblemDetails "errors" object.</summary>
    public IDictionary<string, string[]> ErrorsByField() =>
        Errors.GroupBy(i => i.Field).ToDictionary(g => g.Key, g => g.Select(i => i.Message).ToArray());
}
