namespace NatGateway.Nat;

/// <summary>
/// Gives each rule a small stable number for the conntrack mark. Assign once when a rule is created and
/// persist it with the rule; reordering or editing never changes it, so "which rule created this flow"
/// stays answerable for flows that outlive an apply.
/// </summary>
public static class MarkIdAllocator
{
    /// <summary>Lowest positive id not used by <paramref name="existing"/>.</summary>
    public static int Next(IEnumerable<NatRule> existing)
    {
        var used = existing.Select(r => r.MarkId).Where(id => id > 0).ToHashSet();
        var candidate = 1;
        while (used.Contains(candidate)) candidate++;
        return candidate;
    }

    /// <summary>Returns the list with every rule that has MarkId 0 (or a duplicate) given a fresh id; others keep theirs.</summary>
    public static IReadOnlyList<NatRule> AssignMissing(IReadOnlyList<NatRule> rules)
    {
        var used = new HashSet<int>();
        var result = new NatRule[rules.Count];
        for (var i = 0; i < rules.Count; i++)
            if (rules[i].MarkId > 0 && used.Add(rules[i].MarkId)) result[i] = rules[i];
        var next = 1;
        for (var i = 0; i < rules.Count; i++)
        {
            if (result[i] is not null) continue;
            while (used.Contains(next)) next++;
            used.Add(next);
            result[i] = rules[i] with { MarkId = next };
        }
        return result;
    }
}
