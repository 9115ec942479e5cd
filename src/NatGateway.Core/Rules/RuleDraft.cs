using System.Collections.Immutable;
using NatGateway.Nat;

namespace NatGateway.Core.Rules;

/// <summary>
/// An immutable snapshot of the draft rule list as stored: the parsed rules in order (<see cref="NatRule.Position"/> =
/// index), an id lookup, and the database facts it was read at. Readers share it without locks; a write makes the next
/// one. Persistent collections keep an append or an in-place edit O(log n) at 10,000 rules (a shift of positions
/// rebuilds, O(n)).
/// </summary>
internal sealed class RuleDraft
{
    private readonly ImmutableDictionary<Guid, int> _indexById;

    private RuleDraft(ImmutableList<NatRule> rules, ImmutableDictionary<Guid, int> indexById, long version, long stamp)
    {
        Rules = rules;
        _indexById = indexById;
        Version = version;
        Stamp = stamp;
    }

    public ImmutableList<NatRule> Rules { get; }

    /// <summary>The NatRuleListVersion counter these rules match; -1 when the database has no such table (EnsureCreated).</summary>
    public long Version { get; }

    /// <summary>The <see cref="Data.DatabaseChangeStamp"/> at which the rules were last known to be current; -1: check.</summary>
    public long Stamp { get; }

    public int Count => Rules.Count;

    public int IndexOf(Guid id) => _indexById.TryGetValue(id, out var index) ? index : -1;

    public NatRule? Find(Guid id) => _indexById.TryGetValue(id, out var index) ? Rules[index] : null;

    public RuleDraft WithStamp(long stamp) => new(Rules, _indexById, Version, stamp);

    /// <summary>This draft as committed at <paramref name="version"/>; its stamp is unknown until the next read checks.</summary>
    public RuleDraft WithVersion(long version) => new(Rules, _indexById, version, -1);

    /// <summary>A draft of <paramref name="rules"/> in this order, positions made dense.</summary>
    public static RuleDraft Of(IEnumerable<NatRule> rules, long version, long stamp = -1)
    {
        var list = ImmutableList.CreateBuilder<NatRule>();
        var ids = ImmutableDictionary.CreateBuilder<Guid, int>();
        foreach (var rule in rules)
        {
            var index = list.Count;
            list.Add(rule.Position == index ? rule : rule with { Position = index });
            ids.Add(rule.Id, index);
        }
        return new RuleDraft(list.ToImmutable(), ids.ToImmutable(), version, stamp);
    }

    /// <summary>This draft with <paramref name="rule"/> appended (O(log n)).</summary>
    public RuleDraft Append(NatRule rule)
    {
        var index = Rules.Count;
        return new RuleDraft(Rules.Add(rule with { Position = index }), _indexById.Add(rule.Id, index), Version, -1);
    }

    /// <summary>This draft with the rule at <paramref name="index"/> replaced by one with the same id (O(log n)).</summary>
    public RuleDraft Replace(int index, NatRule rule) =>
        new(Rules.SetItem(index, rule with { Position = index }), _indexById, Version, -1);
}
