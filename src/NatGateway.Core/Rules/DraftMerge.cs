using NatGateway.Nat;

namespace NatGateway.Core.Rules;

/// <summary>
/// What the draft becomes when the revision in force changes under it (rollback, automatic revert): a three-way merge
/// keyed by rule id. <c>left</c> is the revision the kernel leaves (what the draft was made equal to), <c>restored</c>
/// the revision now in force, <c>draft</c> the operator's current list. Edits in the draft relative to <c>left</c>
/// (added, removed, changed rules; a new order) are the operator's unapplied work and are kept; everything else
/// follows <c>restored</c>. With no edits the result is exactly <c>restored</c>, so no stale pending change is left.
/// </summary>
public static class DraftMerge
{
    public static DraftMergeResult Merge(IReadOnlyList<NatRule> left, IReadOnlyList<NatRule> restored, IReadOnlyList<NatRule> draft)
    {
        var leftById = left.ToDictionary(r => r.Id);
        var restoredById = restored.ToDictionary(r => r.Id);
        var draftById = draft.ToDictionary(r => r.Id);
        var kept = new List<RuleChange>();
        var result = new Dictionary<Guid, NatRule>();

        foreach (var rule in draft)
        {
            if (!leftById.TryGetValue(rule.Id, out var before))
            {
                // Added in the draft since: the operator's (a rule the restored revision also has is theirs only if unchanged).
                if (restoredById.TryGetValue(rule.Id, out var same) && RuleListDiff.SameContent(same, rule)) result[rule.Id] = same;
                else { result[rule.Id] = rule; kept.Add(new RuleChange(rule.Id, rule.Name, "added", [])); }
            }
            else if (!RuleListDiff.SameContent(before, rule))
            {
                result[rule.Id] = rule;
                kept.Add(new RuleChange(rule.Id, rule.Name, "changed", []));
            }
            else if (restoredById.TryGetValue(rule.Id, out var theirs))
                result[rule.Id] = theirs;
        }
        foreach (var rule in left.Where(r => !draftById.ContainsKey(r.Id)))
            kept.Add(new RuleChange(rule.Id, rule.Name, "removed", []));
        foreach (var rule in restored.Where(r => !leftById.ContainsKey(r.Id) && !draftById.ContainsKey(r.Id)))
            result[rule.Id] = rule;

        // Order: the operator's if they reordered the rules they had, otherwise the restored revision's; rules only one side
        // has go in after the rule they follow on that side.
        var common = left.Select(r => r.Id).Where(draftById.ContainsKey).ToList();
        var reordered = !common.SequenceEqual(draft.Select(r => r.Id).Where(leftById.ContainsKey));
        var order = reordered
            ? Interleave(draft.Select(r => r.Id), restored.Select(r => r.Id), result.Keys)
            : Interleave(restored.Select(r => r.Id), draft.Select(r => r.Id), result.Keys);

        var merged = KeepMarkIdsUnique(order.Select((id, i) => result[id] with { Position = i }).ToList(), restoredById);
        return new DraftMergeResult(merged, kept, reordered);
    }

    /// <summary>
    /// The primary order, then each id only the secondary order has, placed after its nearest predecessor there (at the end
    /// when it has none: the rules of the primary side keep their first-match priority).
    /// </summary>
    private static List<Guid> Interleave(IEnumerable<Guid> primary, IEnumerable<Guid> secondary, IEnumerable<Guid> wanted)
    {
        var keep = wanted.ToHashSet();
        var order = primary.Where(keep.Contains).ToList();
        Guid? previous = null;
        foreach (var id in secondary)
        {
            if (keep.Contains(id) && !order.Contains(id))
                order.Insert(previous is { } p ? order.IndexOf(p) + 1 : order.Count, id);
            if (order.Contains(id)) previous = id;
        }
        return order;
    }

    /// <summary>
    /// A rule added to the draft got the lowest free mark id of the draft it was added to, which a restored rule may hold:
    /// the unapplied rule gets a new one (it is in no conntrack mark yet); restored rules keep theirs.
    /// </summary>
    private static List<NatRule> KeepMarkIdsUnique(List<NatRule> rules, IReadOnlyDictionary<Guid, NatRule> restored)
    {
        var used = rules.Where(r => restored.ContainsKey(r.Id)).Select(r => r.MarkId).ToHashSet();
        for (var i = 0; i < rules.Count; i++)
        {
            if (restored.ContainsKey(rules[i].Id)) continue;
            if (rules[i].MarkId > 0 && used.Add(rules[i].MarkId)) continue;
            var next = MarkIdAllocator.Next(rules.Where((_, j) => j != i));
            while (used.Contains(next)) next++;
            used.Add(next);
            rules[i] = rules[i] with { MarkId = next };
        }
        return rules;
    }
}

/// <summary>The merged draft, the operator's unapplied rule edits kept in it (each rule once), and whether their new order was kept.</summary>
public sealed record DraftMergeResult(IReadOnlyList<NatRule> Rules, IReadOnlyList<RuleChange> KeptEdits, bool KeptOrder)
{
    /// <summary>"2 unapplied edit(s) kept in the draft: added 'web', removed 'mail'", or null when nothing was kept.</summary>
    public string? Notice => KeptEdits.Count == 0 && !KeptOrder ? null
        : $"{KeptEdits.Count + (KeptOrder ? 1 : 0)} unapplied edit(s) kept in the draft: " +
          string.Join(", ", KeptEdits.Select(e => $"{e.Change} '{e.Name}'").Concat(KeptOrder ? ["the new rule order"] : []));
}
