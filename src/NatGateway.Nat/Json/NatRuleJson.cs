using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace NatGateway.Nat;

/// <summary>Result of reading one rule from JSON: the rule, or every field problem found.</summary>
public sealed record NatRuleParseResult(NatRule? Rule, IReadOnlyList<ValidationIssue> Errors)
{
    public bool Success => Rule is not null && Errors.Count == 0;
}

/// <summary>
/// The REST shape of a rule, e.g.
/// <c>{"kind":"dnat","name":"web","enabled":true,"inInterfaces":["eth0"],"protocol":"tcp","sourceCidrs":[],
/// "destinationAddress":null,"destinationPort":"8080","targetAddress":"10.0.0.2","targetPort":"80","hairpin":false}</c>.
/// "kind" is the discriminator; ports are accepted as a number or a "from-to" string and written as strings.
/// Reading reports every malformed field at once (field = JSON property name), not just the first.
/// </summary>
public static class NatRuleJson
{
    /// <summary>Options with <see cref="NatRuleJsonConverter"/> registered, for <c>JsonSerializer.Deserialize&lt;NatRule&gt;</c> and lists.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new NatRuleJsonConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static readonly string[] CommonFields =
        ["kind", "id", "name", "description", "enabled", "position", "family", "markId", "createdAt", "updatedAt", "createdBy", "updatedBy", "timeouts"];
    private static readonly string[] MasqueradeFields = ["outInterfaces", "sourceCidrs", "protocol", "ports", "options"];
    private static readonly string[] SnatFields = ["outInterfaces", "sourceCidrs", "destinationCidrs", "protocol", "translateTo", "ports", "options"];
    private static readonly string[] DnatFields =
        ["inInterfaces", "protocol", "sourceCidrs", "destinationAddress", "destinationPort", "targetAddress", "targetPort", "hairpin"];
    private static readonly string[] PrefixMapFields = ["outsideInterfaces", "insidePrefix", "outsidePrefix", "hairpin"];
    private static readonly string[] RedirectFields = ["inInterfaces", "protocol", "sourceCidrs", "destinationAddress", "destinationPort", "targetPort"];
    private static readonly string[] LoadBalanceFields =
        ["inInterfaces", "protocol", "sourceCidrs", "destinationAddress", "destinationPort", "backends", "method"];

    // Made once, not per rule read (an import reads 10,000).
    private static readonly FrozenSet<string> MasqueradeAllowed = CommonFields.Concat(MasqueradeFields).ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string> SnatAllowed = CommonFields.Concat(SnatFields).ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string> DnatAllowed = CommonFields.Concat(DnatFields).ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string> PrefixMapAllowed = CommonFields.Concat(PrefixMapFields).ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string> RedirectAllowed = CommonFields.Concat(RedirectFields).ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string> LoadBalanceAllowed = CommonFields.Concat(LoadBalanceFields).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Every kind with its JSON text, in the order the UI offers them.</summary>
    public static IReadOnlyList<(NatRuleKind Kind, string Text)> Kinds { get; } =
    [
        (NatRuleKind.Dnat, "dnat"), (NatRuleKind.Snat, "snat"), (NatRuleKind.Masquerade, "masquerade"),
        (NatRuleKind.OneToOne, "one-to-one"), (NatRuleKind.Nptv6, "nptv6"), (NatRuleKind.Redirect, "redirect"),
        (NatRuleKind.LoadBalance, "load-balance"),
    ];

    /// <summary>The kind a JSON "kind" text names; null when it names none.</summary>
    public static NatRuleKind? ParseKind(string? text)
    {
        foreach (var (kind, t) in Kinds)
            if (t == text) return kind;
        return null;
    }

    public static string Serialize(NatRule rule)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) Write(writer, rule);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Utf8JsonWriter w, NatRule rule)
    {
        w.WriteStartObject();
        WriteProperties(w, rule);
        w.WriteEndObject();
    }

    /// <summary>The rule's properties into an object the caller opened (and closes): the REST API adds counters beside
    /// them without serializing the rule twice.</summary>
    public static void WriteProperties(Utf8JsonWriter w, NatRule rule)
    {
        w.WriteString("kind", KindText(rule.Kind));
        w.WriteString("id", rule.Id);
        w.WriteString("name", rule.Name);
        w.WriteString("description", rule.Description);
        w.WriteBoolean("enabled", rule.Enabled);
        w.WriteNumber("position", rule.Position);
        w.WriteString("family", rule.Family == NatFamily.Ipv6 ? "ipv6" : "ipv4");
        w.WriteNumber("markId", rule.MarkId);
        switch (rule)
        {
            case MasqueradeRule m:
                WriteStrings(w, "outInterfaces", m.OutInterfaces);
                WriteStrings(w, "sourceCidrs", m.SourceCidrs.Select(c => c.ToString()));
                w.WriteString("protocol", m.Protocol is { } p ? ProtocolText(p) : null);
                w.WriteString("ports", m.Ports?.ToString());
                WriteStrings(w, "options", OptionTexts(m.Options));
                break;
            case SnatRule s:
                WriteStrings(w, "outInterfaces", s.OutInterfaces);
                WriteStrings(w, "sourceCidrs", s.SourceCidrs.Select(c => c.ToString()));
                WriteStrings(w, "destinationCidrs", s.DestinationCidrs.Select(c => c.ToString()));
                w.WriteString("protocol", s.Protocol is { } sp ? ProtocolText(sp) : null);
                w.WriteString("translateTo", s.TranslateTo.ToString());
                w.WriteString("ports", s.Ports?.ToString());
                WriteStrings(w, "options", OptionTexts(s.Options));
                break;
            case DnatRule d:
                WriteStrings(w, "inInterfaces", d.InInterfaces);
                w.WriteString("protocol", ProtocolText(d.Protocol));
                WriteStrings(w, "sourceCidrs", d.SourceCidrs.Select(c => c.ToString()));
                w.WriteString("destinationAddress", d.DestinationAddress?.ToString());
                w.WriteString("destinationPort", d.DestinationPort.ToString());
                w.WriteString("targetAddress", d.TargetAddress.ToString());
                w.WriteString("targetPort", d.TargetPort?.ToString());
                w.WriteBoolean("hairpin", d.Hairpin);
                break;
            case PrefixMapRule map:
                WriteStrings(w, "outsideInterfaces", map.OutsideInterfaces);
                w.WriteString("insidePrefix", map.InsidePrefix.ToString());
                w.WriteString("outsidePrefix", map.OutsidePrefix.ToString());
                w.WriteBoolean("hairpin", map.Hairpin);
                break;
            case RedirectRule r:
                WriteStrings(w, "inInterfaces", r.InInterfaces);
                w.WriteString("protocol", ProtocolText(r.Protocol));
                WriteStrings(w, "sourceCidrs", r.SourceCidrs.Select(c => c.ToString()));
                w.WriteString("destinationAddress", r.DestinationAddress?.ToString());
                w.WriteString("destinationPort", r.DestinationPort.ToString());
                w.WriteString("targetPort", r.TargetPort?.ToString());
                break;
            case LoadBalanceRule l:
                WriteStrings(w, "inInterfaces", l.InInterfaces);
                w.WriteString("protocol", ProtocolText(l.Protocol));
                WriteStrings(w, "sourceCidrs", l.SourceCidrs.Select(c => c.ToString()));
                w.WriteString("destinationAddress", l.DestinationAddress?.ToString());
                w.WriteString("destinationPort", l.DestinationPort.ToString());
                w.WriteStartArray("backends");
                foreach (var b in l.Backends)
                {
                    w.WriteStartObject();
                    w.WriteString("address", b.Address.ToString());
                    if (b.Port is { } port) w.WriteNumber("port", port); else w.WriteNull("port");
                    w.WriteNumber("weight", b.Weight);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("method", MethodText(l.Method));
                break;
        }
        // Only when set: rules without a policy keep the shape they had before timeouts existed.
        if (rule.Timeouts is { } t)
        {
            w.WriteStartObject("timeouts");
            if (t.TcpEstablished is { } e) w.WriteNumber("tcpEstablished", e);
            if (t.UdpUnreplied is { } u) w.WriteNumber("udpUnreplied", u);
            if (t.UdpReplied is { } r) w.WriteNumber("udpReplied", r);
            w.WriteEndObject();
        }
        w.WriteString("createdAt", rule.CreatedAt);
        w.WriteString("updatedAt", rule.UpdatedAt);
        w.WriteString("createdBy", rule.CreatedBy);
        w.WriteString("updatedBy", rule.UpdatedBy);
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    public static string KindText(NatRuleKind kind) => Kinds.First(k => k.Kind == kind).Text;

    public static string MethodText(BalanceMethod method) => method == BalanceMethod.SourceHash ? "source-hash" : "round-robin";

    public static string ProtocolText(NatProtocol protocol) => protocol switch
    {
        NatProtocol.Tcp => "tcp",
        NatProtocol.Udp => "udp",
        _ => "both",
    };

    public static IEnumerable<string> OptionTexts(NatOptions options)
    {
        if (options.HasFlag(NatOptions.Random)) yield return "random";
        if (options.HasFlag(NatOptions.FullyRandom)) yield return "fully-random";
        if (options.HasFlag(NatOptions.Persistent)) yield return "persistent";
    }

    public static NatRuleParseResult Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            return new NatRuleParseResult(null, [new ValidationIssue("", $"The rule is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1})")]);
        }
    }

    /// <summary>Reads one rule; every malformed or unknown field becomes an issue named after the JSON property.</summary>
    public static NatRuleParseResult Parse(JsonElement element)
    {
        var reader = new FieldReader(element);
        if (element.ValueKind != JsonValueKind.Object)
            return new NatRuleParseResult(null, [new ValidationIssue("", "A rule must be a JSON object")]);
        var kindText = reader.String("kind", required: true);
        var kind = ParseKind(kindText);
        if (kindText is not null && kind is null)
            reader.Error("kind", $"Rule kind: '{kindText}' is not a rule kind ({string.Join(", ", Kinds.Select(k => k.Text))})");
        if (kind is null) return new NatRuleParseResult(null, reader.Issues);

        var allowed = kind switch
        {
            NatRuleKind.Masquerade => MasqueradeAllowed,
            NatRuleKind.Snat => SnatAllowed,
            NatRuleKind.OneToOne or NatRuleKind.Nptv6 => PrefixMapAllowed,
            NatRuleKind.Redirect => RedirectAllowed,
            NatRuleKind.LoadBalance => LoadBalanceAllowed,
            _ => DnatAllowed,
        };
        foreach (var property in element.EnumerateObject())
            if (!allowed.Contains(property.Name))
                reader.Error(property.Name, $"Field '{property.Name}' is an unknown field for a {kindText} rule");

        var id = reader.Guid("id") ?? RandomGuid.New();
        var nameText = reader.String("name", required: true);
        var name = nameText ?? "";
        var description = reader.String("description");
        // Checked here too, so an empty name is reported together with every other field problem.
        if (nameText is not null) reader.Issues.AddRange(NatRuleValidator.NameIssues(nameText));
        reader.Issues.AddRange(NatRuleValidator.DescriptionIssues(description));
        var enabled = reader.Bool("enabled") ?? true;
        var position = reader.Int("position", 0, int.MaxValue) ?? 0;
        var markId = reader.Int("markId", 0, int.MaxValue) ?? 0;
        var familyText = reader.String("family");
        NatFamily? family = familyText switch
        {
            null => null,
            "ipv4" => NatFamily.Ipv4,
            "ipv6" => NatFamily.Ipv6,
            _ => null,
        };
        if (familyText is not null && family is null) reader.Error("family", $"Address family: '{familyText}' is not an address family (ipv4, ipv6)");
        var createdAt = reader.Date("createdAt") ?? default;
        var updatedAt = reader.Date("updatedAt") ?? default;
        var createdBy = reader.String("createdBy");
        var updatedBy = reader.String("updatedBy");
        var timeouts = reader.Timeouts("timeouts");

        NatRule? rule = null;
        switch (kind)
        {
            case NatRuleKind.Masquerade:
            {
                var outInterfaces = reader.Interfaces("outInterfaces");
                var sources = reader.Prefixes("sourceCidrs");
                var protocol = reader.Protocol("protocol", required: false);
                var ports = reader.Ports("ports", required: false);
                var options = reader.Options("options");
                rule = new MasqueradeRule
                {
                    OutInterfaces = outInterfaces, SourceCidrs = sources, Protocol = protocol, Ports = ports, Options = options,
                };
                break;
            }
            case NatRuleKind.Snat:
            {
                var outInterfaces = reader.Interfaces("outInterfaces");
                var sources = reader.Prefixes("sourceCidrs");
                var destinations = reader.Prefixes("destinationCidrs");
                var protocol = reader.Protocol("protocol", required: false);
                var translateTo = reader.Pool("translateTo", required: true);
                var ports = reader.Ports("ports", required: false);
                var options = reader.Options("options");
                if (translateTo is not null)
                    rule = new SnatRule
                    {
                        OutInterfaces = outInterfaces, SourceCidrs = sources, DestinationCidrs = destinations, Protocol = protocol,
                        TranslateTo = translateTo, Ports = ports, Options = options,
                    };
                break;
            }
            case NatRuleKind.OneToOne or NatRuleKind.Nptv6:
            {
                var outside = reader.Interfaces("outsideInterfaces");
                var insidePrefix = reader.Prefix("insidePrefix");
                var outsidePrefix = reader.Prefix("outsidePrefix");
                var hairpin = reader.Bool("hairpin") ?? false;
                if (insidePrefix is not null && outsidePrefix is not null)
                    rule = kind == NatRuleKind.Nptv6
                        ? new Nptv6Rule { OutsideInterfaces = outside, InsidePrefix = insidePrefix, OutsidePrefix = outsidePrefix, Hairpin = hairpin }
                        : new OneToOneRule { OutsideInterfaces = outside, InsidePrefix = insidePrefix, OutsidePrefix = outsidePrefix, Hairpin = hairpin };
                break;
            }
            case NatRuleKind.Redirect:
            {
                var inInterfaces = reader.Interfaces("inInterfaces");
                var protocol = reader.Protocol("protocol", required: true);
                var sources = reader.Prefixes("sourceCidrs");
                var destinationAddress = reader.Address("destinationAddress");
                var destinationPort = reader.Ports("destinationPort", required: true);
                var targetPort = reader.Ports("targetPort", required: false);
                if (destinationPort is not null && protocol is not null)
                    rule = new RedirectRule
                    {
                        InInterfaces = inInterfaces, Protocol = protocol.Value, SourceCidrs = sources,
                        DestinationAddress = destinationAddress, DestinationPort = destinationPort.Value, TargetPort = targetPort,
                    };
                break;
            }
            case NatRuleKind.LoadBalance:
            {
                var inInterfaces = reader.Interfaces("inInterfaces");
                var protocol = reader.Protocol("protocol", required: true);
                var sources = reader.Prefixes("sourceCidrs");
                var destinationAddress = reader.Address("destinationAddress");
                var destinationPort = reader.Ports("destinationPort", required: true);
                var backends = reader.Backends("backends");
                var method = reader.Method("method");
                if (destinationPort is not null && protocol is not null && backends is not null)
                    rule = new LoadBalanceRule
                    {
                        InInterfaces = inInterfaces, Protocol = protocol.Value, SourceCidrs = sources,
                        DestinationAddress = destinationAddress, DestinationPort = destinationPort.Value, Backends = backends,
                        Method = method ?? BalanceMethod.RoundRobin,
                    };
                break;
            }
            default:
            {
                var inInterfaces = reader.Interfaces("inInterfaces");
                var protocol = reader.Protocol("protocol", required: true);
                var sources = reader.Prefixes("sourceCidrs");
                var destinationAddress = reader.Address("destinationAddress");
                var destinationPort = reader.Ports("destinationPort", required: true);
                var targetAddress = reader.Pool("targetAddress", required: true);
                if (targetAddress is not null && NatRuleValidator.TargetAddressProblem(targetAddress) is { } targetProblem)
                    reader.Error("targetAddress", $"Target address: {targetProblem}");
                var targetPort = reader.Ports("targetPort", required: false);
                var hairpin = reader.Bool("hairpin") ?? false;
                if (targetAddress is not null && destinationPort is not null && protocol is not null)
                    rule = new DnatRule
                    {
                        InInterfaces = inInterfaces, Protocol = protocol.Value, SourceCidrs = sources,
                        DestinationAddress = destinationAddress, DestinationPort = destinationPort.Value,
                        TargetAddress = targetAddress, TargetPort = targetPort, Hairpin = hairpin,
                    };
                break;
            }
        }
        if (reader.Issues.Count > 0 || rule is null) return new NatRuleParseResult(null, reader.Issues);

        rule = rule with
        {
            Id = id, Name = name, Description = description, Enabled = enabled, Position = position, MarkId = markId,
            Family = family ?? (rule is Nptv6Rule ? NatFamily.Ipv6 : InferFamily(rule)), Timeouts = timeouts,
            CreatedAt = createdAt, UpdatedAt = updatedAt, CreatedBy = createdBy, UpdatedBy = updatedBy,
        };
        return new NatRuleParseResult(rule, []);
    }

    /// <summary>A rule without "family" takes the family of its addresses (IPv6 if any is IPv6).</summary>
    private static NatFamily InferFamily(NatRule rule) =>
        RuleAddresses.FamiliesUsed(rule).Contains(NatFamily.Ipv6) ? NatFamily.Ipv6 : NatFamily.Ipv4;

    /// <summary>
    /// Typed reads of optional/required properties, recording an issue per bad field. A reader of a nested object
    /// ("backends[1]", "timeouts") carries its path as <paramref name="prefix"/>, so an issue's field is the full JSON path
    /// ("backends[1].address") and its message uses that path's label ("Backend 2 address: ..."), never the bare inner name.
    /// </summary>
    private sealed class FieldReader(JsonElement root, string prefix = "")
    {
        public List<ValidationIssue> Issues { get; } = [];

        public void Error(string field, string message) => Issues.Add(new ValidationIssue(prefix + field, message));

        /// <summary>The operator's words for a field of this reader's object, by its full path.</summary>
        private string Label(string field) => RuleFieldLabels.Of(prefix + field);

        // Field names as UTF-8, made once: JsonElement.TryGetProperty(string) transcodes the name on every lookup, and a
        // 10,000-rule list makes ~250,000 of them (issue 12).
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Utf8Names = new(StringComparer.Ordinal);

        private bool TryGet(string name, bool required, out JsonElement value)
        {
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty(Utf8Names.GetOrAdd(name, static n => System.Text.Encoding.UTF8.GetBytes(n)), out value)
                && value.ValueKind != JsonValueKind.Null)
                return true;
            value = default;
            if (required) Error(name, $"{Label(name)} is required");
            return false;
        }

        public string? String(string name, bool required = false)
        {
            if (!TryGet(name, required, out var v)) return null;
            if (v.ValueKind == JsonValueKind.String) return Text(name, v);
            Error(name, $"{Label(name)} must be text, not {Describe(v)}");
            return null;
        }

        /// <summary>A JSON string's text; null with an issue when it holds an escaped lone surrogate ("\ud800"), which .NET cannot read.</summary>
        private string? Text(string field, JsonElement v)
        {
            try { return v.GetString(); }
            catch (InvalidOperationException)
            {
                Error(field, $"{Label(field)} contains a broken Unicode character (a lone surrogate)");
                return null;
            }
        }

        public bool? Bool(string name)
        {
            if (!TryGet(name, false, out var v)) return null;
            if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
            Error(name, $"{Label(name)} must be true or false, not {Describe(v)}");
            return null;
        }

        public int? Int(string name, int min, int max)
        {
            if (!TryGet(name, false, out var v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= min && n <= max) return n;
            Error(name, $"{Label(name)} must be a whole number {min}..{max}, not {v.GetRawText()}");
            return null;
        }

        public Guid? Guid(string name)
        {
            var text = String(name);
            if (text is null) return null;
            if (System.Guid.TryParse(text, out var g)) return g;
            Error(name, $"{Label(name)}: '{text}' is not a GUID");
            return null;
        }

        public DateTimeOffset? Date(string name)
        {
            if (!TryGet(name, false, out var v)) return null;
            var text = String(name);
            if (text is null) return null;
            // The ISO 8601 form with an offset (what the API writes) through System.Text.Json's own parser, several times
            // faster than DateTimeOffset.TryParse; anything else (no offset: read as UTC) takes the general parse below.
            if (HasOffset(text) && v.TryGetDateTimeOffset(out var iso)) return iso;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)) return d;
            Error(name, $"{Label(name)}: '{text}' is not an ISO 8601 date/time");
            return null;
        }

        private static bool HasOffset(string text) =>
            text.EndsWith('Z') || text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':';

        private List<(string Field, string Text)>? StringArray(string name)
        {
            if (!TryGet(name, false, out var v)) return [];
            if (v.ValueKind != JsonValueKind.Array) { Error(name, $"{Label(name)} must be a list (a JSON array of strings), not {Describe(v)}"); return null; }
            var result = new List<(string, string)>();
            var i = 0;
            foreach (var item in v.EnumerateArray())
            {
                var field = $"{name}[{i++}]";
                if (item.ValueKind != JsonValueKind.String) Error(field, $"{Label(field)} must be text, not {Describe(item)}");
                else if (Text(field, item) is { } text) result.Add((field, text));
            }
            return result;
        }

        public IReadOnlyList<string> Interfaces(string name)
        {
            var items = StringArray(name);
            var names = (items ?? []).Select(i => i.Text).ToArray();
            // Items that were not strings are already reported; check the rest as a list (at least one, names, repeats).
            if (items is not null && Issues.All(i => !i.Field.StartsWith(name + "[", StringComparison.Ordinal)))
                Issues.AddRange(NatRuleValidator.InterfaceIssues(name, names));
            return names;
        }

        public IReadOnlyList<IpPrefix> Prefixes(string name)
        {
            var result = new List<IpPrefix>();
            foreach (var (field, text) in StringArray(name) ?? [])
                if (IpPrefix.TryParse(text, out var prefix, out var error)) result.Add(prefix!);
                else Error(field, $"{Label(field)}: {error}");
            return result;
        }

        public IPAddress? Address(string name, bool required = false)
        {
            var text = String(name, required);
            if (text is null) return null;
            if (IpMath.TryParseAddress(text, out var address)) return address;
            Error(name, $"{Label(name)}: '{text}' is not an IP address");
            return null;
        }

        public AddressPool? Pool(string name, bool required)
        {
            if (!TryGet(name, required, out var v)) return null;
            if (v.ValueKind != JsonValueKind.String) { Error(name, $"{Label(name)} must be text, not {Describe(v)}"); return null; }
            if (Text(name, v) is not { } text) return null;
            if (AddressPool.TryParse(text, out var pool, out var error)) return pool;
            Error(name, $"{Label(name)}: {error}");
            return null;
        }

        public PortRange? Ports(string name, bool required)
        {
            if (!TryGet(name, required, out var v)) return null;
            string text;
            if (v.ValueKind == JsonValueKind.Number)
            {
                if (!v.TryGetInt64(out var n)) { Error(name, $"{Label(name)}: {v.GetRawText()} is not a port (1..65535)"); return null; }
                if (n < 1 || n > 65535) { Error(name, $"{Label(name)}: port {n} is outside 1..65535"); return null; }
                text = n.ToString(CultureInfo.InvariantCulture);
            }
            else if (v.ValueKind == JsonValueKind.String) { if (Text(name, v) is not { } s) return null; text = s; }
            else { Error(name, $"{Label(name)} must be a port number or a \"from-to\" string, not {Describe(v)}"); return null; }
            if (PortRange.TryParse(text, out var range, out var error)) return range;
            Error(name, $"{Label(name)}: {error}");
            return null;
        }

        public NatProtocol? Protocol(string name, bool required)
        {
            var text = String(name, required);
            switch (text)
            {
                case null: return null;
                case "tcp": return NatProtocol.Tcp;
                case "udp": return NatProtocol.Udp;
                case "both": return NatProtocol.Both;
                default:
                    Error(name, $"{Label(name)}: '{text}' is not a protocol (tcp, udp, both)");
                    return null;
            }
        }

        public IpPrefix? Prefix(string name)
        {
            var text = String(name, required: true);
            if (text is null) return null;
            if (IpPrefix.TryParse(text, out var prefix, out var error)) return prefix;
            Error(name, $"{Label(name)}: {error}");
            return null;
        }

        public BalanceMethod? Method(string name)
        {
            var text = String(name);
            switch (text)
            {
                case null: return null;
                case "round-robin": return BalanceMethod.RoundRobin;
                case "source-hash": return BalanceMethod.SourceHash;
                default:
                    Error(name, $"{Label(name)}: '{text}' is not a method (round-robin, source-hash)");
                    return null;
            }
        }

        /// <summary>"backends": [{"address": "10.0.0.2", "port": 80, "weight": 2}, ...]; fields "backends[i].address".</summary>
        public IReadOnlyList<LoadBalanceBackend>? Backends(string name)
        {
            if (!TryGet(name, true, out var v)) return null;
            if (v.ValueKind != JsonValueKind.Array) { Error(name, $"{Label(name)} must be a list of backends, not {Describe(v)}"); return null; }
            var result = new List<LoadBalanceBackend>();
            var before = Issues.Count;
            var i = 0;
            foreach (var item in v.EnumerateArray())
            {
                var field = $"{name}[{i++}]";
                if (item.ValueKind != JsonValueKind.Object) { Error(field, $"{Label(field)} must be an object with an address, not {Describe(item)}"); continue; }
                var backend = new FieldReader(item, $"{prefix}{field}.");
                foreach (var property in item.EnumerateObject())
                    if (property.Name is not ("address" or "port" or "weight"))
                        backend.Error(property.Name, $"{Label(field)}: '{property.Name}' is an unknown field for a backend (address, port, weight)");
                var address = backend.Address("address", required: true);
                var port = backend.Int("port", 1, 65535);
                var weight = backend.Int("weight", 1, 100) ?? 1;
                Issues.AddRange(backend.Issues);
                if (address is not null) result.Add(new LoadBalanceBackend(address, port, weight));
            }
            return Issues.Count == before ? result : null;
        }

        public ConntrackTimeoutPolicy? Timeouts(string name)
        {
            if (!TryGet(name, false, out var v)) return null;
            if (v.ValueKind != JsonValueKind.Object) { Error(name, $"{Label(name)} must be an object of seconds, not {Describe(v)}"); return null; }
            var reader = new FieldReader(v, $"{prefix}{name}.");
            foreach (var property in v.EnumerateObject())
                if (property.Name is not ("tcpEstablished" or "udpUnreplied" or "udpReplied"))
                    reader.Error(property.Name, $"{Label(name)}: '{property.Name}' is not a timeout (tcpEstablished, udpUnreplied, udpReplied)");
            var policy = new ConntrackTimeoutPolicy
            {
                TcpEstablished = reader.Int("tcpEstablished", 1, int.MaxValue),
                UdpUnreplied = reader.Int("udpUnreplied", 1, int.MaxValue),
                UdpReplied = reader.Int("udpReplied", 1, int.MaxValue),
            };
            Issues.AddRange(reader.Issues);
            return policy.IsEmpty ? null : policy;
        }

        public NatOptions Options(string name)
        {
            var options = NatOptions.None;
            foreach (var (field, text) in StringArray(name) ?? [])
                switch (text)
                {
                    case "random": options |= NatOptions.Random; break;
                    case "fully-random": options |= NatOptions.FullyRandom; break;
                    case "persistent": options |= NatOptions.Persistent; break;
                    default: Error(field, $"{Label(field)}: '{text}' is not an option (random, fully-random, persistent)"); break;
                }
            return options;
        }

        private static string Describe(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            JsonValueKind.Number => $"the number {v.GetRawText()}",
            JsonValueKind.String => $"the string {v.GetRawText()}",
            JsonValueKind.True or JsonValueKind.False => $"the boolean {v.GetRawText()}",
            _ => v.ValueKind.ToString().ToLowerInvariant(),
        };
    }
}
