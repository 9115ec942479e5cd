using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Dashboard;

/// <summary>
/// Samples interfaces and forwarding once per interval and pushes a <see cref="DashboardSnapshot"/> to subscribers.
/// One sampler for all browser circuits: pages subscribe instead of polling the kernel themselves.
/// </summary>
public sealed class DashboardMonitor(IGatewayKernel kernel, TimeProvider clock, ILogger<DashboardMonitor> logger) : BackgroundService
{
    public const int HistoryLength = 60;
    public static TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Live.SubscriberList<DashboardSnapshot> _subscribers = new(logger);
    private readonly Dictionary<string, (InterfaceCounters Counters, long Timestamp)> _previous = new();
    private readonly Dictionary<string, Queue<InterfaceRates>> _history = new();

    public DashboardSnapshot Current { get; private set; } = DashboardSnapshot.Empty;

    /// <summary>Receives every new snapshot until the returned handle is disposed. Callbacks run on the sampler's thread.</summary>
    public IDisposable Subscribe(Action<DashboardSnapshot> onSnapshot) => _subscribers.Add(onSnapshot);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        var backoff = new Background.RetryBackoff("dashboard sample", clock, logger);
        do
        {
            if (!backoff.IsDue) continue;
            try
            {
                _subscribers.Publish(Sample());
                backoff.Succeeded();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or SysctlException)
            {
                backoff.Failed(e);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Takes one sample now (also used by tests).</summary>
    public DashboardSnapshot Sample()
    {
        var now = clock.GetTimestamp();
        var interfaces = kernel.ListInterfaces();
        var statuses = new List<InterfaceStatus>(interfaces.Count);
        lock (_gate)
        {
            foreach (var nic in interfaces)
            {
                var rates = _previous.TryGetValue(nic.Name, out var prev)
                    ? InterfaceRates.Between(prev.Counters, nic.Counters, clock.GetElapsedTime(prev.Timestamp, now))
                    : default;
                _previous[nic.Name] = (nic.Counters, now);
                if (!_history.TryGetValue(nic.Name, out var queue)) _history[nic.Name] = queue = new Queue<InterfaceRates>();
                queue.Enqueue(rates);
                while (queue.Count > HistoryLength) queue.Dequeue();
                statuses.Add(new InterfaceStatus(nic, rates, queue.ToArray()));
            }
            foreach (var gone in _previous.Keys.Except(interfaces.Select(i => i.Name)).ToList())
            {
                _previous.Remove(gone);
                _history.Remove(gone);
            }
        }
        static bool? Flag(string? v) => v is null ? null : v.Trim() != "0";
        var snapshot = new DashboardSnapshot(clock.GetUtcNow(),
            Flag(kernel.Sysctl.TryRead(SysctlKey.Ipv4Forwarding)), Flag(kernel.Sysctl.TryRead(SysctlKey.Ipv6Forwarding)), statuses);
        Current = snapshot;
        return snapshot;
    }
}
