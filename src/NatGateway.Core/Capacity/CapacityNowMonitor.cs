using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NatGateway.Capacity.Model;
using NatGateway.Capacity.Now;
using NatGateway.Capacity.Planning;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Capacity;

/// <summary>
/// Samples the conntrack table every <see cref="CapacityOptions.NowInterval"/> (<c>conntrack -C; conntrack -S</c>) and
/// pushes a <see cref="CapacityNow"/> to subscribers, with rates and "full in N minutes" warnings from the previous
/// sample. One sampler for all circuits, like <see cref="Dashboard.DashboardMonitor"/>.
/// </summary>
public sealed class CapacityNowMonitor(
    IGatewayKernel kernel,
    IConntrackCapacityReader reader,
    IOptions<CapacityOptions> options,
    TimeProvider clock,
    ILogger<CapacityNowMonitor> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Live.SubscriberList<CapacityNow> _subscribers = new(logger);
    private ConntrackSample? _previous;

    public CapacityNow Current { get; private set; } = CapacityNow.Empty;

    /// <summary>Receives every new sample until the returned handle is disposed. Callbacks run on the sampler's thread.</summary>
    public IDisposable Subscribe(Action<CapacityNow> onSample) => _subscribers.Add(onSample);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.NowInterval, clock);
        var backoff = new Background.RetryBackoff("conntrack capacity sample", clock, logger);
        do
        {
            if (!backoff.IsDue) continue;
            try
            {
                _subscribers.Publish(Sample());
                backoff.Succeeded();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or SysctlException)
            {
                backoff.Failed(e);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Takes one sample now; rates are computed against the previous one (also used by tests and the API).</summary>
    public CapacityNow Sample()
    {
        var facts = reader.ReadFacts();
        var stats = reader.ReadStatCounters();
        var sample = new ConntrackSample(clock.GetUtcNow(), facts.Count ?? 0, facts.ConntrackMax ?? 0, facts.Buckets ?? 0,
            stats ?? ConntrackStatCounters.Zero);
        var extensions = new CapacityPlanRequest().ExtensionsFromKernel(facts);
        var analyzer = new ConntrackNowAnalyzer(ConntrackMemoryModel.FromFacts(facts));
        ConntrackNowReport report;
        lock (_gate)
        {
            // A sample at the same instant has no rate. Without stats the drop rates read 0: StatsAvailable says so.
            var previous = _previous is { } p && p.Time < sample.Time ? p : null;
            report = analyzer.Analyze(sample, extensions, previous);
            _previous = sample;
        }
        var writable = kernel.Sysctl.IsWritable(ConntrackSysctls.Max);
        var now = new CapacityNow(sample.Time, report,
            ConntrackExtensionLayout.Members(extensions).Select(x => x.ToString()).ToList(),
            report.EntriesMemoryBytes + report.BucketsMemoryBytes, stats is not null, writable,
            writable ? null : ConntrackSysctls.GlobalReadOnlyExplanation);
        Current = now;
        return now;
    }
}
