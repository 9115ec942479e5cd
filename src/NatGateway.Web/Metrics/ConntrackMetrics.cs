using System.Globalization;
using NatGateway.Core.Conntrack;
using Prometheus;

namespace NatGateway.Web.Metrics;

/// <summary>
/// The conntrack table under node_exporter's names and meanings (collector/conntrack_linux.go), so that existing
/// dashboards and alerts work: entries and limit, and the per-CPU statistics summed over CPUs as gauges, as node_exporter
/// exports them. Plus natgw's own per-CPU clash_resolve and chaintoolong, which node_exporter does not read.
/// The values are <see cref="ConntrackMirrorService.CurrentStats"/>: its sampler reads <c>conntrack -C</c> and
/// <c>-S</c> (two small ctnetlink requests) once a second from host start, so a scrape costs no kernel read at all.
/// </summary>
public sealed class ConntrackMetrics : IScrapeCollector
{
    private readonly ConntrackMirrorService _conntrack;
    private readonly Gauge _entries, _limit, _found, _invalid, _ignore, _insert, _insertFailed, _drop, _earlyDrop, _searchRestart;
    private readonly Counter _clashResolve, _chainTooLong;

    public ConntrackMetrics(CollectorRegistry registry, ConntrackMirrorService conntrack)
    {
        _conntrack = conntrack;
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        // Names and help as node_exporter's conntrack collector has them.
        _entries = f.CreateGauge("node_nf_conntrack_entries", "Number of currently allocated flow entries for connection tracking.");
        _limit = f.CreateGauge("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.");
        _found = f.CreateGauge("node_nf_conntrack_stat_found", "Number of searched entries which were successful.");
        _invalid = f.CreateGauge("node_nf_conntrack_stat_invalid", "Number of packets seen which can not be tracked.");
        _ignore = f.CreateGauge("node_nf_conntrack_stat_ignore", "Number of packets seen which are already connected to a conntrack entry.");
        _insert = f.CreateGauge("node_nf_conntrack_stat_insert", "Number of entries inserted into the list.");
        _insertFailed = f.CreateGauge("node_nf_conntrack_stat_insert_failed", "Number of entries for which list insertion was attempted but failed.");
        _drop = f.CreateGauge("node_nf_conntrack_stat_drop", "Number of packets dropped due to conntrack failure.");
        _earlyDrop = f.CreateGauge("node_nf_conntrack_stat_early_drop", "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.");
        _searchRestart = f.CreateGauge("node_nf_conntrack_stat_search_restart", "Number of conntrack table lookups which had to be restarted due to hashtable resizes.");
        _clashResolve = f.CreateCounter("natgw_conntrack_clash_resolve_total",
            "Per CPU: inserts that clashed with an existing entry and were resolved by reusing it (nf_ct_resolve_clash; UDP/DNS races, SNAT).",
            new CounterConfiguration { LabelNames = ["cpu"] });
        _chainTooLong = f.CreateCounter("natgw_conntrack_chaintoolong_total",
            "Per CPU: inserts refused because a hash bucket's chain was too long (buckets far below the entry count).",
            new CounterConfiguration { LabelNames = ["cpu"] });
    }

    public string Name => "conntrack";

    public Task CollectAsync(CancellationToken ct)
    {
        var sample = _conntrack.CurrentStats;
        // Before the first sample (or while the kernel side is unreachable) there is nothing true to say: the families stay empty.
        if (sample.Time == DateTimeOffset.MinValue || sample.Error is not null)
        {
            foreach (var g in new[] { _entries, _limit, _found, _invalid, _ignore, _insert, _insertFailed, _drop, _earlyDrop, _searchRestart }) g.Unpublish();
            return Task.CompletedTask;
        }
        _entries.Set(sample.Entries);
        _entries.Publish();
        if (sample.Max is { } max)
        {
            _limit.Set(max);
            _limit.Publish();
        }
        else _limit.Unpublish();
        // Summed as node_exporter sums them (64-bit: the per-CPU counters are 32-bit, their sum may not fit).
        var cpus = sample.Counters;
        Set(_found, cpus.Sum(c => (double)c.Found));
        Set(_invalid, cpus.Sum(c => (double)c.Invalid));
        // The kernel stopped counting "ignore" in 2021 ("netfilter: conntrack: remove ignore stats"): ctnetlink no longer sends
        // CTA_STATS_IGNORE and /proc/net/stat/nf_conntrack prints 0 in its column, which node_exporter then exports. Same here.
        Set(_ignore, 0);
        Set(_insert, cpus.Sum(c => (double)c.Insert));
        Set(_insertFailed, cpus.Sum(c => (double)c.InsertFailed));
        Set(_drop, cpus.Sum(c => (double)c.Drop));
        Set(_earlyDrop, cpus.Sum(c => (double)c.EarlyDrop));
        Set(_searchRestart, cpus.Sum(c => (double)c.SearchRestart));
        foreach (var cpu in sample.Counters)
        {
            var label = cpu.Cpu.ToString(CultureInfo.InvariantCulture);
            Series.SetCounter(_clashResolve, cpu.ClashResolve, label);
            Series.SetCounter(_chainTooLong, cpu.ChainTooLong, label);
        }
        return Task.CompletedTask;
    }

    private static void Set(Gauge gauge, double value)
    {
        gauge.Set(value);
        gauge.Publish();
    }
}
