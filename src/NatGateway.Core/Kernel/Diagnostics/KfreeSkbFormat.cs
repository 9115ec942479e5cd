using System.Globalization;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// What <c>events/skb/kfree_skb/format</c> says about the tracepoint: whether it has the <c>reason</c> field (added in
/// 5.17, commit c504e5c2f964 "net: skb: introduce kfree_skb_reason()") and the reason table of its print format,
/// <c>__print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, ...)</c>. The table comes from the running kernel rather
/// than from a copy of include/net/dropreason-core.h because the numbers are the enum's order, which changes between
/// kernels (every release adds reasons in the middle: 6.18 has 129 of them).
/// </summary>
public sealed class KfreeSkbFormat
{
    private KfreeSkbFormat(bool hasReason, IReadOnlyDictionary<int, string> reasons)
    {
        HasReason = hasReason;
        Reasons = reasons;
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in reasons.Values) names.TryAdd(name, name);
        _names = names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _names;

    /// <summary>True when the event has the <c>enum skb_drop_reason reason</c> field (include/trace/events/skb.h, 5.17+).</summary>
    public bool HasReason { get; }

    /// <summary>The reason numbers and their names (SKB_DROP_REASON_ without the prefix: "NETFILTER_DROP", "IP_RPFILTER", ...).</summary>
    public IReadOnlyDictionary<int, string> Reasons { get; }

    /// <summary>
    /// The name as a shared string (no allocation per event): a name from the table as is; a number (what
    /// <c>trace_print_symbols_seq</c> prints, "0x…", for a value outside the table, e.g. a subsystem's reason such as
    /// mac80211's, registered with drop_reasons_register) through the table when it is there; null for anything else.
    /// </summary>
    public string? Intern(ReadOnlySpan<char> reason)
    {
        if (_names.TryGetValue(reason, out var name)) return name;
        if (TryParseNumber(reason, out var number) && Reasons.TryGetValue(number, out var known)) return known;
        return null;
    }

    /// <summary>Reads the format file's text; throws <see cref="FormatException"/> when it is not a tracepoint format.</summary>
    public static KfreeSkbFormat Parse(string text)
    {
        if (!text.Contains("format:", StringComparison.Ordinal) || !text.Contains("print fmt:", StringComparison.Ordinal))
            throw new FormatException("not a tracepoint format file (no \"format:\" and \"print fmt:\")");
        // "\tfield:enum skb_drop_reason reason;\toffset:36;\tsize:4;\tsigned:0;": matched by the field's name, not its type.
        var hasReason = false;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.Trim();
            if (!line.StartsWith("field:")) continue;
            var end = line.IndexOf(';');
            if (end < 0) continue;
            var declaration = line[..end];
            var space = declaration.LastIndexOf(' ');
            if (space >= 0 && declaration[(space + 1)..].SequenceEqual("reason")) hasReason = true;
        }
        return new KfreeSkbFormat(hasReason, hasReason ? ParseSymbols(text) : new Dictionary<int, string>());
    }

    /// <summary>
    /// The pairs of <c>__print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, ...)</c>. The kernel writes the numbers in
    /// the format file: the DEFINE_DROP_REASON(FN, FNe) list is expanded with TRACE_DEFINE_ENUM, whose eval maps
    /// (kernel/trace/trace_events.c, trace_event_eval_update) replace the enum names with their values. A pair whose
    /// value is still a name (a kernel without the eval map for it) is skipped.
    /// </summary>
    private static Dictionary<int, string> ParseSymbols(string text)
    {
        var table = new Dictionary<int, string>();
        var start = text.IndexOf("__print_symbolic(REC->reason", StringComparison.Ordinal);
        if (start < 0) return table;
        var s = text.AsSpan(start + "__print_symbolic(REC->reason".Length);
        while (true)
        {
            var open = s.IndexOf('{');
            var close = s.IndexOf(')');
            // The symbolic list ends at the call's closing parenthesis (names never contain one).
            if (open < 0 || (close >= 0 && close < open)) break;
            s = s[(open + 1)..];
            var comma = s.IndexOf(',');
            var brace = s.IndexOf('}');
            if (comma < 0 || brace < 0 || brace < comma) break;
            var value = s[..comma].Trim();
            var quoted = s[(comma + 1)..brace].Trim();
            s = s[(brace + 1)..];
            if (quoted.Length < 2 || quoted[0] != '"' || quoted[^1] != '"') continue;
            if (TryParseNumber(value, out var number)) table.TryAdd(number, quoted[1..^1].ToString());
        }
        return table;
    }

    private static bool TryParseNumber(ReadOnlySpan<char> text, out int number) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out number)
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number);
}
