using System.Text.Json;
using NatGateway.Core.Rules;

namespace NatGateway.Core.Revisions;

/// <summary>
/// <see cref="RuleListDiff.Compare"/> of two stored rules documents without parsing the rules that did not change: a
/// rule at the same index with the same JSON has no edit, so only the others are parsed and compared. Two 10,000-rule
/// revisions a few edits apart compare in milliseconds instead of field-comparing 10,000 pairs.
/// </summary>
internal static class RuleDocumentDiff
{
    /// <summary>The rules of a document by id, each with its index and raw JSON (cached per document hash).</summary>
    public sealed record Entries(Guid[] Ids, string[] Raw)
    {
        public long Weight => 2L * Raw.Sum(r => (long)r.Length) + 16L * Ids.Length;
    }

    public static Entries Read(byte[] utf8)
    {
        using var doc = JsonDocument.Parse(utf8);
        var count = doc.RootElement.GetArrayLength();
        var ids = new Guid[count];
        var raw = new string[count];
        var i = 0;
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            ids[i] = e.TryGetProperty("id", out var id) && id.TryGetGuid(out var g) ? g : Guid.Empty;
            raw[i++] = e.GetRawText();
        }
        return new Entries(ids, raw);
    }

    /// <summary>What <see cref="RuleListDiff.Compare"/> of the parsed lists gives: the rules of <paramref name="after"/> in order, then the removed ones.</summary>
    public static List<RuleChange> Compare(Entries before, Entries after)
    {
        var old = new Dictionary<Guid, int>(before.Ids.Length);
        for (var i = 0; i < before.Ids.Length; i++) old[before.Ids[i]] = i;
        var now = new HashSet<Guid>(after.Ids);
        var changes = new List<RuleChange>();
        for (var i = 0; i < after.Ids.Length; i++)
        {
            RuleChange? change;
            if (old.TryGetValue(after.Ids[i], out var j))
            {
                if (j == i && before.Raw[j] == after.Raw[i]) continue; // same place, same content: no edit
                change = RuleInDocument.Change(new RuleInDocument(j, before.Raw[j]), new RuleInDocument(i, after.Raw[i]));
            }
            else change = RuleInDocument.Change(null, new RuleInDocument(i, after.Raw[i]));
            if (change is not null) changes.Add(change);
        }
        for (var j = 0; j < before.Ids.Length; j++)
            if (!now.Contains(before.Ids[j]) && RuleInDocument.Change(new RuleInDocument(j, before.Raw[j]), null) is { } removed)
                changes.Add(removed);
        return changes;
    }
}
