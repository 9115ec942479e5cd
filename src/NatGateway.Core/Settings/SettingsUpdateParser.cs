using System.Text.Json;

namespace NatGateway.Core.Settings;

/// <summary>
/// Reads a PUT /api/v1/settings body field by field, so a wrong type or value is reported against the
/// field that carries it (e.g. <c>rpFilter.interfaces.eth0</c>) instead of as one opaque binding error.
/// </summary>
public static class SettingsUpdateParser
{
    public static (SettingsUpdate? Update, Dictionary<string, string[]> Errors) Parse(string json)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            errors["body"] = [$"the body is not valid JSON: {e.Message}"];
            return (null, errors);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors["body"] = ["the body must be a JSON object"];
                return (null, errors);
            }
            bool? v4 = null, v6 = null, persist = null;
            int? all = null, dflt = null;
            var interfaces = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                switch (prop.Name)
                {
                    case "ipv4Forwarding": v4 = ReadBool(prop, "ipv4Forwarding", errors); break;
                    case "ipv6Forwarding": v6 = ReadBool(prop, "ipv6Forwarding", errors); break;
                    case "persist": persist = ReadBool(prop, "persist", errors); break;
                    case "rpFilter":
                        if (prop.Value.ValueKind == JsonValueKind.Null) break;
                        if (prop.Value.ValueKind != JsonValueKind.Object)
                        {
                            errors["rpFilter"] = ["must be an object like {\"all\": 2, \"default\": 1, \"interfaces\": {\"eth0\": 1}}"];
                            break;
                        }
                        foreach (var rp in prop.Value.EnumerateObject())
                        {
                            switch (rp.Name)
                            {
                                case "all": all = ReadMode(rp.Value, "rpFilter.all", errors); break;
                                case "default": dflt = ReadMode(rp.Value, "rpFilter.default", errors); break;
                                case "interfaces":
                                    if (rp.Value.ValueKind == JsonValueKind.Null) break;
                                    if (rp.Value.ValueKind != JsonValueKind.Object)
                                    {
                                        errors["rpFilter.interfaces"] = ["must be an object mapping interface names to 0, 1 or 2"];
                                        break;
                                    }
                                    foreach (var iface in rp.Value.EnumerateObject())
                                    {
                                        var field = $"rpFilter.interfaces.{iface.Name}";
                                        if (!InterfaceNames.IsValid(iface.Name))
                                        {
                                            errors[field] = [$"'{iface.Name}' is not a valid interface name"];
                                            continue;
                                        }
                                        if (ReadMode(iface.Value, field, errors) is { } mode) interfaces[iface.Name] = mode;
                                    }
                                    break;
                                default:
                                    errors[$"rpFilter.{rp.Name}"] = ["unknown field; expected all, default or interfaces"];
                                    break;
                            }
                        }
                        break;
                    default:
                        errors[prop.Name] = ["unknown field; expected ipv4Forwarding, ipv6Forwarding, rpFilter or persist"];
                        break;
                }
            }
            if (errors.Count > 0) return (null, errors);
            var update = new SettingsUpdate
            {
                Ipv4Forwarding = v4, Ipv6Forwarding = v6, RpFilterAll = all, RpFilterDefault = dflt,
                RpFilterInterfaces = interfaces, Persist = persist ?? false,
            };
            return (update, errors);
        }
    }

    private static bool? ReadBool(JsonProperty prop, string field, Dictionary<string, string[]> errors)
    {
        switch (prop.Value.ValueKind)
        {
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Null: return null;
            default:
                errors[field] = [$"must be true or false, not {Describe(prop.Value)}"];
                return null;
        }
    }

    private static int? ReadMode(JsonElement value, string field, Dictionary<string, string[]> errors)
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n is >= 0 and <= 2) return n;
        errors[field] = [$"must be 0 (off), 1 (strict) or 2 (loose), not {Describe(value)}"];
        return null;
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"\"{e.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => e.GetRawText(),
    };
}

/// <summary>Linux interface names: 1–15 bytes, no '/', whitespace or ':' (dev_valid_name), and not . or ..</summary>
public static class InterfaceNames
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 15 && name != "." && name != ".."
        && name.All(c => c > ' ' && c < 127 && c != '/' && c != ':');
}
