using System.Text.Json;
using NatGateway.Nat;

namespace NatGateway.Core.Rules;

/// <summary>Readable differences between two ordered rule lists: added, removed, moved, and field-level edits.</summary>
public static class RuleListDiff
{
    // Bookkeeping fields change on every save and say nothing about what the kernel does.
    private static readonly HashSet<string> Ignored = ["createdAt", "updatedAt", "createdBy", "updatedBy", "position"];

    public static List<RuleChange> Compare(IReadOnlyList<NatRule> before, IReadOnlyList<NatRule> after)
    {
        var changes = new List<RuleChange>();
        var old = before.Select((r, i) => (r, i)).ToDictionary(x => x.r.Id);
        var now = after.Select((r, i) => (r, i)).ToDictionary(x => x.r.Id);
        foreach (var (rule, index) in after.Select((r, i) => (r, i)))
        {
            if (!old.TryGetValue(rule.Id, out var previous))
            {
                changes.Add(new RuleChange(rule.Id, rule.Name, "added", [$"at position {index + 1}", Summary(rule)]));
                continue;
            }
            var details = FieldChanges(previous.r, rule);
            if (previous.i != index) details.Insert(0, $"moved from position {previous.i + 1} to {index + 1}");
            if (details.Count > 0) changes.Add(new RuleChange(rule.Id, rule.Name, "changed", details));
        }
        foreach (var rule in before.Where(r => !now.ContainsKey(r.Id)))
            changes.Add(new RuleChange(rule.Id, rule.Name, "removed", [Summary(rule)]));
        return changes;
    }

    /// <summary>Same rule content (bookkeeping and position aside): what the kernel gets from both is the same.</summary>
    public static bool SameContent(NatRule a, NatRule b) => a.Id == b.Id && FieldChanges(a, b).Count == 0;

    private static List<string> FieldChanges(NatRule a, NatRule b)
    {
        using var da = JsonDocument.Parse(NatRuleJson.Serialize(a));
        using var db = JsonDocument.Parse(NatRuleJson.Serialize(b));
        var result = new List<string>();
        var names = da.RootElement.EnumerateObject().Select(p => p.Name)
            .Union(db.RootElement.EnumerateObject().Select(p => p.Name)).Where(n => !Ignored.Contains(n));
        foreach (var name in names)
        {
            var va = da.RootElement.TryGetProperty(name, out var x) ? x.GetRawText() : "null";
            var vb = db.RootElement.TryGetProperty(name, out var y) ? y.GetRawText() : "null";
            if (va != vb) result.Add($"{name}: {va} → {vb}");
        }
        return result;
    }

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
        _ => rule.Kind.ToString(),
    };
}
