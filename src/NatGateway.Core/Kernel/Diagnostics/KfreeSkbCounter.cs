namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>What one line of an instance's <c>trace_pipe</c> is.</summary>
public enum TraceLineKind
{
    /// <summary>A <c>kfree_skb</c> event.</summary>
    Event,
    /// <summary>"CPU:1 [LOST 123 EVENTS]": the ring buffer overran (kernel/trace/trace.c, print_trace_line).</summary>
    Lost,
    /// <summary>Anything else (another event, a blank line).</summary>
    Other,
}

/// <summary>
/// Counts <c>skb:kfree_skb</c> lines of <c>trace_pipe</c> by drop reason and by location symbol. The line is what the
/// event's print format makes of it (include/trace/events/skb.h, TRACE_EVENT(kfree_skb), 6.18):
/// <code>
///   python3-32068   [001] ..s1. 39882.503403: kfree_skb: skbaddr=000000003da1dd3a rx_sk=0000000000000000 protocol=2048 location=ip_rcv_finish_core+0x260/0x470 reason: IP_RPFILTER
/// </code>
/// <c>location=%pS</c> is the caller of kfree_skb_reason (symbol+offset/size, " [module]" for a module's code; kernels
/// that printed it with %p give a hashed pointer, counted as printed); <c>rx_sk</c> arrived in 6.11 (commit
/// c53795d48ee8), which is why the fields are found by name, not by position;
/// <c>reason: %s</c> is the name from the event's __print_symbolic table (include/net/dropreason-core.h without
/// SKB_DROP_REASON_), or "0x…" for a value outside it. Parsing walks spans, with no regular expression and no string per
/// line: a name is allocated the first time it is seen, and the number of distinct names is capped so a flood of
/// unusual locations cannot grow memory without bound.
/// </summary>
public sealed class KfreeSkbCounter
{
    /// <summary>Distinct locations (and unknown reasons) kept; later ones count under <see cref="OtherName"/>.</summary>
    public const int MaxNames = 4096;

    /// <summary>Where events past <see cref="MaxNames"/> distinct names are counted.</summary>
    public const string OtherName = "(other)";

    /// <summary>The reason of every event on a kernel whose tracepoint has no <c>reason</c> field (before 5.17).</summary>
    public const string NoReasonName = "(no reason: kernel before 5.17)";

    private readonly KfreeSkbFormat _format;
    private readonly long _maxEvents;
    private readonly Dictionary<string, long> _reasons = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _locations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _reasonLookup;
    private readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _locationLookup;

    public KfreeSkbCounter(KfreeSkbFormat format, long maxEvents)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        _format = format;
        _maxEvents = maxEvents;
        _reasonLookup = _reasons.GetAlternateLookup<ReadOnlySpan<char>>();
        _locationLookup = _locations.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Events counted.</summary>
    public long Events { get; private set; }

    /// <summary>Events the ring buffer dropped before they were read ("[LOST n EVENTS]"); -1 entries count as one.</summary>
    public long Lost { get; private set; }

    /// <summary>True once <see cref="Events"/> reached the maximum: the capture should stop.</summary>
    public bool Full => Events >= _maxEvents;

    /// <summary>Counts every complete line of <paramref name="text"/>; returns where the unfinished last line starts
    /// (the caller keeps it for the next read). Stops counting once <see cref="Full"/>.</summary>
    public int AddLines(ReadOnlySpan<char> text)
    {
        var consumed = 0;
        while (!Full)
        {
            var newline = text[consumed..].IndexOf('\n');
            if (newline < 0) break;
            Add(text.Slice(consumed, newline));
            consumed += newline + 1;
        }
        return consumed;
    }

    /// <summary>Counts one line (without its newline); returns what it was.</summary>
    public TraceLineKind Add(ReadOnlySpan<char> line)
    {
        var kind = Parse(line, out var location, out var reason, out var lost);
        switch (kind)
        {
            case TraceLineKind.Lost:
                Lost += lost;
                break;
            case TraceLineKind.Event:
                if (Full) break;
                Events++;
                var known = reason.IsEmpty ? NoReasonName : _format.Intern(reason);
                if (known is not null) Increment(_reasons, known);
                else Increment(_reasons, _reasonLookup, reason);
                AddLocation(location);
                break;
        }
        return kind;
    }

    /// <summary>
    /// Splits one line into its location and reason (both empty unless it is an event; the reason is empty on a kernel
    /// without the field) or reads a lost-events line's count. Pure: the unit tests call it on the recorded corpus.
    /// </summary>
    public static TraceLineKind Parse(ReadOnlySpan<char> line, out ReadOnlySpan<char> location, out ReadOnlySpan<char> reason, out long lost)
    {
        location = reason = default;
        lost = 0;
        line = line.TrimEnd("\r\n ");
        // The task name before "-pid" may contain spaces and colons (".NET Tiered Com-31522"); the event name is the
        // first "kfree_skb: " after the timestamp, and the fields are found by their own names.
        var at = line.IndexOf("kfree_skb: ");
        if (at < 0) return ParseLost(line, out lost);
        var fields = line[(at + "kfree_skb: ".Length)..];
        var l = fields.IndexOf(" location=");
        int valueStart;
        if (l >= 0) valueStart = l + " location=".Length;
        else if (fields.StartsWith("location=")) valueStart = "location=".Length;
        else return TraceLineKind.Other;
        var afterLocation = fields[valueStart..];
        var r = afterLocation.IndexOf(" reason: ");
        location = r < 0 ? afterLocation : afterLocation[..r];
        reason = r < 0 ? default : afterLocation[(r + " reason: ".Length)..].Trim();
        return TraceLineKind.Event;
    }

    private static TraceLineKind ParseLost(ReadOnlySpan<char> line, out long lost)
    {
        lost = 0;
        // "CPU:%d [LOST %lu EVENTS]", or "CPU:%d [LOST EVENTS]" when the count is unknown.
        var at = line.IndexOf("[LOST ");
        if (at < 0 || !line.StartsWith("CPU:")) return TraceLineKind.Other;
        var rest = line[(at + "[LOST ".Length)..];
        var space = rest.IndexOf(' ');
        lost = space > 0 && long.TryParse(rest[..space], System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 1;
        return TraceLineKind.Lost;
    }

    /// <summary>The location's symbol without "+offset/size" ("nft_do_chain+0x46f/0x690 [nf_tables]" →
    /// "nft_do_chain [nf_tables]"); an address %pS could not resolve stays as printed.</summary>
    public static string SymbolOf(ReadOnlySpan<char> location)
    {
        Span<char> buffer = stackalloc char[256];
        return Symbol(location, buffer).ToString();
    }

    private static ReadOnlySpan<char> Symbol(ReadOnlySpan<char> location, Span<char> buffer)
    {
        var plus = location.IndexOf('+');
        if (plus <= 0) return location;
        var symbol = location[..plus];
        var module = location.IndexOf(" [");
        if (module < 0 || symbol.Length + location.Length - module > buffer.Length) return symbol;
        symbol.CopyTo(buffer);
        location[module..].CopyTo(buffer[symbol.Length..]);
        return buffer[..(symbol.Length + location.Length - module)];
    }

    private void AddLocation(ReadOnlySpan<char> location)
    {
        Span<char> buffer = stackalloc char[256];
        var symbol = Symbol(location, buffer);
        Increment(_locations, _locationLookup, symbol.IsEmpty ? "(none)" : symbol);
    }

    private static void Increment(Dictionary<string, long> counts, string name) =>
        counts[name] = counts.GetValueOrDefault(name) + 1;

    private static void Increment(Dictionary<string, long> counts, Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> lookup,
        ReadOnlySpan<char> name)
    {
        if (lookup.TryGetValue(name, out var count)) lookup[name] = count + 1;
        else if (counts.Count < MaxNames) counts[name.ToString()] = 1;
        else Increment(counts, OtherName);
    }

    /// <summary>The counts, most first (ties by name), as the capture's result.</summary>
    public DropCapture ToCapture(TimeSpan duration, bool truncated) =>
        new(duration, Events, truncated || Full || Lost > 0, Sorted(_reasons), Sorted(_locations));

    private static List<DropCount> Sorted(Dictionary<string, long> counts) =>
        counts.Select(c => new DropCount(c.Key, c.Value))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
}
