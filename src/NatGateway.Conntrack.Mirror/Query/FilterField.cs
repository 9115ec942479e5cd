namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>The fields of the filter language, modelled on conntrack(8)'s options.</summary>
public enum FilterField
{
    /// <summary>family ipv4|ipv6 (conntrack -f).</summary>
    Family,
    /// <summary>proto tcp|udp|...|number (conntrack -p).</summary>
    Protocol,
    /// <summary>src ADDR[/LEN]: original-direction source (conntrack -s).</summary>
    Source,
    /// <summary>dst ADDR[/LEN]: original-direction destination (conntrack -d).</summary>
    Destination,
    /// <summary>reply-src ADDR[/LEN] (conntrack --reply-src).</summary>
    ReplySource,
    /// <summary>reply-dst ADDR[/LEN] (conntrack --reply-dst).</summary>
    ReplyDestination,
    /// <summary>any ADDR[/LEN]: any of the four addresses of both tuples.</summary>
    AnyAddress,
    /// <summary>sport PORT[-PORT] (conntrack --sport).</summary>
    SourcePort,
    /// <summary>dport PORT[-PORT] (conntrack --dport).</summary>
    DestinationPort,
    /// <summary>reply-sport PORT[-PORT] (conntrack --reply-port-src).</summary>
    ReplySourcePort,
    /// <summary>reply-dport PORT[-PORT] (conntrack --reply-port-dst).</summary>
    ReplyDestinationPort,
    /// <summary>port PORT[-PORT]: any of the four ports.</summary>
    AnyPort,
    /// <summary>state NAME: TCP state (conntrack --state).</summary>
    State,
    /// <summary>status NAME (conntrack --status, plus unreplied/snat/dnat/nat).</summary>
    Status,
    /// <summary>mark VALUE[/MASK] (conntrack --mark).</summary>
    Mark,
    /// <summary>zone N (conntrack --zone).</summary>
    Zone,
    /// <summary>id N: the conntrack id (conntrack -L -o id).</summary>
    Id,
    /// <summary>text WORD: substring of the flow's text line, case-insensitive.</summary>
    Text,
}

/// <summary>Names of the fields in the language, canonical first, then accepted aliases.</summary>
public static class FilterFieldNames
{
    private static readonly (FilterField Field, string Canonical, string[] Aliases)[] Table =
    [
        (FilterField.Family, "family", ["f", "af", "l3proto"]),
        (FilterField.Protocol, "proto", ["protocol", "p", "l4proto"]),
        (FilterField.Source, "src", ["s", "orig-src", "saddr", "source"]),
        (FilterField.Destination, "dst", ["d", "orig-dst", "daddr", "destination"]),
        (FilterField.ReplySource, "reply-src", ["r", "reply-saddr"]),
        (FilterField.ReplyDestination, "reply-dst", ["q", "reply-daddr"]),
        (FilterField.AnyAddress, "any", ["host", "addr", "address"]),
        (FilterField.SourcePort, "sport", ["orig-port-src", "orig-sport"]),
        (FilterField.DestinationPort, "dport", ["orig-port-dst", "orig-dport"]),
        (FilterField.ReplySourcePort, "reply-sport", ["reply-port-src"]),
        (FilterField.ReplyDestinationPort, "reply-dport", ["reply-port-dst"]),
        (FilterField.AnyPort, "port", ["ports"]),
        (FilterField.State, "state", ["tcp-state"]),
        (FilterField.Status, "status", []),
        (FilterField.Mark, "mark", ["m"]),
        (FilterField.Zone, "zone", ["w"]),
        (FilterField.Id, "id", []),
        (FilterField.Text, "text", []),
    ];

    public static string Canonical(FilterField field)
    {
        foreach (var entry in Table)
            if (entry.Field == field) return entry.Canonical;
        throw new ArgumentOutOfRangeException(nameof(field));
    }

    /// <summary>Canonical field names, for help and completion.</summary>
    public static IEnumerable<string> CanonicalNames => Table.Select(t => t.Canonical);

    /// <summary>Finds a field by canonical name or alias, case-insensitive; '_' and '-' are interchangeable.
    /// Single-letter aliases are only accepted when <paramref name="allowShortAliases"/> (conntrack's -s -d ...).</summary>
    public static bool TryFind(string name, out FilterField field, bool allowShortAliases = false)
    {
        var normalized = name.Replace('_', '-');
        foreach (var entry in Table)
        {
            if (string.Equals(entry.Canonical, normalized, StringComparison.OrdinalIgnoreCase) ||
                entry.Aliases.Any(a => (allowShortAliases || a.Length > 1) && string.Equals(a, normalized, StringComparison.OrdinalIgnoreCase)))
            {
                field = entry.Field;
                return true;
            }
        }
        field = default;
        return false;
    }

    /// <summary>The canonical field name closest to a misspelt word, if it is close enough to be a likely typo.</summary>
    public static string? Suggest(string word)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var lower = word.ToLowerInvariant();
        foreach (var entry in Table)
            foreach (var candidate in entry.Aliases.Where(a => a.Length > 1).Prepend(entry.Canonical))
            {
                var distance = EditDistance(lower, candidate);
                if (distance < bestDistance) { bestDistance = distance; best = entry.Canonical; }
            }
        var allowed = word.Length <= 4 ? 1 : 2;
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    internal static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
