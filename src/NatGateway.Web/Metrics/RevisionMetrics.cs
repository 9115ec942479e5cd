using NatGateway.Core.Revisions;
using NatGateway.Data.Entities;
using Prometheus;

namespace NatGateway.Web.Metrics;

/// <summary>
/// Applies and confirmations: every run of the <see cref="ApplyPipeline"/> (apply, rollback, re-apply, automatic revert,
/// recovery) observed through <see cref="IApplyObserver"/> into a duration histogram and a failure counter; and the
/// change waiting for confirmation (<see cref="RevisionStore.PendingAsync"/>, one indexed query, cached for a second).
/// </summary>
public sealed class RevisionMetrics : IScrapeCollector, IApplyObserver
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly RevisionStore _store;
    private readonly ScrapeCache<PendingConfirmation?> _pending;
    private readonly Histogram _duration;
    private readonly Counter _failures;
    private readonly Gauge _pendingCount, _pendingDeadline;

    public RevisionMetrics(CollectorRegistry registry, RevisionStore store, TimeProvider clock)
    {
        _store = store;
        _pending = new ScrapeCache<PendingConfirmation?>(CacheFor, clock);
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _duration = f.CreateHistogram("natgw_apply_duration_seconds",
            "How long a run of the apply pipeline took (journal, nftables, sysctls, conntrack sizing, commit), by revision kind and outcome.",
            new HistogramConfiguration
            {
                LabelNames = ["kind", "outcome"],
                // 10 ms .. ~40 s: one rule applies in tens of milliseconds, 10,000 forwards in seconds on a loaded box.
                Buckets = Histogram.ExponentialBuckets(0.01, 2, 13),
            });
        _failures = f.CreateCounter("natgw_apply_failures_total",
            "Runs of the apply pipeline that did not put their revision in force: refused (invalid rules, a change pending), failed (the kernel refused), interrupted (the agent went away), error.",
            new CounterConfiguration { LabelNames = ["kind", "outcome"] });
        _pendingCount = f.CreateGauge("natgw_revision_pending_confirmations", "Changes applied and waiting for confirmation (0 or 1); unconfirmed ones revert by themselves at their deadline.");
        _pendingDeadline = f.CreateGauge("natgw_revision_pending_confirmation_deadline_timestamp_seconds",
            "When the change waiting for confirmation reverts unless confirmed (Unix time), by revision id.",
            new GaugeConfiguration { LabelNames = ["revision"] });
    }

    public string Name => "revisions";

    public void Observe(ApplyObservation observation)
    {
        var kind = observation.Kind.Text();
        var outcome = Text(observation.Outcome);
        _duration.WithLabels(kind, outcome).Observe(observation.Duration.TotalSeconds);
        if (observation.Outcome != ApplyOutcome.Applied) _failures.WithLabels(kind, outcome).Inc();
    }

    public async Task CollectAsync(CancellationToken ct)
    {
        var pending = await _pending.GetAsync(c => _store.PendingAsync(c), ct);
        _pendingCount.Set(pending is null ? 0 : 1);
        if (pending is null)
        {
            Series.RemoveOthers(_pendingDeadline, []);
            return;
        }
        var id = pending.RevisionId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _pendingDeadline.WithLabels(id).Set(pending.ConfirmBy.ToUnixTimeMilliseconds() / 1000.0);
        Series.RemoveOthers(_pendingDeadline, [[id]]);
    }

    public static string Text(ApplyOutcome outcome) => outcome switch
    {
        ApplyOutcome.Applied => "applied",
        ApplyOutcome.Refused => "refused",
        ApplyOutcome.Failed => "failed",
        ApplyOutcome.Interrupted => "interrupted",
        ApplyOutcome.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };
}
