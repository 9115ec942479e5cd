using NatGateway.Core.Conntrack;
using NatGateway.Core.Doctor;
using Prometheus;

namespace NatGateway.Web.Metrics;

/// <summary>
/// SNAT port use per translated (public) address, from the doctor's port meter (<see cref="IConntrackDoctorFacts"/>),
/// which counts the conntrack mirror's SNAT entries per address and destination. The kernel needs a free source port per
/// destination tuple, so an address is as full as its fullest destination: the series give that destination's ports in
/// use, the ports the rule's range allows, and their ratio. Read only while the mirror is live (a scrape must never cost a
/// dump of the table) and at most every <see cref="CacheFor"/>; where the meter is not available the family is empty.
/// </summary>
public sealed class SnatMetrics : IScrapeCollector
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>Address/destination pairs asked of the meter (fullest first).</summary>
    public const int MeterLimit = 10_000;

    /// <summary>Translated addresses with their own series: a masquerade over a /24 pool is 256.</summary>
    public const int MaxAddresses = 1024;

    private readonly IConntrackDoctorFacts _facts;
    private readonly ConntrackMirrorService _conntrack;
    private readonly ScrapeCache<IReadOnlyList<SnatPortUse>?> _cache;
    private readonly Gauge _inUse, _available, _ratio;

    public SnatMetrics(CollectorRegistry registry, IConntrackDoctorFacts facts, ConntrackMirrorService conntrack, TimeProvider clock)
    {
        _facts = facts;
        _conntrack = conntrack;
        _cache = new ScrapeCache<IReadOnlyList<SnatPortUse>?>(CacheFor, clock);
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        var labels = new GaugeConfiguration { LabelNames = ["address"] };
        _inUse = f.CreateGauge("natgw_snat_ports_in_use", "Source ports in use on a translated address towards its busiest destination (address, port, protocol).", labels);
        _available = f.CreateGauge("natgw_snat_ports_available", "Source ports the SNAT/masquerade rule's range allows on that address and destination.", labels);
        _ratio = f.CreateGauge("natgw_snat_port_use_ratio", "Ports in use / ports available on a translated address, for its fullest destination (0..1).", labels);
    }

    public string Name => "snat";

    public async Task CollectAsync(CancellationToken ct)
    {
        var use = _conntrack.IsStarted ? await _cache.GetAsync(ReadAsync, ct) : null;
        var fullest = (use ?? [])
            .GroupBy(u => u.TranslatedAddress)
            .Select(g => g.OrderByDescending(u => u.Fill).ThenByDescending(u => u.InUse).First())
            .OrderByDescending(u => u.Fill).Take(MaxAddresses).ToList();
        foreach (var u in fullest)
        {
            var address = u.TranslatedAddress.ToString();
            _inUse.WithLabels(address).Set(u.InUse);
            _available.WithLabels(address).Set(u.Available);
            _ratio.WithLabels(address).Set(u.Fill);
        }
        var keep = fullest.Select(u => new[] { u.TranslatedAddress.ToString() }).ToList();
        Series.RemoveOthers(_inUse, keep);
        Series.RemoveOthers(_available, keep);
        Series.RemoveOthers(_ratio, keep);
    }

    private async Task<IReadOnlyList<SnatPortUse>?> ReadAsync(CancellationToken ct)
    {
        try { return await _facts.SnatPortUseAsync(MeterLimit, ct); }
        // The meter is not built on this kernel/mode: no series rather than a failed scrape.
        catch (NotSupportedException) { return null; }
    }
}
