using System.Globalization;
using System.Text.Json;
using NatGateway.Nftables;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// The forward-hook base chains of the tables that are not NatGateway's, read with <c>nft -j list chains</c> and <c>list table</c> through
/// libnftables (a fixed JSON list command: nothing from a user reaches it) and parsed into <see cref="ForeignForwardChain"/>s.
/// Read only: the only commands ever sent are <c>list chains</c> and <c>list table</c> of a table that is not ours and
/// has a forward filter chain (our own tables are never listed: with 10,000 forwards they are the bulk of the ruleset,
/// and lint runs on every pending read). Not <c>list tables</c>: nft 1.0.6 fills its whole cache for it, set elements
/// included, which with our 10,000 map elements took 107 ms against 7 ms for <c>list chains</c> (measured here with
/// <c>nft -j</c>). A context is made per call so the answer is for the network namespace of the calling thread, like
/// the netlink readers beside this one.
/// </summary>
public static class ForeignForwardChains
{
    /// <summary><c>list chains</c> as libnftables JSON input (1.0.6 parses JSON input only with JSON output on).</summary>
    private const string ListChains = """{"nftables":[{"list":{"chains":null}}]}""";

    public static IReadOnlyList<ForeignForwardChain> Read(NatCompileOptions ours)
    {
        using var backend = new LibNftablesBackend();
        var chains = new List<ForeignForwardChain>();
        foreach (var (family, name) in ForeignTables(backend.Run(ListChains, json: true), ours))
            chains.AddRange(Parse(backend.Run(ListTable(family, name), json: true), ours));
        // The kernel runs the hook's chains by priority (lower first; nf_hook_entries_insert_raw keeps them sorted).
        return chains.OrderBy(c => c.Priority).ToList();
    }

    /// <summary>The ip/ip6/inet tables of a <c>list chains</c> answer that are not ours and have a forward filter chain.</summary>
    internal static IReadOnlyList<(string Family, string Name)> ForeignTables(string json, NatCompileOptions ours)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        using var document = JsonDocument.Parse(json);
        var tables = new List<(string Family, string Name)>();
        foreach (var item in document.RootElement.GetProperty("nftables").EnumerateArray())
            if (item.TryGetProperty("chain", out var chain) && Text(chain, "hook") == "forward" && Text(chain, "type") == "filter")
            {
                var table = (Family: Text(chain, "family"), Name: Text(chain, "table"));
                if (FamilyOf(table.Family) is not null && !IsOurs(table.Family, table.Name, ours) && !tables.Contains(table)) tables.Add(table);
            }
        return tables;
    }

    /// <summary><c>list table FAMILY NAME</c> as typed JSON (the name is the kernel's, written as a JSON string).</summary>
    private static string ListTable(string family, string name)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("nftables");
            w.WriteStartObject();
            w.WriteStartObject("list");
            w.WriteStartObject("table");
            w.WriteString("family", family);
            w.WriteString("name", name);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Whether a table is one of ours: the NAT tables the apply pipeline owns, or a helper table named natgw_*
    /// (the live tracer's <c>table inet natgw_trace</c>).</summary>
    public static bool IsOurs(string family, string table, NatCompileOptions ours) =>
        (family == "ip" && table == ours.Ipv4Table) || (family == "ip6" && table == ours.Ipv6Table)
        || (family == NatRulesetCompiler.TimeoutTableFamily && table == ours.TimeoutTable)
        || table.StartsWith("natgw_", StringComparison.Ordinal);

    public static IReadOnlyList<ForeignForwardChain> Parse(string json, NatCompileOptions ours)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        using var document = JsonDocument.Parse(json);
        var chains = new List<(ForeignTableFamily Family, string Table, string Chain, int Priority, ForeignChainPolicy Policy)>();
        var rules = new Dictionary<(string, string, string), List<ForeignRule>>();
        foreach (var item in document.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("chain", out var chain))
            {
                var family = Text(chain, "family");
                var table = Text(chain, "table");
                if (FamilyOf(family) is not { } f || IsOurs(family, table, ours)) continue;
                if (Text(chain, "hook") != "forward" || Text(chain, "type") != "filter") continue;
                var priority = chain.TryGetProperty("prio", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : 0;
                var policy = Text(chain, "policy") == "drop" ? ForeignChainPolicy.Drop : ForeignChainPolicy.Accept;
                chains.Add((f, table, Text(chain, "name"), priority, policy));
            }
            else if (item.TryGetProperty("rule", out var rule))
            {
                var key = (Text(rule, "family"), Text(rule, "table"), Text(rule, "chain"));
                if (!rules.TryGetValue(key, out var list)) rules[key] = list = [];
                list.Add(ParseRule(rule));
            }
        }
        return chains
            .Select(c => new ForeignForwardChain(c.Family, c.Table, c.Chain, c.Priority, c.Policy,
                rules.GetValueOrDefault((c.Family.ToString().ToLowerInvariant(), c.Table, c.Chain)) ?? []))
            // The kernel runs the hook's chains by priority (lower first; nf_hook_entries_insert_raw keeps them sorted).
            .OrderBy(c => c.Priority)
            .ToList();
    }

    private static ForeignTableFamily? FamilyOf(string family) => family switch
    {
        "ip" => ForeignTableFamily.Ip,
        "ip6" => ForeignTableFamily.Ip6,
        "inet" => ForeignTableFamily.Inet,
        _ => null,
    };

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    public static ForeignRule ParseRule(JsonElement rule)
    {
        var handle = rule.TryGetProperty("handle", out var h) && h.ValueKind == JsonValueKind.Number ? h.GetInt64() : 0;
        var matches = new List<ForeignMatch>();
        var verdict = ForeignVerdict.Continue;
        if (rule.TryGetProperty("expr", out var expressions) && expressions.ValueKind == JsonValueKind.Array)
            foreach (var statement in expressions.EnumerateArray())
            {
                if (statement.ValueKind != JsonValueKind.Object) continue;
                foreach (var property in statement.EnumerateObject())
                    switch (property.Name)
                    {
                        case "match": matches.AddRange(ParseMatch(property.Value)); break;
                        case "accept": verdict = ForeignVerdict.Accept; break;
                        case "drop": verdict = ForeignVerdict.Drop; break;
                        case "reject": verdict = ForeignVerdict.Reject; break;
                        case "jump" or "goto" or "return" or "queue": verdict = ForeignVerdict.Other; break;
                        // Statements that neither match nor decide: the packet goes on.
                        case "counter" or "log" or "mangle" or "notrack" or "comment": break;
                        default:
                            // limit, quota and anything lint does not know may stop a rule from matching: noted as an
                            // unknown selector so a rule with it is never taken for a certain verdict.
                            matches.Add(new ForeignMatch(ForeignMatchField.Unknown, false, [], property.Name));
                            break;
                    }
            }
        return new ForeignRule(handle, matches, verdict);
    }

    private static IEnumerable<ForeignMatch> ParseMatch(JsonElement match)
    {
        var op = match.TryGetProperty("op", out var o) ? o.GetString() : "==";
        var negated = op == "!=";
        var text = match.GetRawText();
        if (op is not ("==" or "!=" or "in") || !match.TryGetProperty("left", out var left) || !match.TryGetProperty("right", out var right))
        {
            yield return new ForeignMatch(ForeignMatchField.Unknown, false, [], text);
            yield break;
        }
        var values = Values(right);
        if (values is null)
        {
            yield return new ForeignMatch(ForeignMatchField.Unknown, false, [], text);
            yield break;
        }
        if (left.TryGetProperty("meta", out var meta))
        {
            var field = Text(meta, "key") switch
            {
                "l4proto" => ForeignMatchField.L4Protocol,
                "iifname" => ForeignMatchField.InInterface,
                "oifname" => ForeignMatchField.OutInterface,
                _ => ForeignMatchField.Unknown,
            };
            yield return new ForeignMatch(field, negated, values, text);
        }
        else if (left.TryGetProperty("ct", out var ct))
        {
            // "ct original ip daddr" and friends carry a "dir": not a state or status selector.
            var field = ct.TryGetProperty("dir", out _) ? ForeignMatchField.Unknown : Text(ct, "key") switch
            {
                "state" => ForeignMatchField.CtState,
                "status" => ForeignMatchField.CtStatus,
                _ => ForeignMatchField.Unknown,
            };
            yield return new ForeignMatch(field, negated, values, text);
        }
        else if (left.TryGetProperty("payload", out var payload))
        {
            var protocol = Text(payload, "protocol");
            var name = Text(payload, "field");
            switch (protocol, name)
            {
                case ("ip" or "ip6", "daddr"):
                    yield return new ForeignMatch(ForeignMatchField.DestinationAddress, negated, values, text);
                    break;
                case ("ip" or "ip6", "saddr"):
                    yield return new ForeignMatch(ForeignMatchField.SourceAddress, negated, values, text);
                    break;
                case ("ip", "protocol") or ("ip6", "nexthdr"):
                    yield return new ForeignMatch(ForeignMatchField.L4Protocol, negated, values, text);
                    break;
                case ("tcp" or "udp" or "th", "dport"):
                    // "tcp dport 80" also means "meta l4proto tcp" (nft adds that dependency and prints it away again).
                    if (protocol != "th") yield return new ForeignMatch(ForeignMatchField.L4Protocol, false, [protocol], text);
                    yield return new ForeignMatch(ForeignMatchField.DestinationPort, negated, values, text);
                    break;
                default:
                    yield return new ForeignMatch(ForeignMatchField.Unknown, negated, values, text);
                    break;
            }
        }
        else yield return new ForeignMatch(ForeignMatchField.Unknown, negated, values, text);
    }

    /// <summary>The right side as value texts: a string, number, prefix, range or set of those; null for anything else.</summary>
    private static List<string>? Values(JsonElement right)
    {
        switch (right.ValueKind)
        {
            case JsonValueKind.String: return [right.GetString()!];
            case JsonValueKind.Number: return [right.GetRawText()];
            case JsonValueKind.Array:
                {
                    var all = new List<string>();
                    foreach (var e in right.EnumerateArray())
                        if (Values(e) is { } v) all.AddRange(v);
                        else return null;
                    return all;
                }
            case JsonValueKind.Object:
                if (right.TryGetProperty("set", out var set)) return Values(set);
                if (right.TryGetProperty("prefix", out var prefix) && prefix.TryGetProperty("addr", out var addr) && prefix.TryGetProperty("len", out var len))
                    return [$"{addr.GetString()}/{len.GetInt32().ToString(CultureInfo.InvariantCulture)}"];
                if (right.TryGetProperty("range", out var range) && range.ValueKind == JsonValueKind.Array && range.GetArrayLength() == 2)
                {
                    var ends = range.EnumerateArray().Select(Values).ToList();
                    return ends.All(e => e is { Count: 1 }) ? [$"{ends[0]![0]}-{ends[1]![0]}"] : null;
                }
                return null;
            default: return null;
        }
    }
}
