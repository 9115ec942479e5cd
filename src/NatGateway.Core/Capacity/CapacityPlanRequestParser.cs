using System.Globalization;
using System.Text.Json;
using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Model;
using NatGateway.Capacity.Output;
using NatGateway.Capacity.Planning;

namespace NatGateway.Core.Capacity;

/// <summary>
/// Turns the inputs of <c>natgw plan --entries 500000 --budget 512MiB ...</c>, of GET /api/v1/capacity/plan?entries=500000
/// and of the POST body into a <see cref="CapacityPlanRequest"/>, or per-field error messages. One parser so the
/// CLI, the API and the page accept the same values.
/// </summary>
public static class CapacityPlanRequestParser
{
    /// <summary>Field names as query parameters (the CLI uses them in kebab case: tcpRate → --tcp-rate).</summary>
    public static IReadOnlyList<string> Fields { get; } =
    [
        "entries", "tcpRate", "udpRate", "icmpRate", "otherRate", "tcpDuration", "tcpUnanswered", "udpStreamFraction",
        "udpStreamDuration", "budget", "budgetShare", "peak", "loadFactor", "extensions", "masquerade", "eventListener",
        "snatPorts", "snatAddresses", "snatFlows",
    ];

    // Request property paths (as Validate reports them) → the query field that sets them.
    private static readonly Dictionary<string, string> QueryFieldOf = new(StringComparer.Ordinal)
    {
        ["expectedEntries"] = "entries", ["rates.tcpPerSecond"] = "tcpRate", ["rates.udpPerSecond"] = "udpRate",
        ["rates.icmpPerSecond"] = "icmpRate", ["rates.otherPerSecond"] = "otherRate", ["rates.tcpMeanDurationSeconds"] = "tcpDuration",
        ["rates.tcpUnansweredFraction"] = "tcpUnanswered", ["rates.udpStreamFraction"] = "udpStreamFraction",
        ["rates.udpStreamMeanDurationSeconds"] = "udpStreamDuration", ["memoryBudgetBytes"] = "budget",
        ["memoryBudgetShareOfRam"] = "budgetShare", ["peakFactor"] = "peak", ["targetLoadFactor"] = "loadFactor",
        ["snatAddresses"] = "snatAddresses", ["snatTargetFlowsPerDestination"] = "snatFlows",
    };

    /// <summary>Parses named text values (query string or CLI options); absent or empty values keep the defaults.</summary>
    public static (CapacityPlanRequest? Request, Dictionary<string, string[]> Errors) Parse(IReadOnlyDictionary<string, string?> values)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var unknown in values.Keys.Where(k => !Fields.Contains(k)))
            errors[unknown] = [$"unknown input; known: {string.Join(", ", Fields)}"];
        string? Text(string name) => values.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        double? Number(string name)
        {
            if (Text(name) is not { } text) return null;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return d;
            errors[name] = [$"'{text}' is not a number"];
            return null;
        }
        long? Integer(string name)
        {
            if (Text(name) is not { } text) return null;
            if (long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return l;
            errors[name] = [$"'{text}' is not a whole number"];
            return null;
        }
        bool Flag(string name)
        {
            if (Text(name) is not { } text) return values.ContainsKey(name) && values[name] is not null; // a bare "--masquerade" / "?masquerade"
            if (bool.TryParse(text, out var b)) return b;
            if (text is "1" or "yes" or "on") return true;
            if (text is "0" or "no" or "off") return false;
            errors[name] = [$"'{text}' is not true or false"];
            return false;
        }

        var rates = new ConnectionRates();
        var anyRate = false;
        double? Rate(string name) { var v = Number(name); anyRate |= v is not null; return v; }
        var tcp = Rate("tcpRate"); var udp = Rate("udpRate"); var icmp = Rate("icmpRate"); var other = Rate("otherRate");
        var tcpDuration = Number("tcpDuration"); var unanswered = Fraction("tcpUnanswered");
        var streamFraction = Fraction("udpStreamFraction"); var streamDuration = Number("udpStreamDuration");
        rates = rates with
        {
            TcpPerSecond = tcp ?? 0, UdpPerSecond = udp ?? 0, IcmpPerSecond = icmp ?? 0, OtherPerSecond = other ?? 0,
            TcpMeanDurationSeconds = tcpDuration ?? rates.TcpMeanDurationSeconds,
            TcpUnansweredFraction = unanswered ?? rates.TcpUnansweredFraction,
            UdpStreamFraction = streamFraction ?? rates.UdpStreamFraction,
            UdpStreamMeanDurationSeconds = streamDuration ?? rates.UdpStreamMeanDurationSeconds,
        };

        long? budget = null;
        if (Text("budget") is { } budgetText)
        {
            if (TryParseBytes(budgetText, out var bytes)) budget = bytes;
            else errors["budget"] = [$"'{budgetText}' is not a size: give bytes or a number with KiB, MiB, GiB, TiB (or KB, MB, GB, TB)"];
        }

        ConntrackExtensions? extensions = null;
        if (Text("extensions") is { } extText && !extText.Equals("kernel", StringComparison.OrdinalIgnoreCase))
        {
            if (TryParseExtensions(extText, out var set)) extensions = set;
            else errors["extensions"] = [$"'{extText}' is not a list of extensions; give 'kernel', 'none' or names from {string.Join(", ", Enum.GetNames<ConntrackExtensions>().Skip(1))}"];
        }

        PortRange? snatPorts = null;
        if (Text("snatPorts") is { } portsText)
        {
            try { snatPorts = PortRange.Parse(portsText); }
            catch (FormatException e) { errors["snatPorts"] = [$"{e.Message}; give first-last, e.g. 1024-65535"]; }
        }

        var snatAddresses = Integer("snatAddresses") ?? 1;
        if (snatAddresses > int.MaxValue) errors["snatAddresses"] = [$"at most {int.MaxValue:N0} addresses"];
        var request = new CapacityPlanRequest
        {
            ExpectedEntries = Integer("entries"),
            Rates = anyRate ? rates : null,
            MemoryBudgetBytes = budget,
            MemoryBudgetShareOfRam = Share("budgetShare"),
            PeakFactor = Number("peak") ?? 1.0,
            TargetLoadFactor = Number("loadFactor") ?? 1.0,
            Extensions = extensions,
            Masquerade = Flag("masquerade"),
            EventListener = Flag("eventListener"),
            SnatPortRange = snatPorts,
            // Out of int range is an error above (no request comes back), not a silently smaller number.
            SnatAddresses = (int)Math.Clamp(snatAddresses, int.MinValue, int.MaxValue),
            SnatTargetFlowsPerDestination = Integer("snatFlows"),
        };
        foreach (var (path, messages) in Validate(request))
        {
            var field = QueryFieldOf.GetValueOrDefault(path, path);
            errors.TryAdd(field, messages);
        }
        return (errors.Count == 0 ? request : null, errors);

        double? Fraction(string name)
        {
            if (Text(name) is { } t && t.EndsWith('%'))
                return double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p / 100 : Bad(name, t);
            return Number(name);
        }
        double? Share(string name) => Fraction(name);
        double? Bad(string name, string text) { errors[name] = [$"'{text}' is not a number or percentage"]; return null; }
    }

    /// <summary>Reads a POST body (camelCase JSON, <see cref="CapacityPlanJson.DeserializeRequest"/>) and validates it; errors are keyed by property path.</summary>
    public static (CapacityPlanRequest? Request, Dictionary<string, string[]> Errors) ParseJson(string body)
    {
        CapacityPlanRequest? request;
        try
        {
            request = CapacityPlanJson.DeserializeRequest(body);
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            return (null, new Dictionary<string, string[]> { [path] = [$"not valid here: {FirstLine(e.Message)}"] });
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or NotSupportedException)
        {
            return (null, new Dictionary<string, string[]> { ["body"] = [e.Message] });
        }
        if (request is null)
            return (null, new Dictionary<string, string[]> { ["body"] = ["a JSON object is required"] });
        var errors = Validate(request);
        return (errors.Count == 0 ? request : null, errors);
    }

    /// <summary>Range checks with the request's JSON property paths (expectedEntries, rates.tcpPerSecond, ...).</summary>
    public static Dictionary<string, string[]> Validate(CapacityPlanRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Check(bool bad, string field, string message) { if (bad) errors.TryAdd(field, [message]); }

        Check(request.ExpectedEntries is < 0, "expectedEntries", "expected entries cannot be negative");
        Check(request.ExpectedEntries is > int.MaxValue, "expectedEntries", $"nf_conntrack_max is a 32-bit sysctl: at most {int.MaxValue:N0}");
        Check(request.MemoryBudgetBytes is <= 0, "memoryBudgetBytes", "the memory budget must be positive");
        Check(request.MemoryBudgetShareOfRam is <= 0 or > 1, "memoryBudgetShareOfRam", "the share of RAM is above 0 and at most 1 (100%)");
        Check(!(request.PeakFactor >= 1) || double.IsInfinity(request.PeakFactor), "peakFactor", "the peak factor is at least 1 (1 = the expected load already is the peak)");
        Check(!(request.TargetLoadFactor > 0) || request.TargetLoadFactor > 64, "targetLoadFactor", "the target load factor (entries per bucket) is above 0 and at most 64");
        Check(request.SnatAddresses < 1, "snatAddresses", "at least one translated address");
        Check(request.SnatTargetFlowsPerDestination is < 1, "snatTargetFlowsPerDestination", "the target flows per destination must be positive");
        if (request.Rates is { } r)
        {
            foreach (var (name, value) in new[] { ("tcpPerSecond", r.TcpPerSecond), ("udpPerSecond", r.UdpPerSecond), ("icmpPerSecond", r.IcmpPerSecond), ("otherPerSecond", r.OtherPerSecond) })
                Check(!(value >= 0) || double.IsInfinity(value), $"rates.{name}", "a connection rate is a number ≥ 0");
            Check(!(r.TcpMeanDurationSeconds >= 0), "rates.tcpMeanDurationSeconds", "a duration cannot be negative");
            Check(!(r.UdpStreamMeanDurationSeconds >= 0), "rates.udpStreamMeanDurationSeconds", "a duration cannot be negative");
            Check(r.TcpUnansweredFraction is < 0 or > 1 or double.NaN, "rates.tcpUnansweredFraction", "a fraction is between 0 and 1");
            Check(r.UdpStreamFraction is < 0 or > 1 or double.NaN, "rates.udpStreamFraction", "a fraction is between 0 and 1");
        }
        // "ruleTimeouts": null in a body leaves the list null despite its type.
        var loads = request.RuleTimeouts ?? [];
        for (var i = 0; i < loads.Count; i++)
        {
            var load = loads[i];
            var at = $"ruleTimeouts[{i}]";
            Check(string.IsNullOrWhiteSpace(load.Rule), $"{at}.rule", "name the rule");
            Check(!(load.TcpPerSecond >= 0) || double.IsInfinity(load.TcpPerSecond), $"{at}.tcpPerSecond", "a connection rate is a number ≥ 0");
            Check(!(load.UdpPerSecond >= 0) || double.IsInfinity(load.UdpPerSecond), $"{at}.udpPerSecond", "a connection rate is a number ≥ 0");
            Check(load.TcpIdleOutFraction is < 0 or > 1 or double.NaN, $"{at}.tcpIdleOutFraction", "a fraction is between 0 and 1");
            foreach (var (name, seconds) in new[] { ("tcpEstablishedSeconds", load.TcpEstablishedSeconds), ("udpUnrepliedSeconds", load.UdpUnrepliedSeconds), ("udpRepliedSeconds", load.UdpRepliedSeconds) })
                Check(seconds is < 1, $"{at}.{name}", "a timeout is at least 1 s");
        }
        Check(loads.Count > 0 && request.Rates is null, "ruleTimeouts", "rule timeout policies change a rate-based estimate: give connection rates too");
        if (request.ExpectedEntries is null && request.Rates is null && request.MemoryBudgetBytes is null && request.MemoryBudgetShareOfRam is null)
            errors.TryAdd("expectedEntries", ["give expected entries, connection rates or a memory budget"]);
        return errors;
    }

    /// <summary>"536870912", "512MiB", "512M" (binary), "0.5GB" (decimal).</summary>
    public static bool TryParseBytes(string text, out long bytes)
    {
        bytes = 0;
        var t = text.Trim().Replace("_", "", StringComparison.Ordinal);
        var split = t.Length;
        while (split > 0 && char.IsLetter(t[split - 1])) split--;
        var unit = t[split..].ToUpperInvariant();
        double multiplier = unit switch
        {
            "" or "B" => 1,
            "K" or "KIB" => 1L << 10, "M" or "MIB" => 1L << 20, "G" or "GIB" => 1L << 30, "T" or "TIB" => 1L << 40,
            "KB" => 1e3, "MB" => 1e6, "GB" => 1e9, "TB" => 1e12,
            _ => double.NaN,
        };
        if (double.IsNaN(multiplier) ||
            !double.TryParse(t[..split].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ||
            !double.IsFinite(number) || number * multiplier > long.MaxValue)
            return false;
        bytes = (long)Math.Round(number * multiplier);
        return true;
    }

    /// <summary>"nat,acct" or "none"; names of <see cref="ConntrackExtensions"/>, case-insensitive.</summary>
    public static bool TryParseExtensions(string text, out ConntrackExtensions set)
    {
        set = ConntrackExtensions.None;
        foreach (var name in text.Split([',', ' ', '|', '+'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Enum.TryParse<ConntrackExtensions>(name, ignoreCase: true, out var one) || int.TryParse(name, out _)) return false;
            set |= one;
        }
        return true;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
