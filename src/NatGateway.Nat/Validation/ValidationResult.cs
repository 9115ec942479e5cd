namespace NatGateway.Nat;

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
