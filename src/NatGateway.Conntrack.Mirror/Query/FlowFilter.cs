using NatGateway.Conntrack.Mirror.Store;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>
/// A parsed filter in the language shared by the CLI, the REST API and the page, e.g.
/// <c>proto tcp and src 10.0.0.0/8 and dport 443 and state established</c>.
/// <see cref="ToString"/> is canonical and parses back to the same filter; <see cref="Conjuncts"/> are the page's chips.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(FlowFilterJsonConverter))]
public sealed class FlowFilter : IEquatable<FlowFilter>
{
    private FlowMatcher? _matcher;

    /// <summary>Per-thread scratch for the IPv6 addresses of the flow being tested, so a predicate over a million dumped flows allocates nothing.</summary>
    [ThreadStatic]
    private static ScratchIPv6Addresses? t_scratch;

    private FlowFilter(FilterNode? root) => Root = root;

    /// <summary>Matches every flow (empty filter text).</summary>
    public static FlowFilter All { get; } = new(null);

    /// <summary>The expression tree; null for <see cref="All"/>.</summary>
    public FilterNode? Root { get; }

    public bool IsAll => Root is null;

    /// <summary>Parses filter text. Throws <see cref="FilterParseException"/> with the column on error.</summary>
    public static FlowFilter Parse(string? text) => string.IsNullOrWhiteSpace(text) ? All : new FlowFilter(FilterParser.Parse(text));

    /// <summary>Parses filter text without throwing; <paramref name="error"/> holds the message with the column.</summary>
    public static bool TryParse(string? text, out FlowFilter filter, out FilterParseException? error)
    {
        try
        {
            filter = Parse(text);
            error = null;
            return true;
        }
        catch (FilterParseException e)
        {
            filter = All;
            error = e;
            return false;
        }
    }

    public static FlowFilter FromNode(FilterNode? root) => root is null ? All : new FlowFilter(root);

    /// <summary>The top-level and-ed parts (one chip each); a single part when the filter is not an and.</summary>
    public IReadOnlyList<FilterNode> Conjuncts => Root switch
    {
        null => [],
        AndNode and => and.Terms,
        _ => [Root],
    };

    /// <summary>This filter and-ed with another node (adding a chip).</summary>
    public FlowFilter And(FilterNode node) => FromNode(Root is null ? node : new AndNode(Conjuncts.Append(node).ToList()));

    /// <summary>This filter without the chip at <paramref name="index"/> of <see cref="Conjuncts"/>.</summary>
    public FlowFilter WithoutConjunct(int index)
    {
        var rest = Conjuncts.Where((_, i) => i != index).ToList();
        return rest.Count switch { 0 => All, 1 => FromNode(rest[0]), _ => FromNode(new AndNode(rest)) };
    }

    /// <summary>The part of the filter the kernel can apply during a dump (a superset of the matches: the predicate still runs).</summary>
    public KernelDumpRequest KernelFilter => KernelDumpRequest.From(this);

    internal FlowMatcher Matcher => _matcher ??= FlowMatcher.Compile(Root);

    /// <summary>Evaluates the filter on one flow (for a stream of flows from a dump or events; the mirror uses its own fast path).</summary>
    public bool Matches(in Flow flow)
    {
        var scratch = t_scratch ??= new ScratchIPv6Addresses();
        scratch.Reset();
        var entry = new FlowEntry();
        FlowEntryCodec.Encode(in flow, ref entry, scratch, now: 0);
        return Matcher.Matches(in entry, scratch, now: 0);
    }

    /// <summary>A predicate over flows, e.g. for <c>ConntrackClient.DeleteWhere(filter.KernelFilter.Filter, filter.ToPredicate())</c>.</summary>
    public Func<Flow, bool> ToPredicate() => flow => Matches(in flow);

    /// <summary>Canonical text ("" for <see cref="All"/>).</summary>
    public override string ToString() => Root?.ToString() ?? "";

    public bool Equals(FlowFilter? other) => other is not null && ToString() == other.ToString();
    public override bool Equals(object? obj) => Equals(obj as FlowFilter);
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
