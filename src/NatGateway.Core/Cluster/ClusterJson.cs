using System.Net;
using System.Text;
using System.Text.Json;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Cluster;

/// <summary>
/// The one JSON shape of a <see cref="ClusterConfig"/>: the body of <c>PUT /api/v1/cluster</c>, the <c>config</c> of
/// <c>GET /api/v1/cluster</c> and the revision's cluster document. Enums by name in camelCase, addresses as text,
/// the advert interval in seconds (<c>0.1</c>):
/// <code>
/// {"enabled": true, "virtualRouterId": 51, "advertIntervalSeconds": 0.1,
///  "virtualAddresses": [{"side": "inside", "address": "10.77.1.1/24"}, {"side": "outside", "address": "10.77.2.1/24"}],
///  "local": {"name": "gw1", "role": "primary", "priority": 150, "insideInterface": "lan0", "outsideInterface": "wan0",
///            "syncInterface": "sync0", "syncAddress": "10.77.3.1/30", "standDown": false},
///  "peer": {"name": "gw2", "syncAddress": "10.77.3.2", "syncPort": 5443}}
/// </code>
/// Parse errors and <see cref="ClusterConfigValidator"/> errors are keyed by JSON path (<c>local.priority</c>,
/// <c>virtualAddresses[1].address</c>), as every other API of natgw names its fields.
/// </summary>
public static class ClusterJson
{
    public static string Serialize(ClusterConfig config)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true })) Write(w, config);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Utf8JsonWriter w, ClusterConfig c)
    {
        w.WriteStartObject();
        WriteSharedFields(w, c.Shared);
        w.WriteStartObject("local");
        w.WriteString("name", c.Local.Name);
        w.WriteString("role", Name(c.Local.Role));
        w.WriteNumber("priority", c.Local.Priority);
        w.WriteString("insideInterface", c.Local.InsideInterface);
        w.WriteString("outsideInterface", c.Local.OutsideInterface);
        w.WriteString("syncInterface", c.Local.SyncInterface);
        w.WriteString("syncAddress", c.Local.SyncAddress.ToString());
        w.WriteBoolean("standDown", c.Local.StandDown);
        w.WriteEndObject();
        w.WriteStartObject("peer");
        w.WriteString("name", c.Peer.Name);
        w.WriteString("syncAddress", c.Peer.SyncAddress.ToString());
        w.WriteNumber("syncPort", c.Peer.SyncPort);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The shared part alone, as an object (<c>{"enabled": true, "virtualRouterId": 51, ...}</c>): the replicated revision's <c>cluster</c>.</summary>
    public static void WriteShared(Utf8JsonWriter w, ClusterShared shared)
    {
        w.WriteStartObject();
        WriteSharedFields(w, shared);
        w.WriteEndObject();
    }

    /// <summary>The shared part's canonical text (compact), for the replicated content's hash.</summary>
    public static string SharedText(ClusterShared shared)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) WriteShared(w, shared);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteSharedFields(Utf8JsonWriter w, ClusterShared c)
    {
        w.WriteBoolean("enabled", c.Enabled);
        w.WriteNumber("virtualRouterId", c.VirtualRouterId);
        // Centiseconds are the unit on the wire (RFC 5798 §5.2.7); decimal keeps 0.1 exactly 0.1 in the text.
        w.WriteNumber("advertIntervalSeconds", Centiseconds(c.AdvertInterval) / 100m);
        w.WriteStartArray("virtualAddresses");
        foreach (var vip in c.VirtualAddresses)
        {
            w.WriteStartObject();
            w.WriteString("side", Name(vip.Side));
            w.WriteString("address", vip.Address.ToString());
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>The advert interval in whole centiseconds (rounded: a TimeSpan made from 0.1 s is exact anyway).</summary>
    public static long Centiseconds(TimeSpan interval) => (long)Math.Round(interval.TotalMilliseconds / 10, MidpointRounding.AwayFromZero);

    public static string Name(VirtualAddressSide side) => side switch
    {
        VirtualAddressSide.Inside => "inside",
        VirtualAddressSide.Outside => "outside",
        _ => throw new ArgumentOutOfRangeException(nameof(side)),
    };

    public static string Name(ClusterNodeRole role) => role switch
    {
        ClusterNodeRole.Primary => "primary",
        ClusterNodeRole.Backup => "backup",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static string Name(VrrpState state) => state switch
    {
        VrrpState.Unknown => "unknown",
        VrrpState.Primary => "primary",
        VrrpState.Backup => "backup",
        VrrpState.Fault => "fault",
        VrrpState.Stopped => "stopped",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <summary>Parses a stored document (written by <see cref="Serialize"/>); throws when it does not read back.</summary>
    public static ClusterConfig? ParseStored(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        var (config, errors) = Parse(json, validate: false);
        return config ?? throw new InvalidDataException("stored cluster configuration is unreadable: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value[0]}")));
    }

    public static (ClusterConfig? Config, Dictionary<string, string[]> Errors) Parse(string json, bool validate = true)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Parse(doc.RootElement, validate);
        }
        catch (JsonException e)
        {
            return (null, new Dictionary<string, string[]>(StringComparer.Ordinal) { ["body"] = [$"not valid JSON: {e.Message}"] });
        }
    }

    /// <summary>
    /// Reads a whole configuration (every field is required: a PUT replaces it) and, with <paramref name="validate"/>,
    /// checks it with <see cref="ClusterConfigValidator"/>. Unknown fields are errors, so a typo is never ignored.
    /// </summary>
    public static (ClusterConfig? Config, Dictionary<string, string[]> Errors) Parse(JsonElement root, bool validate = true)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (root.ValueKind != JsonValueKind.Object) { errors["body"] = ["must be a JSON object"]; return (null, errors); }
        var r = new Reader(errors);
        var shared = ReadShared(root, r, errors);
        ClusterNode? local = null;
        if (r.Property(root, "", "local", JsonValueKind.Object) is { } l)
        {
            const string p = "local.";
            var name = r.Text(l, p, "name");
            var role = r.Enum(l, p, "role", ("primary", ClusterNodeRole.Primary), ("backup", ClusterNodeRole.Backup));
            var priority = r.Int(l, p, "priority");
            var inside = r.Text(l, p, "insideInterface");
            var outside = r.Text(l, p, "outsideInterface");
            var sync = r.Text(l, p, "syncInterface");
            var syncAddress = r.Address(l, p, "syncAddress", withPrefix: true);
            var standDown = l.TryGetProperty("standDown", out _) ? r.Bool(l, p, "standDown") : false;
            r.Unknown(l, p, "name", "role", "priority", "insideInterface", "outsideInterface", "syncInterface", "syncAddress", "standDown");
            if (name is not null && role is { } ro && priority is { } pr && inside is not null && outside is not null && sync is not null
                && syncAddress is not null && standDown is { } sd)
                local = new ClusterNode
                {
                    Name = name, Role = ro, Priority = pr, InsideInterface = inside, OutsideInterface = outside, SyncInterface = sync,
                    SyncAddress = syncAddress, StandDown = sd,
                };
        }
        ClusterPeer? peer = null;
        if (r.Property(root, "", "peer", JsonValueKind.Object) is { } pe)
        {
            const string p = "peer.";
            var name = r.Text(pe, p, "name");
            var address = r.Address(pe, p, "syncAddress", withPrefix: false);
            var port = r.Int(pe, p, "syncPort");
            r.Unknown(pe, p, "name", "syncAddress", "syncPort");
            if (name is not null && address is not null && port is { } po)
                peer = new ClusterPeer { Name = name, SyncAddress = address.Address, SyncPort = po };
        }
        r.Unknown(root, "", [.. SharedFields, "local", "peer"]);
        if (errors.Count > 0 || shared is null || local is null || peer is null) return (null, errors);
        var config = new ClusterConfig
        {
            Enabled = shared.Enabled, VirtualRouterId = shared.VirtualRouterId, AdvertInterval = shared.AdvertInterval,
            VirtualAddresses = shared.VirtualAddresses, Local = local, Peer = peer,
        };
        if (validate)
            foreach (var (k, v) in ClusterConfigValidator.Validate(config)) errors[k] = v;
        return errors.Count > 0 ? (null, errors) : (config, errors);
    }

    private static readonly string[] SharedFields = ["enabled", "virtualRouterId", "advertIntervalSeconds", "virtualAddresses"];

    /// <summary>
    /// Reads the shared part alone (<see cref="WriteShared"/>'s object: a replicated revision's <c>cluster</c>). The
    /// receiving node checks the whole configuration it makes of it with its own part (<see cref="ClusterConfigValidator"/>).
    /// </summary>
    public static (ClusterShared? Shared, Dictionary<string, string[]> Errors) ParseShared(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (root.ValueKind != JsonValueKind.Object) { errors["body"] = ["must be a JSON object"]; return (null, errors); }
        var r = new Reader(errors);
        var shared = ReadShared(root, r, errors);
        r.Unknown(root, "", SharedFields);
        return errors.Count > 0 ? (null, errors) : (shared, errors);
    }

    private static ClusterShared? ReadShared(JsonElement root, Reader r, Dictionary<string, string[]> errors)
    {
        var enabled = r.Bool(root, "", "enabled");
        var vrid = r.Int(root, "", "virtualRouterId");
        var advert = r.Advert(root, "advertIntervalSeconds");
        var vips = new List<VirtualAddress>();
        if (r.Property(root, "", "virtualAddresses", JsonValueKind.Array) is { } list)
        {
            var i = 0;
            foreach (var item in list.EnumerateArray())
            {
                var path = $"virtualAddresses[{i}]";
                if (item.ValueKind != JsonValueKind.Object) errors[path] = ["must be an object with side and address"];
                else
                {
                    var side = r.Enum(item, path + ".", "side", ("inside", VirtualAddressSide.Inside), ("outside", VirtualAddressSide.Outside));
                    var address = r.Address(item, path + ".", "address", withPrefix: true);
                    r.Unknown(item, path + ".", "side", "address");
                    if (side is { } s && address is { } a) vips.Add(new VirtualAddress(s, a));
                }
                i++;
            }
        }
        return enabled is { } e && vrid is { } v && advert is { } a2 ? new ClusterShared(e, v, a2, vips) : null;
    }

    /// <summary>Field readers that record an error under the field's JSON path and answer null.</summary>
    private sealed class Reader(Dictionary<string, string[]> errors)
    {
        public JsonElement? Property(JsonElement o, string prefix, string name, JsonValueKind kind)
        {
            if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) { errors[prefix + name] = ["is required"]; return null; }
            if (v.ValueKind != kind)
            {
                errors[prefix + name] = [kind switch
                {
                    JsonValueKind.Array => "must be an array",
                    JsonValueKind.Object => "must be an object",
                    JsonValueKind.String => "must be text",
                    JsonValueKind.Number => "must be a number",
                    _ => $"must be {kind}",
                }];
                return null;
            }
            return v;
        }

        public bool? Bool(JsonElement o, string prefix, string name)
        {
            if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) { errors[prefix + name] = ["is required (true or false)"]; return null; }
            if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
            errors[prefix + name] = ["must be true or false"];
            return null;
        }

        public int? Int(JsonElement o, string prefix, string name)
        {
            if (Property(o, prefix, name, JsonValueKind.Number) is not { } v) return null;
            if (v.TryGetInt32(out var i)) return i;
            errors[prefix + name] = ["must be a whole number"];
            return null;
        }

        public string? Text(JsonElement o, string prefix, string name)
        {
            if (Property(o, prefix, name, JsonValueKind.String) is not { } v) return null;
            var text = v.GetString()!;
            if (text.Length == 0) { errors[prefix + name] = ["is required"]; return null; }
            return text;
        }

        public T? Enum<T>(JsonElement o, string prefix, string name, params (string Text, T Value)[] values) where T : struct
        {
            if (Text(o, prefix, name) is not { } text) return null;
            foreach (var (t, value) in values)
                if (string.Equals(t, text, StringComparison.OrdinalIgnoreCase)) return value;
            errors[prefix + name] = [$"must be {string.Join(" or ", values.Select(v => v.Text))}"];
            return null;
        }

        public InterfaceAddress? Address(JsonElement o, string prefix, string name, bool withPrefix)
        {
            if (Text(o, prefix, name) is not { } text) return null;
            var slash = text.IndexOf('/');
            if (!withPrefix && slash >= 0) { errors[prefix + name] = ["must be an address without a prefix length"]; return null; }
            if (withPrefix && slash < 0) { errors[prefix + name] = ["must be an address with its prefix length (10.0.0.1/24)"]; return null; }
            var addressText = slash < 0 ? text : text[..slash];
            if (!NatGateway.Nat.IpMath.TryParseAddress(addressText, out var address))
            {
                errors[prefix + name] = [$"'{addressText}' is not an IP address"];
                return null;
            }
            var max = address!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
            var length = max;
            if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length)
                               || length < 1 || length > max))
            {
                errors[prefix + name] = [$"the prefix length must be 1..{max}"];
                return null;
            }
            return new InterfaceAddress(address, length);
        }

        /// <summary>0.01..40.95 s in 10 ms steps: VRRPv3's Max Advertisement Interval is a 12-bit count of centiseconds
        /// (RFC 5798 §5.2.7), and keepalived's <c>advert_int</c> takes it in seconds.</summary>
        public TimeSpan? Advert(JsonElement o, string name)
        {
            if (Property(o, "", name, JsonValueKind.Number) is not { } v) return null;
            if (!v.TryGetDecimal(out var seconds) || seconds < 0.01m || seconds > 40.95m)
            {
                errors[name] = ["must be between 0.01 and 40.95 seconds (VRRPv3 counts centiseconds in 12 bits)"];
                return null;
            }
            if (seconds * 100 != decimal.Truncate(seconds * 100))
            {
                errors[name] = ["must be a whole number of centiseconds (10 ms steps, e.g. 0.1 or 1)"];
                return null;
            }
            return TimeSpan.FromMilliseconds((double)(seconds * 1000));
        }

        public void Unknown(JsonElement o, string prefix, params string[] known)
        {
            foreach (var p in o.EnumerateObject())
                if (Array.IndexOf(known, p.Name) < 0) errors[prefix + p.Name] = ["unknown field"];
        }
    }

    internal static bool SameFamily(IPAddress a, IPAddress b) => a.AddressFamily == b.AddressFamily;
}
