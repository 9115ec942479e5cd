namespace NatGateway.Nat;

/// <summary>
/// What <see cref="NatRuleValidator.Validate"/> needs from the other rules of a list, indexed: it looks at them for two
/// facts only, the first rule whose name clashes (<see cref="RuleNameIndex"/>) and the first earlier enabled rule that
/// shadows or clashes with this one's match — a covering forward/redirect/load-balance, a prefix map holding its address,
/// an overlapping prefix map (<see cref="ForwardIndex"/>). Handing Validate just those candidates, in list order, gives
/// exactly the result of handing it the whole list (its first hit is the list's first hit), so one rule is validated
/// in about constant time instead of a scan of the list. Not thread-safe: the owner serializes changes.
/// </summary>
public sealed class RuleValidationIndex
{
    private readonly RuleNameIndex _names = new();
    private readonly ForwardIndex _forwards = new();

    public static RuleValidationIndex Of(IEnumerable<NatRule> rules)
    {
        var index = new RuleValidationIndex();
        foreach (var rule in rules) index.Add(rule);
        return index;
    }

    public void Add(NatRule rule)
    {
        _names.Add(rule);
        _forwards.Add(rule);
    }

    /// <summary>Removes <paramref name="rule"/> (found by its id under its content as it was indexed).</summary>
    public void Remove(NatRule rule)
    {
        _names.Remove(rule);
        _forwards.Remove(rule);
    }

    public void Replace(NatRule before, NatRule after)
    {
        Remove(before);
        Add(after);
    }

    /// <summary>
    /// The indexed rules Validate looks at for <paramref name="rule"/> standing at <paramref name="position"/>: earlier
    /// ones that clash by name or may cover its forward, and later ones that clash by name, each in list order
    /// (<paramref name="positionOf"/> gives an indexed rule's place in the list). The rule itself (same id) is left out.
    /// </summary>
    public (IReadOnlyList<NatRule> Earlier, IReadOnlyList<NatRule> Later) Context(NatRule rule, int position, Func<NatRule, int> positionOf)
    {
        var candidates = new List<NatRule>();
        candidates.AddRange(_names.Namesakes(rule.Name));
        _forwards.AddCandidates(rule, candidates);
        if (candidates.Count == 0) return ([], []);
        var earlier = new List<(int Position, NatRule Rule)>(candidates.Count);
        var later = new List<(int Position, NatRule Rule)>();
        foreach (var candidate in candidates)
        {
            if (candidate.Id == rule.Id) continue;
            var at = positionOf(candidate);
            if (at < position) earlier.Add((at, candidate));
            else if (at > position && NatRuleValidator.SameName(candidate.Name, rule.Name)) later.Add((at, candidate));
        }
        return (InListOrder(earlier), InListOrder(later));
    }

    /// <summary>Sorted by position, each rule once (a rule can be a candidate both by name and by forward).</summary>
    private static List<NatRule> InListOrder(List<(int Position, NatRule Rule)> found)
    {
        found.Sort((a, b) => a.Position.CompareTo(b.Position));
        var result = new List<NatRule>(found.Count);
        var previous = int.MinValue;
        foreach (var (at, rule) in found)
        {
            if (at == previous) continue;
            previous = at;
            result.Add(rule);
        }
        return result;
    }
}
