using NatGateway.Conntrack.Mirror;
using NatGateway.Core.Conntrack;
using Prometheus;

namespace NatGateway.Web.Metrics;

/// <summary>
/// The conntrack mirror's health (<see cref="ConntrackMirrorService.Status"/>, an in-memory record): state, entries,
/// resyncs, lost events, event rate and lag. The mirror starts on first use (the Conntrack page, the conntrack API, the
/// doctor); a scrape never starts it, so before that the state is <c>stopped</c> and the counts are zero.
/// </summary>
public sealed class MirrorMetrics : IScrapeCollector
{
    private readonly ConntrackMirrorService _conntrack;
    private readonly Gauge _state, _entries, _eventsPerSecond, _lag, _lastResyncDuration;
    private readonly Counter _resyncs, _expiredResyncs, _eventsApplied, _eventsLost;

    public MirrorMetrics(CollectorRegistry registry, ConntrackMirrorService conntrack)
    {
        _conntrack = conntrack;
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _state = f.CreateGauge("natgw_conntrack_mirror_state", "1 for the state the conntrack mirror is in (stopped, synchronizing, live, retrying), 0 for the others.",
            new GaugeConfiguration { LabelNames = ["state"] });
        _entries = f.CreateGauge("natgw_conntrack_mirror_entries", "Entries in the conntrack mirror's table.");
        _eventsPerSecond = f.CreateGauge("natgw_conntrack_mirror_events_per_second", "Conntrack events applied per second over the last second or so.");
        _lag = f.CreateGauge("natgw_conntrack_mirror_lag_seconds",
            "How far the mirror's readers may be behind the kernel: while synchronizing the time since the dump started, while live the delay of the last event.");
        _lastResyncDuration = f.CreateGauge("natgw_conntrack_mirror_last_resync_duration_seconds", "How long the last dump took to build and swap in.");
        _resyncs = f.CreateCounter("natgw_conntrack_mirror_resyncs_total", "Dumps swapped into the mirror, the first one included.");
        _expiredResyncs = f.CreateCounter("natgw_conntrack_mirror_expired_resyncs_total",
            "Resyncs started because entries outlived their timeout without a DESTROY event.");
        _eventsApplied = f.CreateCounter("natgw_conntrack_mirror_events_applied_total", "Conntrack events applied to the mirror.");
        _eventsLost = f.CreateCounter("natgw_conntrack_mirror_events_lost_total",
            "Times the kernel dropped events for the mirror (ENOBUFS), each followed by a resync.");
    }

    public string Name => "mirror";

    public Task CollectAsync(CancellationToken ct)
    {
        var status = _conntrack.Status;
        foreach (var state in Enum.GetValues<MirrorState>())
            _state.WithLabels(Text(state)).Set(state == status.State ? 1 : 0);
        _entries.Set(status.Entries);
        _eventsPerSecond.Set(status.EventsPerSecond);
        _lag.Set(status.Lag.TotalSeconds);
        _lastResyncDuration.Set(status.LastResyncDuration.TotalSeconds);
        // The mirror's own counts: they only grow while natgw runs (one mirror per process).
        _resyncs.IncTo(status.ResyncCount);
        _expiredResyncs.IncTo(status.ExpiredResyncCount);
        _eventsApplied.IncTo(status.EventsApplied);
        _eventsLost.IncTo(status.EventsLostCount);
        return Task.CompletedTask;
    }

    public static string Text(MirrorState state) => state switch
    {
        MirrorState.Stopped => "stopped",
        MirrorState.Synchronizing => "synchronizing",
        MirrorState.Live => "live",
        MirrorState.Retrying => "retrying",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };
}
