using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NatGateway.Nftables;

namespace NatGateway.Core.Rules;

/// <summary>
/// Reads per-rule packet/byte counters from our nftables table every couple of seconds while someone is
/// watching (a Rules page is open), and pushes them to subscribers. Nobody watching: no kernel reads.
/// </summary>
public sealed class RuleCountersMonitor(NatRulesService rules, TimeProvider clock, ILogger<RuleCountersMonitor> logger) : BackgroundService
{
    public static TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    private readonly Live.SubscriberList<IReadOnlyDictionary<Guid, RuleCounters>> _subscribers = new(logger);

    public IReadOnlyDictionary<Guid, RuleCounters> Current { get; private set; } = new Dictionary<Guid, RuleCounters>();

    public IDisposable Subscribe(Action<IReadOnlyDictionary<Guid, RuleCounters>> onCounters) => _subscribers.Add(onCounters);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        var backoff = new Background.RetryBackoff("reading rule counters", clock, logger);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (_subscribers.Count == 0 || !backoff.IsDue) continue;
            try
            {
                Current = rules.ReadCounters();
                backoff.Succeeded();
            }
            catch (Exception e) when (e is InvalidOperationException or DllNotFoundException or IOException)
            {
                backoff.Failed(e);
                continue;
            }
            _subscribers.Publish(Current);
        }
    }
}
