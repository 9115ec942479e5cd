using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Conntrack.Mirror.Store;
using NatGateway.Core.Kernel;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Conntrack;

/// <summary>
/// The app's one live copy of the conntrack table (<see cref="ConntrackMirror"/>) plus a once-a-second sampler of
/// <c>conntrack -C</c> / <c>conntrack -S</c> (per-CPU rates, entry-count history for the chart, count/max for the gauge).
/// <para>
/// The mirror starts lazily, on the first <see cref="EnsureStartedAsync"/> (the Conntrack page and the conntrack API call
/// it): a dump of a million entries costs seconds of CPU and ~200 MB, which a gateway nobody is browsing should not pay.
/// Once started it stays live until shutdown, so every later page and query answers from memory. The stats sampler runs
/// from host start (two small netlink requests per second).
/// </para>
/// <para>
/// On start the mirror sets <c>net.netfilter.nf_conntrack_events=1</c> in this namespace (recorded in the settings history):
/// with the kernel default 2, entries created while no listener exists carry no event extension and vanish without a
/// DESTROY event, leaving ghosts until the mirror's periodic expiry check resyncs.
/// </para>
/// </summary>
public sealed class ConntrackMirrorService(
    IGatewayKernel kernel,
    IDbContextFactory<NatGatewayDbContext> dbFactory,
    TimeProvider clock,
    ILogger<ConntrackMirrorService> logger,
    ConntrackMirrorOptions? mirrorOptions = null) : BackgroundService
{
    /// <summary>Samples kept for the entry-count chart (one per <see cref="Interval"/>: five minutes).</summary>
    public const int HistoryLength = 300;

    /// <summary>The sysctl the mirror sets: 1 = every entry gets the event extension (<c>sysctl -w net.netfilter.nf_conntrack_events=1</c>).</summary>
    public static SysctlKey EventsKey { get; } = new(["net", "netfilter", "nf_conntrack_events"]);

    /// <summary>Who the settings history names for the events change.</summary>
    public const string Actor = "natgw conntrack mirror";

    public static TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _startLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly List<Action<MirrorChangedEventArgs>> _changeSubscribers = new();
    private readonly List<Action<ConntrackStatsSample>> _statsSubscribers = new();
    private readonly Queue<EntryCountPoint> _history = new();
    private ConntrackMirror? _mirror;
    private IConntrackMirrorSource? _source;
    private IDisposable? _mirrorSubscription;
    private (IReadOnlyList<CpuStats> Counters, long Timestamp)? _previous;

    /// <summary>The latest stats sample (<see cref="ConntrackStatsSample.Empty"/> before the first).</summary>
    public ConntrackStatsSample CurrentStats { get; private set; } = ConntrackStatsSample.Empty;

    /// <summary>True once <see cref="EnsureStartedAsync"/> has started the mirror.</summary>
    public bool IsStarted => Volatile.Read(ref _mirror) is not null;

    /// <summary>Mirror health: state, entries, last resync, events/s, lost events, lag (Stopped before the first use).</summary>
    public MirrorStatus Status => Volatile.Read(ref _mirror)?.Status
        ?? new MirrorStatus(MirrorState.Stopped, 0, null, 0, 0, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, null);

    /// <summary>Starts the mirror if it is not running and waits for its first dump to be live.</summary>
    public async Task EnsureStartedAsync(CancellationToken cancellationToken = default)
    {
        var mirror = Volatile.Read(ref _mirror);
        if (mirror is null)
        {
            await _startLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                mirror = _mirror;
                if (mirror is null)
                {
                    await EnableEventsForEveryEntryAsync(cancellationToken).ConfigureAwait(false);
                    var source = kernel.Conntrack.OpenMirrorSource();
                    mirror = new ConntrackMirror(source, mirrorOptions);
                    _mirrorSubscription = mirror.Subscribe(Forward);
                    mirror.Start();
                    _source = source;
                    Volatile.Write(ref _mirror, mirror);
                    logger.LogInformation("conntrack mirror started");
                }
            }
            finally
            {
                _startLock.Release();
            }
        }
        await mirror.Synchronized.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One page of matching flows from the mirror (empty until started). <c>GET /api/v1/conntrack</c> and the page's grid.</summary>
    public FlowPage Query(FlowFilter filter, SortSpec sort, int pageIndex, int pageSize) =>
        Volatile.Read(ref _mirror)?.Query(filter, sort, pageIndex, pageSize)
        ?? new FlowPage([], 0, 0, pageIndex, pageSize, filter, sort, 0);

    /// <summary>
    /// Hands every mirrored flow matching <paramref name="filter"/> to <paramref name="onFlow"/> (no list is built) when
    /// the mirror is started and has finished its first dump; false (nothing scanned) otherwise, so one-shot readers such
    /// as the doctor fall back to a dump of their own instead of starting the mirror.
    /// </summary>
    public bool TryScan(FlowFilter filter, FlowHandler onFlow)
    {
        if (Volatile.Read(ref _mirror) is not { } mirror || !mirror.Synchronized.IsCompletedSuccessfully) return false;
        mirror.Table.ForEach(filter, onFlow);
        return true;
    }

    /// <summary>How many mirrored flows match (the "delete all N matching" confirmation).</summary>
    public int Count(FlowFilter filter) => Volatile.Read(ref _mirror)?.Count(filter) ?? 0;

    /// <summary>The mirrored flow with this conntrack id.</summary>
    public Flow? Get(uint id) => Volatile.Read(ref _mirror)?.Get(id);

    /// <summary>Asks the mirror for a fresh dump (readers keep the current table until it is ready).</summary>
    public void RequestResync() => Volatile.Read(ref _mirror)?.RequestResync();

    /// <summary>
    /// After a delete of exactly these flows (the page's "delete selected"): drops them from the mirror now, so the next
    /// query no longer shows them, and asks for a resync (entries made before any listener existed send no DESTROY).
    /// </summary>
    public void ForgetDeleted(IReadOnlyList<Flow> flows)
    {
        if (Volatile.Read(ref _mirror) is not { } mirror) return;
        mirror.Forget(flows);
        mirror.RequestResync();
    }

    /// <summary>After a delete by <paramref name="filter"/> (page or API): drops the matching flows now and asks for a resync.</summary>
    public void ForgetDeleted(FlowFilter filter)
    {
        if (Volatile.Read(ref _mirror) is not { } mirror) return;
        mirror.ForgetMatching(filter);
        mirror.RequestResync();
    }

    /// <summary>Batched table changes (at most every 250 ms), raised on a timer thread; dispose to unsubscribe.
    /// Subscribing before the mirror starts is fine.</summary>
    public IDisposable Subscribe(Action<MirrorChangedEventArgs> onChanged)
    {
        lock (_gate) _changeSubscribers.Add(onChanged);
        return new Subscription(() => { lock (_gate) _changeSubscribers.Remove(onChanged); });
    }

    /// <summary>Every stats sample (once a second), raised on the sampler's thread; dispose to unsubscribe.</summary>
    public IDisposable SubscribeStats(Action<ConntrackStatsSample> onSample)
    {
        lock (_gate) _statsSubscribers.Add(onSample);
        return new Subscription(() => { lock (_gate) _statsSubscribers.Remove(onSample); });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            SampleStats();
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Reads <c>conntrack -C</c> and <c>-S</c> now, computes rates against the previous sample, appends to the
    /// history and hands the sample to the stats subscribers.</summary>
    public ConntrackStatsSample SampleStats()
    {
        var sample = TakeSample();
        Action<ConntrackStatsSample>[] targets;
        lock (_gate) targets = _statsSubscribers.ToArray();
        foreach (var target in targets)
        {
            try { target(sample); }
            catch (Exception e) when (e is not OutOfMemoryException) { logger.LogDebug(e, "conntrack stats subscriber failed"); }
        }
        return sample;
    }

    private ConntrackStatsSample TakeSample()
    {
        var now = clock.GetUtcNow();
        var timestamp = clock.GetTimestamp();
        ConntrackTableStats table;
        IReadOnlyList<CpuStats> counters;
        try
        {
            table = kernel.Conntrack.ReadTableStats();
            counters = kernel.Conntrack.ReadCpuStats();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogDebug(e, "conntrack stats sample failed");
            var failed = CurrentStats with { Time = now, Error = $"{e.GetType().Name}: {e.Message}" };
            CurrentStats = failed;
            return failed;
        }
        lock (_gate)
        {
            var rates = new List<CpuStatsRates>(counters.Count);
            foreach (var cpu in counters)
            {
                var before = _previous?.Counters.FirstOrDefault(c => c.Cpu == cpu.Cpu);
                rates.Add(before is { } b && _previous is { } p && b.Cpu == cpu.Cpu
                    ? ConntrackStatsMath.Rate(b, cpu, clock.GetElapsedTime(p.Timestamp, timestamp))
                    : CpuStatsRates.Zero(cpu.Cpu));
            }
            _previous = (counters, timestamp);
            _history.Enqueue(new EntryCountPoint(now, table.Entries));
            while (_history.Count > HistoryLength) _history.Dequeue();
            var sample = new ConntrackStatsSample(now, table.Entries, table.MaxEntries, counters, rates, _history.ToArray(), null);
            CurrentStats = sample;
            return sample;
        }
    }

    /// <summary>Sets nf_conntrack_events=1 when it is anything else and records the change; a failure is logged, not fatal
    /// (the mirror still works, repairing silent expiries by resync).</summary>
    private async Task EnableEventsForEveryEntryAsync(CancellationToken cancellationToken)
    {
        var sysctl = kernel.Sysctl;
        var old = sysctl.TryRead(EventsKey);
        if (old is null || old == "1") return;
        try
        {
            sysctl.Write(EventsKey, "1");
        }
        catch (SysctlException e)
        {
            logger.LogWarning(e, "could not set {Key}=1; entries created without a listener will leave the mirror only on its periodic resync", EventsKey.Name);
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        db.SettingChanges.Add(new SettingChange
        {
            ChangedAt = clock.GetUtcNow(), Key = EventsKey.Name, OldValue = old, NewValue = "1", ChangedBy = Actor, Persisted = false,
        });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("set {Key} from {Old} to 1 so every conntrack entry reports its DESTROY event", EventsKey.Name, old);
    }

    private void Forward(MirrorChangedEventArgs change)
    {
        Action<MirrorChangedEventArgs>[] targets;
        lock (_gate) targets = _changeSubscribers.ToArray();
        foreach (var target in targets)
        {
            try { target(change); }
            catch (Exception e) when (e is not OutOfMemoryException) { logger.LogDebug(e, "conntrack mirror subscriber failed"); }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await StopMirrorAsync().ConfigureAwait(false);
    }

    public override void Dispose()
    {
        StopMirrorAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose();
    }

    private async ValueTask StopMirrorAsync()
    {
        var mirror = Interlocked.Exchange(ref _mirror, null);
        if (mirror is null) return;
        _mirrorSubscription?.Dispose();
        await mirror.DisposeAsync().ConfigureAwait(false);
        (Interlocked.Exchange(ref _source, null) as IDisposable)?.Dispose();
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
