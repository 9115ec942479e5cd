using System.Text.Json;

namespace NatGateway.Nat;

/// <summary>Malformed rule JSON; <see cref="Issues"/> names every bad field (JSON property names).</summary>
public sealed class NatRuleJsonException(IReadOnlyList<ValidationIssue> issues)
    : JsonException(string.Join("; ", issues.Select(i => $"{i.Field}: {i.Message}")))
{
    public IReadOnlyList<ValidationIssue> Issues { get; } = issues;
}
