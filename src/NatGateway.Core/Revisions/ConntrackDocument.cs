using System.Text.Json;
using NatGateway.Core.Capacity;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Revisions;

/// <summary>
/// The conntrack part of a revision's state: nf_conntrack_max, nf_conntrack_buckets and the timeouts
/// (<c>{"conntrackMax": 262144, "buckets": 262144, "timeouts": {"nf_conntrack_udp_timeout": 30}}</c>).
/// </summary>
internal static class ConntrackDocument
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The kernel's current values of every key the Capacity page manages (missing keys are left out).</summary>
    public static CapacityApplyRequest Capture(ISysctl sysctl)
    {
        long? Long(SysctlKey key) => long.TryParse(sysctl.TryRead(key), out var v) ? v : null;
        var timeouts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in ConntrackSysctls.TimeoutDefaults.Keys)
            if (int.TryParse(sysctl.TryRead(ConntrackSysctls.Timeout(name)), out var seconds)) timeouts[name] = seconds;
        return new CapacityApplyRequest { ConntrackMax = Long(ConntrackSysctls.Max), Buckets = Long(ConntrackSysctls.Buckets), Timeouts = timeouts };
    }

    /// <summary><paramref name="change"/>'s values over <paramref name="current"/> (a full state).</summary>
    public static CapacityApplyRequest Merge(CapacityApplyRequest current, CapacityApplyRequest change) => new()
    {
        ConntrackMax = change.ConntrackMax ?? current.ConntrackMax,
        Buckets = change.Buckets ?? current.Buckets,
        Timeouts = current.Timeouts.Concat(change.Timeouts).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value),
        Persist = change.Persist,
    };

    public static string Serialize(CapacityApplyRequest state) =>
        JsonSerializer.Serialize(new { state.ConntrackMax, state.Buckets, Timeouts = new SortedDictionary<string, int>(state.Timeouts.ToDictionary(), StringComparer.Ordinal) }, Json);

    public static CapacityApplyRequest? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        return JsonSerializer.Deserialize<CapacityApplyRequest>(json, Json) ?? throw new InvalidDataException("stored conntrack state is unreadable");
    }

    /// <summary>Lines like "nf_conntrack_max: 262144 → 524288".</summary>
    public static List<string> Diff(CapacityApplyRequest? a, CapacityApplyRequest? b)
    {
        var lines = new List<string>();
        void Line(string key, object? x, object? y)
        {
            if (!Equals(x, y)) lines.Add($"{key}: {x?.ToString() ?? "∅"} → {y?.ToString() ?? "∅"}");
        }
        Line("nf_conntrack_max", a?.ConntrackMax, b?.ConntrackMax);
        Line("nf_conntrack_buckets", a?.Buckets, b?.Buckets);
        foreach (var name in (a?.Timeouts.Keys ?? []).Union(b?.Timeouts.Keys ?? []).Order(StringComparer.Ordinal))
            Line(name, a?.Timeouts.TryGetValue(name, out var x) == true ? x : null, b?.Timeouts.TryGetValue(name, out var y) == true ? y : null);
        return lines;
    }
}
