using System.Text;
using System.Text.Json;
using NatGateway.Core.Rules;
using NatGateway.Nat;

namespace NatGateway.Core.Revisions;

/// <summary>The rules part of a revision: a JSON array of the rules in order, each in the REST shape (<see cref="NatRuleJson"/>).</summary>
internal static class RulesDocument
{
    /// <summary>The document of <paramref name="rules"/> (<see cref="RuleListUtf8"/>: the bytes the agent is sent too).</summary>
    public static string Serialize(IReadOnlyList<NatRule> rules) => Encoding.UTF8.GetString(RuleListUtf8.Of(rules));

    public static IReadOnlyList<NatRule> Parse(string document)
    {
        using var doc = JsonDocument.Parse(document);
        return doc.RootElement.EnumerateArray().Select((e, i) =>
        {
            var parsed = NatRuleJson.Parse(e);
            if (!parsed.Success) throw new InvalidDataException($"stored rule {i} is unreadable: {string.Join("; ", parsed.Errors)}");
            return parsed.Rule! with { Position = i };
        }).ToList();
    }

    /// <summary>Lists only need the number of rules: count the array instead of parsing and validating every rule.</summary>
    public static int Count(string document)
    {
        using var doc = JsonDocument.Parse(document);
        return doc.RootElement.GetArrayLength();
    }
}
