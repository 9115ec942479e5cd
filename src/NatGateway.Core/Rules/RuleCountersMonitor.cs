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

    private readonly Lock _gate = new();
    private readonly List<Action<IReadOnlyDictionary<Guid, RuleCounters>>> _subscribers = new();

    public IReadOnlyDictionary<Guid, RuleCounters> Current { get; private set; } = new Dictionary<Guid, RuleCounters>();

    public IDisposable Subscribe(Action<IReadOnlyDictionary<Guid, RuleCounters>> onCounters)
    {
        lock (_gate) _subscribers.Add(onCounters);
        return new Unsubscriber(() => { lock (_gate) _subscribers.Remove(onCounters); });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            Action<IReadOnlyDictionary<Guid, RuleCounters>>[] targets;
            lock (_gate) targets = _subscribers.ToArray();
            if (targets.Length == 0) continue;
            try
            {
                Current = rules.ReadCounters();
            }
            catch (Exception e) when (e is InvalidOperationException or DllNotFoundException or IOException)
            {
                logger.LogWarning(e, "reading rule counters failed");
                continue;
            }
            foreach (var t in targets)
            {
                try { t(Current); }
                catch (Exception e) when (e is not OutOfMemoryException) { logger.LogDebug(e, "counter subscriber failed"); }
            }
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
