using System.Globalization;
using System.Text.Json;
using NatGateway.Nat;

namespace NatGateway.Web.Components.Rules;

/// <summary>
/// What the rule editor binds to: plain strings as the operator types them. It is turned into the REST JSON
/// shape and parsed by the domain (NatRuleJson), so the page and the API give the same per-field messages.
/// </summary>
public sealed class RuleForm
{
    public NatRuleKind Kind { get; set; } = NatRuleKind.Dnat;
    public Guid? Id { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public bool Enabled { get; set; } = true;
    /// <summary>Input, output or outside interfaces, by kind (one box in the editor).</summary>
    public string Interfaces { get; set; } = "";
    public string Protocol { get; set; } = "tcp";
    public string SourceCidrs { get; set; } = "";
    public string DestinationCidrs { get; set; } = "";
    public string? DestinationAddress { get; set; }
    public string DestinationPort { get; set; } = "";
    public string TargetAddress { get; set; } = "";
    /// <summary>The DNAT target port, or the redirect's local port.</summary>
    public string? TargetPort { get; set; }
    public bool Hairpin { get; set; }
    public string TranslateTo { get; set; } = "";
    public string? Ports { get; set; }
    public bool Random { get; set; }
    public bool FullyRandom { get; set; }
    public bool Persistent { get; set; }
    public string InsidePrefix { get; set; } = "";
    public string OutsidePrefix { get; set; } = "";
    public List<BackendRow> Backends { get; set; } = [];
    public BalanceMethod Method { get; set; } = BalanceMethod.RoundRobin;
    /// <summary>Conntrack timeouts in seconds as typed; empty = the kernel's default.</summary>
    public string? TcpEstablished { get; set; }
    public string? UdpUnreplied { get; set; }
    public string? UdpReplied { get; set; }

    /// <summary>One backend row of a load-balanced forward, as typed.</summary>
    public sealed class BackendRow
    {
        public string Address { get; set; } = "";
        public string? Port { get; set; }
        public string Weight { get; set; } = "1";
    }

    /// <summary>A blank form for a new rule of <paramref name="kind"/>, with the defaults the editor starts from.</summary>
    public static RuleForm New(NatRuleKind kind) => new()
    {
        Kind = kind,
        // Forwards need a protocol (they match a port); source NAT matches any protocol unless told.
        Protocol = kind is NatRuleKind.Dnat or NatRuleKind.Redirect or NatRuleKind.LoadBalance ? "tcp" : "",
        // A load-balanced forward needs two backends at least: offer both rows.
        Backends = kind == NatRuleKind.LoadBalance ? [new BackendRow(), new BackendRow()] : [],
    };

    public static RuleForm From(NatRule rule)
    {
        var form = new RuleForm
        {
            Kind = rule.Kind, Id = rule.Id, Name = rule.Name, Description = rule.Description, Enabled = rule.Enabled,
            TcpEstablished = Text(rule.Timeouts?.TcpEstablished), UdpUnreplied = Text(rule.Timeouts?.UdpUnreplied),
            UdpReplied = Text(rule.Timeouts?.UdpReplied),
        };
        switch (rule)
        {
            case DnatRule d:
                form.Interfaces = string.Join(", ", d.InInterfaces);
                form.Protocol = NatRuleJson.ProtocolText(d.Protocol);
                form.SourceCidrs = string.Join(", ", d.SourceCidrs);
                form.DestinationAddress = d.DestinationAddress?.ToString();
                form.DestinationPort = d.DestinationPort.ToString();
                form.TargetAddress = d.TargetAddress.ToString();
                form.TargetPort = d.TargetPort?.ToString();
                form.Hairpin = d.Hairpin;
                break;
            case SnatRule s:
                form.Interfaces = string.Join(", ", s.OutInterfaces);
                form.Protocol = s.Protocol is { } sp ? NatRuleJson.ProtocolText(sp) : "";
                form.SourceCidrs = string.Join(", ", s.SourceCidrs);
                form.DestinationCidrs = string.Join(", ", s.DestinationCidrs);
                form.TranslateTo = s.TranslateTo.ToString();
                form.Ports = s.Ports?.ToString();
                form.SetOptions(s.Options);
                break;
            case MasqueradeRule m:
                form.Interfaces = string.Join(", ", m.OutInterfaces);
                form.Protocol = m.Protocol is { } mp ? NatRuleJson.ProtocolText(mp) : "";
                form.SourceCidrs = string.Join(", ", m.SourceCidrs);
                form.Ports = m.Ports?.ToString();
                form.SetOptions(m.Options);
                break;
            case PrefixMapRule map:
                form.Interfaces = string.Join(", ", map.OutsideInterfaces);
                form.InsidePrefix = map.InsidePrefix.ToString();
                form.OutsidePrefix = map.OutsidePrefix.ToString();
                form.Hairpin = map.Hairpin;
                break;
            case RedirectRule r:
                form.Interfaces = string.Join(", ", r.InInterfaces);
                form.Protocol = NatRuleJson.ProtocolText(r.Protocol);
                form.SourceCidrs = string.Join(", ", r.SourceCidrs);
                form.DestinationAddress = r.DestinationAddress?.ToString();
                form.DestinationPort = r.DestinationPort.ToString();
                form.TargetPort = r.TargetPort?.ToString();
                break;
            case LoadBalanceRule l:
                form.Interfaces = string.Join(", ", l.InInterfaces);
                form.Protocol = NatRuleJson.ProtocolText(l.Protocol);
                form.SourceCidrs = string.Join(", ", l.SourceCidrs);
                form.DestinationAddress = l.DestinationAddress?.ToString();
                form.DestinationPort = l.DestinationPort.ToString();
                form.Backends = l.Backends.Select(b => new BackendRow { Address = b.Address.ToString(), Port = Text(b.Port), Weight = Text(b.Weight)! }).ToList();
                form.Method = l.Method;
                break;
        }
        return form;
    }

    private static string? Text(int? n) => n?.ToString(CultureInfo.InvariantCulture);

    private void SetOptions(NatOptions options)
    {
        Random = options.HasFlag(NatOptions.Random);
        FullyRandom = options.HasFlag(NatOptions.FullyRandom);
        Persistent = options.HasFlag(NatOptions.Persistent);
    }

    private static List<string> List(string text) =>
        text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>
    /// A number box as JSON: a whole number as a JSON number, empty as null, anything else as the text itself, so the
    /// domain reports it in its own words ("must be a whole number 1..65535, not "abc"") at the field.
    /// </summary>
    private static object? Number(string? text) =>
        Blank(text) is not { } t ? null
        : long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n
        : t;

    /// <summary>The REST JSON for this form, built from a typed dictionary (never by concatenation).</summary>
    public string ToJson()
    {
        var doc = new Dictionary<string, object?>
        {
            ["kind"] = NatRuleJson.KindText(Kind), ["name"] = Name.Trim(), ["description"] = Blank(Description), ["enabled"] = Enabled,
        };
        var options = new List<string>();
        if (Random) options.Add("random");
        if (FullyRandom) options.Add("fully-random");
        if (Persistent) options.Add("persistent");
        switch (Kind)
        {
            case NatRuleKind.Dnat:
                doc["inInterfaces"] = List(Interfaces);
                doc["protocol"] = Protocol;
                doc["sourceCidrs"] = List(SourceCidrs);
                doc["destinationAddress"] = Blank(DestinationAddress);
                doc["destinationPort"] = DestinationPort.Trim();
                doc["targetAddress"] = TargetAddress.Trim();
                doc["targetPort"] = Blank(TargetPort);
                doc["hairpin"] = Hairpin;
                break;
            case NatRuleKind.Snat:
                doc["outInterfaces"] = List(Interfaces);
                doc["sourceCidrs"] = List(SourceCidrs);
                doc["destinationCidrs"] = List(DestinationCidrs);
                doc["protocol"] = Blank(Protocol);
                doc["translateTo"] = TranslateTo.Trim();
                doc["ports"] = Blank(Ports);
                doc["options"] = options;
                break;
            case NatRuleKind.Masquerade:
                doc["outInterfaces"] = List(Interfaces);
                doc["sourceCidrs"] = List(SourceCidrs);
                doc["protocol"] = Blank(Protocol);
                doc["ports"] = Blank(Ports);
                doc["options"] = options;
                break;
            case NatRuleKind.OneToOne or NatRuleKind.Nptv6:
                doc["outsideInterfaces"] = List(Interfaces);
                doc["insidePrefix"] = Blank(InsidePrefix);
                doc["outsidePrefix"] = Blank(OutsidePrefix);
                doc["hairpin"] = Hairpin;
                break;
            case NatRuleKind.Redirect:
                doc["inInterfaces"] = List(Interfaces);
                doc["protocol"] = Protocol;
                doc["sourceCidrs"] = List(SourceCidrs);
                doc["destinationAddress"] = Blank(DestinationAddress);
                doc["destinationPort"] = DestinationPort.Trim();
                doc["targetPort"] = Blank(TargetPort);
                break;
            case NatRuleKind.LoadBalance:
                doc["inInterfaces"] = List(Interfaces);
                doc["protocol"] = Protocol;
                doc["sourceCidrs"] = List(SourceCidrs);
                doc["destinationAddress"] = Blank(DestinationAddress);
                doc["destinationPort"] = DestinationPort.Trim();
                doc["backends"] = Backends.Select(b => new Dictionary<string, object?>
                {
                    ["address"] = b.Address.Trim(), ["port"] = Number(b.Port), ["weight"] = Number(b.Weight),
                }).ToList();
                doc["method"] = NatRuleJson.MethodText(Method);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "a rule kind the editor does not know");
        }
        // Only when a box is filled: a rule without a policy keeps the kernel's defaults (and its JSON shape).
        var timeouts = new Dictionary<string, object?>();
        if (Number(TcpEstablished) is { } tcp) timeouts["tcpEstablished"] = tcp;
        if (Number(UdpUnreplied) is { } unreplied) timeouts["udpUnreplied"] = unreplied;
        if (Number(UdpReplied) is { } replied) timeouts["udpReplied"] = replied;
        if (timeouts.Count > 0) doc["timeouts"] = timeouts;
        return JsonSerializer.Serialize(doc);
    }

    /// <summary>Parses through the domain; errors come back keyed by JSON field name.</summary>
    public NatRuleParseResult Parse() => NatRuleJson.Parse(ToJson());
}
