using System.Text;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>The columns a page can be sorted by.</summary>
public enum SortColumn
{
    Family, Protocol, Source, Destination, SourcePort, DestinationPort,
    ReplySource, ReplyDestination, ReplySourcePort, ReplyDestinationPort,
    State, Status, Timeout, Mark, Zone, Id, Packets, Bytes, Start,
}

/// <summary>One sort column and its direction.</summary>
public readonly record struct SortKey(SortColumn Column, bool Descending = false)
{
    public override string ToString() => SortSpec.Name(Column) + (Descending ? ":desc" : "");
}

/// <summary>
/// A sort order: <c>field[:asc|desc][,field...]</c> (also <c>-field</c> for descending), e.g. <c>bytes:desc,src</c>.
/// Ties are broken by id, so pages are stable. Empty means by id ascending.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(SortSpecJsonConverter))]
public sealed class SortSpec : IEquatable<SortSpec>
{
    private static readonly (SortColumn Column, string Name, string[] Aliases)[] Names =
    [
        (SortColumn.Family, "family", []), (SortColumn.Protocol, "proto", ["protocol"]),
        (SortColumn.Source, "src", ["source"]), (SortColumn.Destination, "dst", ["destination"]),
        (SortColumn.SourcePort, "sport", []), (SortColumn.DestinationPort, "dport", []),
        (SortColumn.ReplySource, "reply-src", []), (SortColumn.ReplyDestination, "reply-dst", []),
        (SortColumn.ReplySourcePort, "reply-sport", []), (SortColumn.ReplyDestinationPort, "reply-dport", []),
        (SortColumn.State, "state", []), (SortColumn.Status, "status", []), (SortColumn.Timeout, "timeout", []),
        (SortColumn.Mark, "mark", []), (SortColumn.Zone, "zone", []), (SortColumn.Id, "id", []),
        (SortColumn.Packets, "packets", []), (SortColumn.Bytes, "bytes", []), (SortColumn.Start, "start", []),
    ];

    public SortSpec(IReadOnlyList<SortKey> keys) => Keys = keys;

    /// <summary>By id, ascending.</summary>
    public static SortSpec Default { get; } = new([]);

    public IReadOnlyList<SortKey> Keys { get; }

    public static SortSpec By(SortColumn column, bool descending = false) => new([new SortKey(column, descending)]);

    public static string Name(SortColumn column) => Names.First(n => n.Column == column).Name;

    public static IEnumerable<string> ColumnNames => Names.Select(n => n.Name);

    /// <summary>Parses "bytes:desc,src" (an optional "sort=" prefix is accepted). Throws <see cref="FilterParseException"/>.</summary>
    public static SortSpec Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Default;
        var offset = 0;
        if (text.StartsWith("sort=", StringComparison.OrdinalIgnoreCase)) offset = 5;
        var keys = new List<SortKey>();
        while (offset <= text.Length)
        {
            var comma = text.IndexOf(',', offset);
            var end = comma < 0 ? text.Length : comma;
            var part = text[offset..end];
            var column = offset + 1 + (part.Length - part.TrimStart().Length);
            part = part.Trim();
            if (part.Length == 0) throw new FilterParseException($"empty sort column at column {column}", column);
            var descending = false;
            if (part.StartsWith('-')) { descending = true; part = part[1..]; }
            var colon = part.IndexOf(':');
            if (colon >= 0)
            {
                var direction = part[(colon + 1)..];
                descending = direction.ToLowerInvariant() switch
                {
                    "asc" => false,
                    "desc" => true,
                    _ => throw new FilterParseException($"bad sort direction '{direction}' at column {column + colon + 1} (asc or desc)", column + colon + 1),
                };
                part = part[..colon];
            }
            var match = Names.FirstOrDefault(n => string.Equals(n.Name, part.Replace('_', '-'), StringComparison.OrdinalIgnoreCase) ||
                                                  n.Aliases.Contains(part, StringComparer.OrdinalIgnoreCase));
            if (match.Name is null)
                throw new FilterParseException($"unknown sort column '{part}' at column {column}; columns are {string.Join(", ", ColumnNames)}", column);
            if (keys.Any(k => k.Column == match.Column))
                throw new FilterParseException($"sort column '{match.Name}' given twice at column {column}", column);
            keys.Add(new SortKey(match.Column, descending));
            if (comma < 0) break;
            offset = comma + 1;
        }
        return new SortSpec(keys);
    }

    public static bool TryParse(string? text, out SortSpec spec, out FilterParseException? error)
    {
        try { spec = Parse(text); error = null; return true; }
        catch (FilterParseException e) { spec = Default; error = e; return false; }
    }

    /// <summary>Canonical text, e.g. "bytes:desc,src" ("" for the default).</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var key in Keys)
        {
            if (builder.Length > 0) builder.Append(',');
            builder.Append(key);
        }
        return builder.ToString();
    }

    public bool Equals(SortSpec? other) => other is not null && ToString() == other.ToString();
    public override bool Equals(object? obj) => Equals(obj as SortSpec);
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
