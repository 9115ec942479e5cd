namespace NatGateway.Nat;

/// <summary>
/// Rules by name as <see cref="NatRuleValidator.SameName"/> compares them (trimmed, ignoring case): the candidates for a
/// name clash without scanning the list. Blank names are not indexed (they never clash). Not thread-safe.
/// </summary>
public sealed class RuleNameIndex
{
    // OrdinalIgnoreCase on trimmed text is exactly SameName's equivalence, so one bucket holds all rules that clash.
    private readonly Dictionary<string, List<NatRule>> _byName = new(StringComparer.OrdinalIgnoreCase);

    public void Add(NatRule rule)
    {
        if (Key(rule.Name) is not { } key) return;
        if (!_byName.TryGetValue(key, out var bucket)) _byName[key] = bucket = [];
        bucket.Add(rule);
    }

    /// <summary>Removes the entry of the rule with <paramref name="rule"/>'s id under <paramref name="rule"/>'s name.</summary>
    public void Remove(NatRule rule)
    {
        if (Key(rule.Name) is not { } key || !_byName.TryGetValue(key, out var bucket)) return;
        bucket.RemoveAll(r => r.Id == rule.Id);
        if (bucket.Count == 0) _byName.Remove(key);
    }

    /// <summary>Every indexed rule whose name is the same as <paramref name="name"/> (in insertion order), or none.</summary>
    public IReadOnlyList<NatRule> Namesakes(string name) =>
        Key(name) is { } key && _byName.TryGetValue(key, out var bucket) ? bucket : [];

    public void Clear() => _byName.Clear();

    private static string? Key(string? name) => string.IsNullOrWhiteSpace(name) ? null : name.Trim();
}
