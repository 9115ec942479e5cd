using System.Text;
using System.Text.Json;
using NatGateway.Core.Rules;
using NatGateway.Nat;

namespace NatGateway.Core.Revisions;

/// <summary>
/// One rule found in a stored rules document, by id, without parsing the other rules (per-rule history reads a
/// 10,000-rule document per revision): its index in the list and its raw JSON.
/// </summary>
internal sealed record RuleInDocument(int Index, string Raw)
{
    /// <summary>The rule with <paramref name="id"/> in <paramref name="utf8"/> (a JSON array of rules), or null.</summary>
    public static RuleInDocument? Find(byte[] utf8, Guid id)
    {
        var needle = Encoding.UTF8.GetBytes(id.ToString());
        // Most documents are searched for an id they hold once; a vectorized search says where to look.
        var at = utf8.AsSpan().IndexOf(needle);
        if (at < 0) return null;
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return null;
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            var end = (int)reader.BytesConsumed;
            if (at >= start && at < end)
            {
                var raw = Encoding.UTF8.GetString(utf8, start, end - start);
                if (Parse(raw, index)?.Id == id) return new RuleInDocument(index, raw);
                // The id appeared elsewhere in this rule (a description): look further on.
                var next = utf8.AsSpan(end).IndexOf(needle);
                if (next < 0) return null;
                at = end + next;
            }
            index++;
        }
        return null;
    }

    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/>, as <see cref="RuleListDiff.Compare"/> of the whole lists reports it for this rule.</summary>
    public static RuleChange? Change(RuleInDocument? before, RuleInDocument? after)
    {
        if (before is null && after is null) return null;
        if (before is not null && after is not null && before.Index == after.Index && before.Raw == after.Raw) return null;
        var b = before is null ? null : Parse(before.Raw, before.Index);
        var a = after is null ? null : Parse(after.Raw, after.Index);
        if (b is null) return new RuleEdit(a!.Id, a.Name, RuleEditKind.Added, null, a, null, after!.Index, []).ToRuleChange();
        if (a is null) return new RuleEdit(b.Id, b.Name, RuleEditKind.Removed, b, null, before!.Index, null, []).ToRuleChange();
        // The field changes of the one rule (its index aside), then its move, as the whole-list diff does.
        var fields = RuleListDiff.Edits([b], [a]).FirstOrDefault()?.Fields ?? [];
        var kind = fields.Count > 0 ? RuleEditKind.Changed : before!.Index != after!.Index ? RuleEditKind.Moved : (RuleEditKind?)null;
        return kind is { } k ? new RuleEdit(a.Id, a.Name, k, b, a, before!.Index, after!.Index, fields).ToRuleChange() : null;
    }

    private static NatRule? Parse(string raw, int index)
    {
        using var doc = JsonDocument.Parse(raw);
        var parsed = NatRuleJson.Parse(doc.RootElement);
        return parsed.Success ? parsed.Rule! with { Position = index } : null;
    }
}
