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
    /// <summary>
    /// The rules of a document by id, each as its slice of the UTF-8 document (cached per document hash): found with one
    /// pass of a <see cref="Utf8JsonReader"/>, no DOM, no string per rule.
    /// </summary>
    public sealed record Entries(byte[] Utf8, Guid[] Ids, int[] Start, int[] Length)
    {
        public long Weight => Utf8.Length + 24L * Ids.Length;

        public ReadOnlySpan<byte> Slice(int i) => Utf8.AsSpan(Start[i], Length[i]);

        public RuleInDocument At(int i) => new(i, System.Text.Encoding.UTF8.GetString(Slice(i)));
    }

    public static Entries Read(byte[] utf8)
    {
        var ids = new List<Guid>();
        var starts = new List<int>();
        var lengths = new List<int>();
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) throw new InvalidDataException("a stored rules document is not a JSON array");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            var id = Guid.Empty;
            var depth = reader.CurrentDepth;
            // The rule object's own properties: "id" read, nested values skipped.
            while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
            {
                if (reader.TokenType != JsonTokenType.PropertyName) continue;
                var isId = reader.ValueTextEquals("id"u8);
                reader.Read();
                if (isId && reader.TokenType == JsonTokenType.String && reader.TryGetGuid(out var g)) id = g;
                else reader.Skip();
            }
            ids.Add(id);
            starts.Add(start);
            lengths.Add((int)reader.BytesConsumed - start);
        }
        return new Entries(utf8, [.. ids], [.. starts], [.. lengths]);
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
                if (j == i && before.Slice(j).SequenceEqual(after.Slice(i))) continue; // same place, same content: no edit
                change = RuleInDocument.Change(before.At(j), after.At(i));
            }
            else change = RuleInDocument.Change(null, after.At(i));
            if (change is not null) changes.Add(change);
        }
        for (var j = 0; j < before.Ids.Length; j++)
            if (!now.Contains(before.Ids[j]) && RuleInDocument.Change(before.At(j), null) is { } removed)
                changes.Add(removed);
        return changes;
    }
}
