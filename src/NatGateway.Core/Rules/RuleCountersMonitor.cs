using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NatGateway.Nftables;

namespace NatGateway.Core.Rules;

/// <summary>
/// Pushes per-rule packet/byte counters to subscribers every couple of seconds while someone is watching (a Rules page
/// open in a connected browser). Nobody watching: no kernel reads. The counters come through <see cref="RuleCountersCache"/>,
/// so a page and the API (or a metrics scrape) in the same seconds share one listing of the table.
/// </summary>
public sealed class RuleCountersMonitor(RuleCountersCache counters, TimeProvider clock, ILogger<RuleCountersMonitor> logger) : BackgroundService
{
    public static TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    private readonly Live.SubscriberList<IReadOnlyDictionary<Guid, RuleCounters>> _subscribers = new(logger);

    public IReadOnlyDictionary<Guid, RuleCounters> Current { get; private set; } = new Dictionary<Guid, RuleCounters>();

    private readonly Background.RetryBackoff _backoff = new("reading rule counters", clock, logger);

    /// <summary>
    /// Receives the counters every <see cref="Interval"/> until the handle is disposed. While <paramref name="listening"/>
    /// says no (the page's browser is disconnected), the subscriber gets nothing and does not keep the reads going.
    /// </summary>
    public IDisposable Subscribe(Action<IReadOnlyDictionary<Guid, RuleCounters>> onCounters, Func<bool>? listening = null) =>
        _subscribers.Add(onCounters, listening);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            await TickAsync().ConfigureAwait(false);
    }

    /// <summary>One round: read and publish if anyone listens (internal: tests run rounds without the timer).</summary>
    internal async Task TickAsync()
    {
        if (_subscribers.Count == 0 || !_backoff.IsDue) return;
        try
        {
            // Never older than one tick: what the API read in the last seconds is as good as a new read.
            Current = await counters.ReadFreshAsync(Interval).ConfigureAwait(false);
            _backoff.Succeeded();
        }
        catch (Exception e) when (e is InvalidOperationException or DllNotFoundException or IOException)
        {
            _backoff.Failed(e);
            return;
        }
        _subscribers.Publish(Current);
    }
}
