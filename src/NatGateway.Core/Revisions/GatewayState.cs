using System.Text;
using System.Text.Json;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Nat;

namespace NatGateway.Core.Revisions;

/// <summary>The whole desired state a revision holds: the ordered NAT rules, the managed kernel settings, conntrack sizing,
/// the per-interface fixes (LRO off, MSS clamp) and the HA pair's configuration. <see cref="Interfaces"/> and <see cref="Cluster"/>
/// null in a request = keep the ones in force.</summary>
public sealed record GatewayState(IReadOnlyList<NatRule> Rules, SettingsUpdate? Settings, Capacity.CapacityApplyRequest? Conntrack = null,
    InterfaceFixes? Interfaces = null, Cluster.ClusterConfig? Cluster = null)
{
    /// <summary>The interface fixes, none when the state holds none.</summary>
    public InterfaceFixes Fixes => Interfaces ?? InterfaceFixes.None;

    public static GatewayState Empty { get; } = new([], null);
}

/// <summary>
/// JSON for the settings part of a state, in the same shape as PUT /api/v1/settings
/// (<c>{"ipv4Forwarding": true, "rpFilter": {"all": 2, "default": 1, "interfaces": {"eth0": 1}}}</c>).
/// </summary>
internal static class SettingsDocument
{
    /// <summary>The settings document of a revision; <paramref name="fixes"/> go in only when there are any, so a state
    /// without them writes exactly the document it wrote before they existed.</summary>
    public static string Serialize(SettingsUpdate settings, InterfaceFixes? fixes = null)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true })) Write(w, settings, fixes);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Utf8JsonWriter w, SettingsUpdate s, InterfaceFixes? fixes = null)
    {
        w.WriteStartObject();
        if (s.Ipv4Forwarding is { } v4) w.WriteBoolean("ipv4Forwarding", v4);
        if (s.Ipv6Forwarding is { } v6) w.WriteBoolean("ipv6Forwarding", v6);
        w.WriteStartObject("rpFilter");
        if (s.RpFilterAll is { } all) w.WriteNumber("all", all);
        if (s.RpFilterDefault is { } d) w.WriteNumber("default", d);
        w.WriteStartObject("interfaces");
        foreach (var (name, mode) in s.RpFilterInterfaces.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteNumber(name, mode);
        w.WriteEndObject();
        w.WriteEndObject();
        if (fixes is { IsEmpty: false }) fixes.Write(w);
        w.WriteEndObject();
    }

    public static SettingsUpdate? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        // The interface fixes share the document but are not settings (PUT /api/v1/settings does not take them).
        if (json.Contains(InterfaceFixes.Property, StringComparison.Ordinal)
            && System.Text.Json.Nodes.JsonNode.Parse(json) is System.Text.Json.Nodes.JsonObject node && node.Remove(InterfaceFixes.Property))
            json = node.ToJsonString();
        var (update, errors) = SettingsUpdateParser.Parse(json);
        return errors.Count > 0 ? throw new InvalidDataException("stored settings are unreadable: " + string.Join("; ", errors.Keys)) : update;
    }

    /// <summary><paramref name="change"/>'s values over <paramref name="current"/> (a full state).</summary>
    public static SettingsUpdate Merge(SettingsUpdate current, SettingsUpdate change) => current with
    {
        Ipv4Forwarding = change.Ipv4Forwarding ?? current.Ipv4Forwarding,
        Ipv6Forwarding = change.Ipv6Forwarding ?? current.Ipv6Forwarding,
        RpFilterAll = change.RpFilterAll ?? current.RpFilterAll,
        RpFilterDefault = change.RpFilterDefault ?? current.RpFilterDefault,
        RpFilterInterfaces = current.RpFilterInterfaces.Concat(change.RpFilterInterfaces.Where(p => !current.RpFilterInterfaces.ContainsKey(p.Key)))
            .ToDictionary(p => p.Key, p => change.RpFilterInterfaces.GetValueOrDefault(p.Key, p.Value)),
        Persist = change.Persist,
    };

    /// <summary>The kernel's current values of every managed key, as a full settings state.</summary>
    public static SettingsUpdate Capture(KernelSettingsView view) => new()
    {
        Ipv4Forwarding = view.Ipv4Forwarding, Ipv6Forwarding = view.Ipv6Forwarding,
        RpFilterAll = view.RpFilter.All, RpFilterDefault = view.RpFilter.Default,
        RpFilterInterfaces = view.RpFilter.Interfaces.Where(p => p.Key != "lo").ToDictionary(p => p.Key, p => p.Value),
    };

    /// <summary>Lines like "net.ipv4.ip_forward: 0 → 1" between two settings states.</summary>
    public static List<string> Diff(SettingsUpdate? a, SettingsUpdate? b)
    {
        var result = new List<string>();
        void Line(string key, object? x, object? y)
        {
            if (!Equals(x, y)) result.Add($"{key}: {x?.ToString()?.ToLowerInvariant() ?? "∅"} → {y?.ToString()?.ToLowerInvariant() ?? "∅"}");
        }
        Line("ipv4Forwarding", a?.Ipv4Forwarding, b?.Ipv4Forwarding);
        Line("ipv6Forwarding", a?.Ipv6Forwarding, b?.Ipv6Forwarding);
        Line("rpFilter.all", a?.RpFilterAll, b?.RpFilterAll);
        Line("rpFilter.default", a?.RpFilterDefault, b?.RpFilterDefault);
        var names = (a?.RpFilterInterfaces.Keys ?? []).Union(b?.RpFilterInterfaces.Keys ?? []).Order(StringComparer.Ordinal);
        foreach (var n in names)
            Line($"rpFilter.interfaces.{n}", a?.RpFilterInterfaces.GetValueOrDefault(n, -1) is var x and >= 0 ? x : null,
                b?.RpFilterInterfaces.GetValueOrDefault(n, -1) is var y and >= 0 ? y : null);
        return result;
    }
}

/// <summary>
/// The export/import document: <c>{"format": "natgw-state", "version": 1, "rules": [...], "settings": {...}}</c>.
/// Import validates every rule (errors named <c>rules[2].destinationPort</c>) before anything is replaced.
/// </summary>
internal static class GatewayStateDocument
{
    public const string Format = "natgw-state";
    public const int Version = 1;

    public static string Serialize(GatewayState state, DateTimeOffset exportedAt)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("version", Version);
            w.WriteString("exportedAt", exportedAt);
            w.WriteStartArray("rules");
            foreach (var rule in state.Rules) NatRuleJson.Write(w, rule);
            w.WriteEndArray();
            if (state.Settings is { } s)
            {
                w.WritePropertyName("settings");
                SettingsDocument.Write(w, s);
            }
            // The doctor's interface fixes in force (LRO off, MSS clamp), only when there are any: a state without them
            // exports exactly the document it exported before they existed.
            if (state.Interfaces is { IsEmpty: false } fixes) fixes.Write(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static (GatewayState? State, Dictionary<string, string[]> Errors) Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e)
        {
            return (null, new Dictionary<string, string[]>(StringComparer.Ordinal) { ["body"] = [$"not valid JSON: {e.Message}"] });
        }
        using (doc) return Parse(doc.RootElement);
    }

    /// <summary>
    /// Reads and validates a document in one pass over the parsed JSON (the API and the CLI parse the bytes once and
    /// hand the root here): each rule is read straight from its element, checked against the rules before it, and its
    /// errors keyed by its index (<c>rules[2].destinationPort</c>).
    /// </summary>
    public static (GatewayState? State, Dictionary<string, string[]> Errors) Parse(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (root.ValueKind != JsonValueKind.Object) { errors["body"] = ["must be a JSON object"]; return (null, errors); }
        if (!root.TryGetProperty("format", out var f) || f.ValueKind != JsonValueKind.String || !f.ValueEquals(Format))
            errors["format"] = [$"must be \"{Format}\""];
        if (!root.TryGetProperty("version", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version))
            errors["version"] = ["is required (a number)"];
        else if (version != Version)
            errors["version"] = [$"{version} is not supported; this NatGateway reads version {Version}"];
        var rules = new List<NatRule>();
        if (!root.TryGetProperty("rules", out var r) || r.ValueKind != JsonValueKind.Array)
            errors["rules"] = ["must be an array of rules"];
        else
        {
            rules.Capacity = r.GetArrayLength();
            var i = 0;
            foreach (var element in r.EnumerateArray())
            {
                var parsed = NatRuleJson.Parse(element);
                if (!parsed.Success)
                    foreach (var g in parsed.Errors.GroupBy(e => e.Field))
                        errors[$"rules[{i}].{g.Key}".TrimEnd('.')] = g.Select(e => e.Message).ToArray();
                else rules.Add(parsed.Rule! with { Position = i });
                i++;
            }
            if (errors.Count == 0)
            {
                // Positions are the indexes (every rule parsed): no search per error, no second list.
                var ids = new Dictionary<Guid, int>(rules.Count);
                foreach (var rule in rules)
                    if (!ids.TryAdd(rule.Id, rule.Position))
                        errors[$"rules[{rule.Position}].id"] = [$"the same id as rules[{ids[rule.Id]}]"];
                if (errors.Count == 0)
                    foreach (var (id, result) in NatRuleValidator.ValidateAll(rules))
                    {
                        if (result.IsValid) continue;
                        var index = ids[id];
                        foreach (var g in result.Errors.GroupBy(e => e.Field))
                            errors[$"rules[{index}].{g.Key}"] = g.Select(e => e.Message).ToArray();
                    }
            }
        }
        SettingsUpdate? settings = null;
        if (root.TryGetProperty("settings", out var s) && s.ValueKind != JsonValueKind.Null)
        {
            var (update, settingErrors) = SettingsUpdateParser.Parse(s.GetRawText());
            foreach (var (k, m) in settingErrors) errors[$"settings.{k}"] = m;
            settings = update;
        }
        InterfaceFixes? interfaces = null;
        if (root.TryGetProperty(InterfaceFixes.Property, out var fx) && fx.ValueKind != JsonValueKind.Null)
            interfaces = ParseFixes(fx, errors);
        foreach (var p in root.EnumerateObject().Where(p => p.Name is not ("format" or "version" or "exportedAt" or "rules" or "settings" or InterfaceFixes.Property)))
            errors[p.Name] = ["unknown field"];
        return errors.Count > 0 ? (null, errors) : (new GatewayState(rules, settings, null, interfaces), errors);
    }

    /// <summary><c>{"lroOff": ["eth0"], "mssClamp": ["wg0"]}</c>: single interface names (no wildcard), errors named
    /// <c>interfaceFixes.mssClamp[0]</c>.</summary>
    private static InterfaceFixes? ParseFixes(JsonElement fx, Dictionary<string, string[]> errors)
    {
        if (fx.ValueKind != JsonValueKind.Object) { errors[InterfaceFixes.Property] = ["must be an object with lroOff and mssClamp"]; return null; }
        List<string> Names(string name)
        {
            var result = new List<string>();
            if (!fx.TryGetProperty(name, out var list) || list.ValueKind == JsonValueKind.Null) return result;
            if (list.ValueKind != JsonValueKind.Array) { errors[$"{InterfaceFixes.Property}.{name}"] = ["must be an array of interface names"]; return result; }
            var i = 0;
            foreach (var e in list.EnumerateArray())
            {
                var n = e.ValueKind == JsonValueKind.String ? e.GetString()! : null;
                var problem = n is null ? "must be an interface name (text)"
                    : InterfaceName.Problem(n) is { } p ? $"interface {p}"
                    : InterfaceName.IsWildcard(n) ? $"'{n}' is a wildcard; name one interface" : null;
                if (problem is not null) errors[$"{InterfaceFixes.Property}.{name}[{i}]"] = [problem];
                else if (!result.Contains(n!, StringComparer.Ordinal)) result.Add(n!);
                i++;
            }
            return result;
        }
        var lroOff = Names("lroOff");
        var mssClamp = Names("mssClamp");
        foreach (var p in fx.EnumerateObject().Where(p => p.Name is not ("lroOff" or "mssClamp")))
            errors[$"{InterfaceFixes.Property}.{p.Name}"] = ["unknown field"];
        return new InterfaceFixes(lroOff, mssClamp);
    }
}
