namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>
/// conntrack(8)-style filter options, as the CLI receives them (each null when not given). <see cref="ToFilter"/>
/// builds the same tree the filter language does, so <c>natgw conntrack list -p tcp --dport 443</c> and
/// <c>natgw conntrack list 'proto tcp and dport 443'</c> are one filter.
/// </summary>
public sealed record ConntrackOptions
{
    /// <summary>-f, --family ipv4|ipv6</summary>
    public string? Family { get; init; }
    /// <summary>-p, --proto NAME|NUMBER</summary>
    public string? Protocol { get; init; }
    /// <summary>-s, --src, --orig-src ADDR[/LEN]</summary>
    public string? Source { get; init; }
    /// <summary>-d, --dst, --orig-dst ADDR[/LEN]</summary>
    public string? Destination { get; init; }
    /// <summary>-r, --reply-src ADDR[/LEN]</summary>
    public string? ReplySource { get; init; }
    /// <summary>-q, --reply-dst ADDR[/LEN]</summary>
    public string? ReplyDestination { get; init; }
    /// <summary>--sport, --orig-port-src PORT[-PORT]</summary>
    public string? SourcePort { get; init; }
    /// <summary>--dport, --orig-port-dst PORT[-PORT]</summary>
    public string? DestinationPort { get; init; }
    /// <summary>--reply-port-src PORT[-PORT]</summary>
    public string? ReplySourcePort { get; init; }
    /// <summary>--reply-port-dst PORT[-PORT]</summary>
    public string? ReplyDestinationPort { get; init; }
    /// <summary>--state NAME[,NAME...] (any of them)</summary>
    public string? State { get; init; }
    /// <summary>--status NAME[,NAME...] (all of them), e.g. ASSURED,SEEN_REPLY</summary>
    public string? Status { get; init; }
    /// <summary>-m, --mark VALUE[/MASK]</summary>
    public string? Mark { get; init; }
    /// <summary>-w, --zone N</summary>
    public string? Zone { get; init; }
    /// <summary>A filter-language expression and-ed with the options.</summary>
    public string? Expression { get; init; }

    private static readonly (string[] Flags, Func<ConntrackOptions, string, ConntrackOptions> Set)[] OptionTable =
    [
        (["-f", "--family"], (o, v) => o with { Family = v }),
        (["-p", "--proto", "--protonum"], (o, v) => o with { Protocol = v }),
        (["-s", "--src", "--orig-src"], (o, v) => o with { Source = v }),
        (["-d", "--dst", "--orig-dst"], (o, v) => o with { Destination = v }),
        (["-r", "--reply-src"], (o, v) => o with { ReplySource = v }),
        (["-q", "--reply-dst"], (o, v) => o with { ReplyDestination = v }),
        (["--sport", "--orig-port-src"], (o, v) => o with { SourcePort = v }),
        (["--dport", "--orig-port-dst"], (o, v) => o with { DestinationPort = v }),
        (["--reply-port-src", "--reply-sport"], (o, v) => o with { ReplySourcePort = v }),
        (["--reply-port-dst", "--reply-dport"], (o, v) => o with { ReplyDestinationPort = v }),
        (["--state"], (o, v) => o with { State = v }),
        (["--status"], (o, v) => o with { Status = v }),
        (["-m", "--mark"], (o, v) => o with { Mark = v }),
        (["-w", "--zone"], (o, v) => o with { Zone = v }),
        (["--filter"], (o, v) => o with { Expression = v }),
    ];

    /// <summary>Parses conntrack-style arguments (<c>-p tcp -s 10.0.0.0/8 --dport=443 --status ASSURED</c>).
    /// Throws <see cref="FilterParseException"/> naming the argument on an unknown option, a missing or a bad value.</summary>
    public static ConntrackOptions ParseArguments(IReadOnlyList<string> arguments)
    {
        var options = new ConntrackOptions();
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var equals = argument.StartsWith("--", StringComparison.Ordinal) ? argument.IndexOf('=') : -1;
            var flag = equals > 0 ? argument[..equals] : argument;
            var entry = OptionTable.FirstOrDefault(o => o.Flags.Contains(flag));
            if (entry.Flags is null)
                throw new FilterParseException($"unknown option '{flag}' (argument {i + 1})", 0);
            string value;
            if (equals > 0) value = argument[(equals + 1)..];
            else if (i + 1 < arguments.Count) value = arguments[++i];
            else throw new FilterParseException($"option '{flag}' needs a value (argument {i + 1})", 0);
            options = entry.Set(options, value);
        }
        return options;
    }

    /// <summary>Builds the filter. Throws <see cref="FilterParseException"/> naming the option whose value is bad.</summary>
    public FlowFilter ToFilter()
    {
        var terms = new List<FilterNode>();
        Add(Family, FilterField.Family, "--family");
        Add(Protocol, FilterField.Protocol, "--proto");
        Add(Source, FilterField.Source, "--src");
        Add(Destination, FilterField.Destination, "--dst");
        Add(ReplySource, FilterField.ReplySource, "--reply-src");
        Add(ReplyDestination, FilterField.ReplyDestination, "--reply-dst");
        Add(SourcePort, FilterField.SourcePort, "--sport");
        Add(DestinationPort, FilterField.DestinationPort, "--dport");
        Add(ReplySourcePort, FilterField.ReplySourcePort, "--reply-port-src");
        Add(ReplyDestinationPort, FilterField.ReplyDestinationPort, "--reply-port-dst");
        if (State is not null)
        {
            var states = Split(State).Select(s => Value(FilterField.State, s, "--state")).ToList();
            terms.Add(states.Count == 1 ? states[0] : new OrNode(states));
        }
        if (Status is not null)
            terms.AddRange(Split(Status).Select(s => Value(FilterField.Status, s, "--status")));
        Add(Mark, FilterField.Mark, "--mark");
        Add(Zone, FilterField.Zone, "--zone");
        if (!string.IsNullOrWhiteSpace(Expression))
        {
            var expression = FilterParser.Parse(Expression);
            if (expression is AndNode and) terms.AddRange(and.Terms);
            else if (expression is not null) terms.Add(expression);
        }
        return terms.Count switch
        {
            0 => FlowFilter.All,
            1 => FlowFilter.FromNode(terms[0]),
            _ => FlowFilter.FromNode(new AndNode(terms)),
        };

        void Add(string? value, FilterField field, string option)
        {
            if (value is not null) terms.Add(Value(field, value, option));
        }
    }

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static TermNode Value(FilterField field, string value, string option)
    {
        try
        {
            return FilterParser.ParseValue(field, value, 0);
        }
        catch (FilterParseException e)
        {
            // The language's message ends with a column; for an option the option name says where.
            var message = e.Message.EndsWith(" at column 0", StringComparison.Ordinal) ? e.Message[..^" at column 0".Length] : e.Message;
            throw new FilterParseException($"{option}: {message}", 0);
        }
    }
}
