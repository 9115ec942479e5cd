using NatGateway.Core.Rules;
using NatGateway.Data;
using NatGateway.Web.Api;
using Prometheus;

namespace NatGateway.Web.Metrics;

/// <summary>
/// Packets and bytes per NAT rule, labelled with the rule's name. The counters come from <see cref="RuleCountersCache"/>
/// (one listing of our nftables table shared with the rules API: fresh for 2 s, older ones served while a new read runs),
/// so a scrape does not list the table itself. Cardinality is bounded: the <see cref="MaxRules"/> rules with the most
/// packets get their own series, the rest are summed under <c>rule="_other"</c>.
/// </summary>
public sealed class RuleMetrics : IScrapeCollector
{
    /// <summary>Rules with their own series; a gateway with 10,000 port forwards must not make 20,000 series.</summary>
    public const int MaxRules = 500;

    /// <summary>The label of the rules beyond <see cref="MaxRules"/>, summed.</summary>
    public const string OtherLabel = "_other";

    private readonly RuleCountersCache _counters;
    private readonly NatRulesService _rules;
    private readonly DatabaseChangeStamp _changes;
    private readonly Counter _packets, _bytes;
    private readonly Gauge _ruleCount;
    private (long Stamp, IReadOnlyDictionary<Guid, string> Names)? _names;

    public RuleMetrics(CollectorRegistry registry, RuleCountersCache counters, NatRulesService rules, DatabaseChangeStamp changes)
    {
        _counters = counters;
        _rules = rules;
        _changes = changes;
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _packets = f.CreateCounter("natgw_rule_packets_total",
            $"Packets matched by a NAT rule (its nftables counter), by rule name; beyond the {MaxRules} busiest rules summed under rule=\"{OtherLabel}\".",
            new CounterConfiguration { LabelNames = ["rule"] });
        _bytes = f.CreateCounter("natgw_rule_bytes_total",
            $"Bytes matched by a NAT rule (its nftables counter), by rule name; beyond the {MaxRules} busiest rules summed under rule=\"{OtherLabel}\".",
            new CounterConfiguration { LabelNames = ["rule"] });
        _ruleCount = f.CreateGauge("natgw_rules_in_kernel", "NAT rules with a counter in natgw's nftables table.");
    }

    public string Name => "rules";

    public async Task CollectAsync(CancellationToken ct)
    {
        var counters = await _counters.ReadAsync();
        var names = await NamesAsync(ct);
        var series = Bound(counters.Values.Select(c => (Name: names.GetValueOrDefault(c.RuleId) ?? c.RuleId.ToString(), c.Packets, c.Bytes)));
        foreach (var (name, packets, bytes) in series)
        {
            Series.SetCounter(_packets, packets, name);
            Series.SetCounter(_bytes, bytes, name);
        }
        var keep = series.Select(s => new[] { s.Name }).ToList();
        Series.RemoveOthers(_packets, keep);
        Series.RemoveOthers(_bytes, keep);
        _ruleCount.Set(counters.Count);
    }

    /// <summary>The <see cref="MaxRules"/> busiest by packets (ties by name, so the choice is stable), the rest summed as
    /// <see cref="OtherLabel"/>. Two rules with one name (names are unique, but a renamed draft may meet the kernel's) are summed.</summary>
    public static IReadOnlyList<(string Name, long Packets, long Bytes)> Bound(IEnumerable<(string Name, long Packets, long Bytes)> rules, int max = MaxRules)
    {
        var merged = rules.GroupBy(r => r.Name, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Packets: g.Sum(r => r.Packets), Bytes: g.Sum(r => r.Bytes)))
            .OrderByDescending(r => r.Packets).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        if (merged.Count <= max) return merged;
        var rest = merged.Skip(max).ToList();
        return [.. merged.Take(max), (OtherLabel, rest.Sum(r => r.Packets), rest.Sum(r => r.Bytes))];
    }

    /// <summary>Rule names by id, read again only after a database commit (<see cref="DatabaseChangeStamp"/>).</summary>
    private async Task<IReadOnlyDictionary<Guid, string>> NamesAsync(CancellationToken ct)
    {
        var stamp = _changes.Current();
        if (_names is { } cached && cached.Stamp == stamp) return cached.Names;
        var names = (await _rules.ListAsync(ct)).GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.First().Name);
        _names = (stamp, names);
        return names;
    }
}
