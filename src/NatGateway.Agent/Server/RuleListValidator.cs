using NatGateway.Nat;

namespace NatGateway.Agent.Server;

/// <summary>
/// The first error <see cref="NatRuleValidator.ValidateAll"/> would report for a list, stopping there, in about linear
/// time: each rule is validated against only the earlier rules a <see cref="RuleValidationIndex"/> names as candidates
/// (the first name clash, earlier enabled DNATs that may cover its forward), in list order, which gives the same result
/// as all of them (see RuleValidationIndex).
/// </summary>
public static class RuleListValidator
{
    /// <summary>The first error of the first rule that has one, with the rule's index; null when the list is valid.</summary>
    public static (int Index, ValidationIssue Error)? FirstError(IReadOnlyList<NatRule> rules)
    {
        var index = new RuleValidationIndex();
        var positions = new Dictionary<NatRule, int>(rules.Count, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var (earlier, _) = index.Context(rule, i, r => positions[r]);
            if (NatRuleValidator.Validate(rule, earlier).Errors.FirstOrDefault() is { } error) return (i, error);
            positions.TryAdd(rule, i);
            index.Add(rule);
        }
        return null;
    }
}
