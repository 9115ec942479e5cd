using System.Text.Json;
using NatGateway.Nat;

namespace NatGateway.Core.Rules;

/// <summary>Readable differences between two ordered rule lists: added, removed, moved, and field-level edits.</summary>
public static class RuleListDiff
{
    // Bookkeeping fields change on every save and say nothing about what the kernel does.
    private static readonly HashSet<string> Ignored = ["createdAt", "updatedAt", "createdBy", "updatedBy", "position"];

    /// <summary>The readable changes (<see cref="RuleEdit.ToRuleChange"/> of <see cref="Edits"/>).</summary>
    public static List<RuleChange> Compare(IReadOnlyList<NatRule> before, IReadOnlyList<NatRule> after) =>
        Edits(before, after).Select(e => e.ToRuleChange()).ToList();

    /// <summary>Typed changes from <paramref name="before"/> to <paramref name="after"/>: the rules of <paramref name="after"/> in order, then the removed ones.</summary>
    public static List<RuleEdit> Edits(IReadOnlyList<NatRule> before, IReadOnlyList<NatRule> after)
    {
        var edits = new List<RuleEdit>();
        var old = before.Select((r, i) => (r, i)).ToDictionary(x => x.r.Id);
        var now = after.Select((r, i) => (r, i)).ToDictionary(x => x.r.Id);
        foreach (var (rule, index) in after.Select((r, i) => (r, i)))
        {
            if (!old.TryGetValue(rule.Id, out var previous))
            {
                edits.Add(new RuleEdit(rule.Id, rule.Name, RuleEditKind.Added, null, rule, null, index, []));
                continue;
            }
            var fields = FieldChanges(previous.r, rule);
            var kind = fields.Count > 0 ? RuleEditKind.Changed : previous.i != index ? RuleEditKind.Moved : (RuleEditKind?)null;
            if (kind is { } k) edits.Add(new RuleEdit(rule.Id, rule.Name, k, previous.r, rule, previous.i, index, fields));
        }
        foreach (var (rule, index) in before.Select((r, i) => (r, i)).Where(x => !now.ContainsKey(x.r.Id)))
            edits.Add(new RuleEdit(rule.Id, rule.Name, RuleEditKind.Removed, rule, null, index, null, []));
        return edits;
    }

    /// <summary>Same rule content (bookkeeping and position aside): what the kernel gets from both is the same.</summary>
    public static bool SameContent(NatRule a, NatRule b) => a.Id == b.Id && FieldChanges(a, b).Count == 0;

    /// <summary>The fields (REST names, bookkeeping aside) whose values differ between two versions of a rule.</summary>
    private static List<RuleFieldChange> FieldChanges(NatRule a, NatRule b)
    {
        // Most pairs are unchanged (10,000 rules, one edit): one serialization each decides; only a changed pair is parsed.
        if (ReferenceEquals(a, b) || ContentText(a) == ContentText(b)) return [];
        using var da = JsonDocument.Parse(NatRuleJson.Serialize(a));
        using var db = JsonDocument.Parse(NatRuleJson.Serialize(b));
        var result = new List<RuleFieldChange>();
        var names = da.RootElement.EnumerateObject().Select(p => p.Name)
            .Union(db.RootElement.EnumerateObject().Select(p => p.Name)).Where(n => !Ignored.Contains(n));
        foreach (var name in names)
        {
            var va = da.RootElement.TryGetProperty(name, out var x) ? x.GetRawText() : "null";
            var vb = db.RootElement.TryGetProperty(name, out var y) ? y.GetRawText() : "null";
            if (va != vb) result.Add(new RuleFieldChange(name, va, vb));
        }
        return result;
    }

    /// <summary>The rule's REST shape with the bookkeeping fields blanked: equal texts = equal content. Kept per rule
    /// instance (rules are immutable records): the cached rules in force and the draft diff again at no cost.</summary>
    private static string ContentText(NatRule rule) => ContentTexts.GetValue(rule, static r =>
        NatRuleJson.Serialize(r with { Position = 0, CreatedAt = default, UpdatedAt = default, CreatedBy = null, UpdatedBy = null }));

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<NatRule, string> ContentTexts = new();

    /// <summary>One line describing what a rule does, for lists and previews.</summary>
    public static string Summary(NatRule rule) => rule switch
    {
        DnatRule d => $"dnat {NatRuleJson.ProtocolText(d.Protocol)} {(d.InInterfaces.Count > 0 ? "in " + string.Join(",", d.InInterfaces) + " " : "")}" +
                      $"{(d.DestinationAddress?.ToString() ?? "*")}:{d.DestinationPort} → {d.TargetAddress}{(d.TargetPort is { } tp ? ":" + tp : "")}" +
                      $"{(d.SourceCidrs.Count > 0 ? " from " + string.Join(",", d.SourceCidrs) : "")}{(d.Hairpin ? " +hairpin" : "")}",
        SnatRule s => $"snat {(s.OutInterfaces.Count > 0 ? "out " + string.Join(",", s.OutInterfaces) + " " : "")}" +
                      $"{(s.SourceCidrs.Count > 0 ? string.Join(",", s.SourceCidrs) : "*")} → {s.TranslateTo}{(s.Ports is { } p ? ":" + p : "")}",
        MasqueradeRule m => $"masquerade {(m.OutInterfaces.Count > 0 ? "out " + string.Join(",", m.OutInterfaces) + " " : "")}" +
                            $"{(m.SourceCidrs.Count > 0 ? string.Join(",", m.SourceCidrs) : "*")}{(m.Ports is { } mp ? " ports " + mp : "")}",
        PrefixMapRule p => $"{(p is Nptv6Rule ? "nptv6" : "1:1")} {(p.OutsideInterfaces.Count > 0 ? "out " + string.Join(",", p.OutsideInterfaces) + " " : "")}" +
                           $"{p.InsidePrefix} ↔ {p.OutsidePrefix}{(p.Hairpin ? " +hairpin" : "")}",
        RedirectRule r => $"redirect {NatRuleJson.ProtocolText(r.Protocol)} {(r.InInterfaces.Count > 0 ? "in " + string.Join(",", r.InInterfaces) + " " : "")}" +
                          $"{(r.DestinationAddress?.ToString() ?? "*")}:{r.DestinationPort} → local :{r.TargetPort ?? r.DestinationPort}" +
                          $"{(r.SourceCidrs.Count > 0 ? " from " + string.Join(",", r.SourceCidrs) : "")}",
        LoadBalanceRule l => $"load-balance {NatRuleJson.ProtocolText(l.Protocol)} {(l.InInterfaces.Count > 0 ? "in " + string.Join(",", l.InInterfaces) + " " : "")}" +
                             $"{(l.DestinationAddress?.ToString() ?? "*")}:{l.DestinationPort} → {l.Backends.Count} backends ({NatRuleJson.MethodText(l.Method)})" +
                             $"{(l.SourceCidrs.Count > 0 ? " from " + string.Join(",", l.SourceCidrs) : "")}",
        _ => rule.Kind.ToString(),
    };
}
