using System.Diagnostics;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Conntrack.Mirror.Store;
using NatGateway.Netlink;

namespace NatGateway.Conntrack.Mirror;

/// <summary>
/// A live copy of the conntrack table: one dump, then events (NEW/UPDATE/DESTROY), kept in a compact
/// <see cref="FlowTable"/>. When the kernel drops events (ENOBUFS) or the source fails, the mirror dumps into a new
/// table and swaps it in atomically; queries meanwhile answer from the previous table, so readers never wait for a dump
/// and always see one consistent state. One background loop is the only writer.
/// </summary>
/// <remarks>Faster than <c>conntrack -L</c> for every query after the first dump, and it does not lose events silently
/// the way <c>conntrack -E</c> does under load: a loss costs a resync.</remarks>
public sealed class ConntrackMirror : IAsyncDisposable
{
    private readonly IConntrackMirrorSource _source;
    private readonly ConntrackMirrorOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<FlowEvent> _batch = new(64);
    private readonly FlowEventHandler _collect;
    private FlowTable _table = new();
    private Task? _loop;
    private Timer? _notifier;
    private volatile bool _resyncRequested;
    private CancellationTokenSource _wake = new();
    private long _lastExpiryCheck = Stopwatch.GetTimestamp();
    private long _expiredResyncs;
    private int _notifying;

    // Status (written by the loop, read by anyone).
    private volatile MirrorState _state = MirrorState.Stopped;
    private long _resyncCount;
    private long _eventsApplied;
    private long _eventsLost;
    private long _lastResyncTicks;
    private long _syncStartedTimestamp;
    private long _lastApplyLatencyTicks;
    private long _lastResyncDurationTicks;
    private string? _lastError;

    // Pending change counts for the next notification.
    private long _pendingCreated, _pendingUpdated, _pendingDestroyed;
    private int _pendingResync;
    private long _rateWindowStart = Stopwatch.GetTimestamp();
    private long _rateWindowEvents;
    private double _eventsPerSecond;

    public ConntrackMirror(IConntrackMirrorSource source, ConntrackMirrorOptions? options = null)
    {
        _source = source;
        _options = options ?? new ConntrackMirrorOptions();
        _collect = (in FlowEvent e) => _batch.Add(e);
    }

    /// <summary>Batched change notifications, at most one per <see cref="ConntrackMirrorOptions.ChangeNotificationInterval"/>,
    /// raised on a timer thread. A page in live mode re-queries on it.</summary>
    public event EventHandler<MirrorChangedEventArgs>? Changed;

    /// <summary>Subscribes to <see cref="Changed"/>; dispose the result to unsubscribe (e.g. when a page component goes away).</summary>
    public IDisposable Subscribe(Action<MirrorChangedEventArgs> onChanged)
    {
        EventHandler<MirrorChangedEventArgs> handler = (_, e) => onChanged(e);
        Changed += handler;
        return new Subscription(() => Changed -= handler);
    }

    private sealed class Subscription(Action unsubscribe) : IDisposable
    {
        private Action? _unsubscribe = unsubscribe;
        public void Dispose() => Interlocked.Exchange(ref _unsubscribe, null)?.Invoke();
    }

    /// <summary>The table readers currently see (replaced on resync). Holding it keeps a consistent but aging view.</summary>
    public FlowTable Table => Volatile.Read(ref _table);

    /// <summary>Completes when the first dump is live.</summary>
    public Task Synchronized => _firstSync.Task;

    /// <summary>Starts the loop: open events, dump, then apply events. Returns at once; await <see cref="Synchronized"/> to wait for the first dump.</summary>
    public void Start()
    {
        if (_loop is not null) throw new InvalidOperationException("the mirror is already started");
        _notifier = new Timer(_ => Notify(), null, _options.ChangeNotificationInterval, _options.ChangeNotificationInterval);
        _loop = Task.Factory.StartNew(() => RunAsync(_stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Starts the loop and waits for the first dump to be live (or <paramref name="cancellationToken"/>).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Start();
        await Synchronized.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks for a fresh dump (e.g. after a bulk delete); readers keep the current table until it is ready.</summary>
    public void RequestResync()
    {
        _resyncRequested = true;
        // Wake the loop if it is waiting for events.
        try { Volatile.Read(ref _wake).Cancel(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>One page of matching flows in order plus the total match count, from one consistent state.
    /// The API's <c>GET /api/v1/conntrack?filter=&amp;sort=&amp;page=</c> and the page's grid call this.</summary>
    public FlowPage Query(FlowFilter filter, SortSpec sort, int pageIndex, int pageSize) => Table.Query(filter, sort, pageIndex, pageSize);

    /// <summary>How many flows match (<c>conntrack -C</c> with a filter).</summary>
    public int Count(FlowFilter filter) => Table.CountMatching(filter);

    /// <summary>The flow with this conntrack id, if the mirror has it.</summary>
    public Flow? Get(uint id) => Table.Get(id);

    /// <summary>
    /// Removes flows the caller has just deleted from the kernel, at once: their DESTROY events arrive later (or never, for
    /// entries created before any listener existed), and whoever deleted them re-queries right away. Returns how many
    /// were in the table. A later event for one of them is harmless: the DESTROY that follows removes it again.
    /// </summary>
    public int Forget(IEnumerable<Flow> flows)
    {
        var removed = 0;
        Table.WriteBatch(writer =>
        {
            foreach (var flow in flows)
                if (writer.Remove(in flow)) removed++;
        });
        Interlocked.Add(ref _pendingDestroyed, removed);
        return removed;
    }

    /// <summary>Removes every mirrored flow matching <paramref name="filter"/> (a delete by that filter just ran); see <see cref="Forget"/>.</summary>
    public int ForgetMatching(FlowFilter filter)
    {
        if (!filter.IsAll) return Forget(Table.Select(filter));
        // Everything went: an empty table, without decoding a million flows first. Events apply on top of it as usual.
        var removed = Interlocked.Exchange(ref _table, new FlowTable()).Count;
        Interlocked.Add(ref _pendingDestroyed, removed);
        return removed;
    }

    public MirrorStatus Status
    {
        get
        {
            var state = _state;
            var lastResync = Interlocked.Read(ref _lastResyncTicks);
            var lag = state == MirrorState.Synchronizing && Interlocked.Read(ref _syncStartedTimestamp) is var started and not 0
                ? Stopwatch.GetElapsedTime(started)
                : TimeSpan.FromTicks(Interlocked.Read(ref _lastApplyLatencyTicks));
            return new MirrorStatus(
                state,
                Table.Count,
                lastResync == 0 ? null : new DateTimeOffset(lastResync, TimeSpan.Zero),
                Interlocked.Read(ref _resyncCount),
                Interlocked.Read(ref _eventsApplied),
                Volatile.Read(ref _eventsPerSecond),
                Interlocked.Read(ref _eventsLost),
                Interlocked.Read(ref _expiredResyncs),
                lag,
                TimeSpan.FromTicks(Interlocked.Read(ref _lastResyncDurationTicks)),
                Volatile.Read(ref _lastError));
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            IFlowEventStream? events = null;
            try
            {
                events = _source.OpenEvents();
                while (true)
                {
                    try
                    {
                        Drain(events);
                        Resync(stop);
                        await PumpAsync(events, stop).ConfigureAwait(false);
                    }
                    catch (EventsLostException)
                    {
                        // The kernel dropped events: the table may be wrong in ways no later event repairs. Dump again.
                        Interlocked.Increment(ref _eventsLost);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Volatile.Write(ref _lastError, $"{e.GetType().Name}: {e.Message}");
                _state = MirrorState.Retrying;
                events?.Dispose();
                events = null;
                try { await Task.Delay(_options.RetryDelay, stop).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
            finally
            {
                events?.Dispose();
            }
        }
        _state = MirrorState.Stopped;
    }

    /// <summary>
    /// Discards the events already waiting: they happened before the dump starts, so the dump shows their effect, and
    /// replaying them afterwards could resurrect an entry whose DESTROY was lost or roll a state back.
    /// Bounded, so a never-ending stream cannot keep the mirror from dumping.
    /// </summary>
    private void Drain(IFlowEventStream events)
    {
        FlowEventHandler discard = static (in FlowEvent _) => { };
        for (var batches = 0; batches < 1_000_000; batches++)
        {
            try
            {
                if (events.ReceivePending(discard) == 0) return;
            }
            catch (EventsLostException)
            {
                // Losses before the dump do not matter: the dump is the repair.
            }
        }
    }

    /// <summary>Dumps into a new table (nobody reads it yet) and swaps it in. Events that arrive meanwhile wait in the
    /// event socket and are applied on top afterwards, so the result converges to the kernel's table.</summary>
    private void Resync(CancellationToken stop)
    {
        _state = MirrorState.Synchronizing;
        var started = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _syncStartedTimestamp, started);
        _resyncRequested = false;
        FlowTable table;
        for (var attempt = 1; ; attempt++)
        {
            stop.ThrowIfCancellationRequested();
            table = new FlowTable();
            try
            {
                table.WriteBatch(writer => _source.Dump((in Flow flow) => writer.Upsert(in flow), stop));
                break;
            }
            catch (DumpInterruptedException) when (attempt < _options.DumpAttempts)
            {
            }
        }
        Volatile.Write(ref _table, table);
        Interlocked.Increment(ref _resyncCount);
        Interlocked.Exchange(ref _lastResyncTicks, DateTimeOffset.UtcNow.UtcTicks);
        Interlocked.Exchange(ref _lastResyncDurationTicks, Stopwatch.GetElapsedTime(started).Ticks);
        Interlocked.Exchange(ref _syncStartedTimestamp, 0);
        Interlocked.Exchange(ref _pendingResync, 1);
        Volatile.Write(ref _lastError, null);
        _state = MirrorState.Live;
        _firstSync.TrySetResult();
    }

    private async Task PumpAsync(IFlowEventStream events, CancellationToken stop)
    {
        using var wake = new CancellationTokenSource();
        Volatile.Write(ref _wake, wake);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, wake.Token);
        while (!_resyncRequested)
        {
            _batch.Clear();
            try
            {
                await events.ReceiveAsync(_collect, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                return;   // woken for a resync
            }
            if (_batch.Count == 0) continue;
            var received = Stopwatch.GetTimestamp();
            long created = 0, updated = 0, destroyed = 0;
            Table.WriteBatch(writer =>
            {
                foreach (var e in _batch)
                {
                    var flow = e.Flow;
                    if (e.Type == FlowEventType.Destroy)
                    {
                        if (writer.Remove(in flow)) destroyed++;
                        continue;
                    }
                    if (writer.Upsert(in flow) == FlowChange.Created) created++; else updated++;
                }
            });
            Interlocked.Exchange(ref _lastApplyLatencyTicks, Stopwatch.GetElapsedTime(received).Ticks);
            Interlocked.Add(ref _eventsApplied, _batch.Count);
            Interlocked.Add(ref _pendingCreated, created);
            Interlocked.Add(ref _pendingUpdated, updated);
            Interlocked.Add(ref _pendingDestroyed, destroyed);
        }
    }

    private void Notify()
    {
        // Timer callbacks can overlap when a subscriber is slow; one notification at a time.
        if (Interlocked.Exchange(ref _notifying, 1) == 1) return;
        try
        {
            NotifyCore();
        }
        finally
        {
            Volatile.Write(ref _notifying, 0);
        }
    }

    private void NotifyCore()
    {
        UpdateRate();
        CheckExpiredEntries();
        var resynced = Interlocked.Exchange(ref _pendingResync, 0) == 1;
        var created = Interlocked.Exchange(ref _pendingCreated, 0);
        var updated = Interlocked.Exchange(ref _pendingUpdated, 0);
        var destroyed = Interlocked.Exchange(ref _pendingDestroyed, 0);
        if (!resynced && created == 0 && updated == 0 && destroyed == 0) return;
        var table = Table;
        var args = new MirrorChangedEventArgs(created, updated, destroyed, resynced, table.Count, table.Version);
        foreach (var handler in Changed?.GetInvocationList() ?? [])
        {
            try
            {
                ((EventHandler<MirrorChangedEventArgs>)handler)(this, args);
            }
            catch (Exception e)
            {
                // A subscriber's failure must not stop notifications for the others.
                Trace.TraceWarning($"ConntrackMirror.Changed handler failed: {e}");
            }
        }
    }

    /// <summary>Entries past their timeout mean DESTROY events never came (or timeouts were refreshed silently): dump again.</summary>
    private void CheckExpiredEntries()
    {
        if (_options.ExpiredEntryCheckInterval is not { } interval || _state != MirrorState.Live) return;
        if (Stopwatch.GetElapsedTime(_lastExpiryCheck) < interval) return;
        _lastExpiryCheck = Stopwatch.GetTimestamp();
        if (Table.CountExpired((uint)_options.ExpiryGrace.TotalSeconds) == 0) return;
        Interlocked.Increment(ref _expiredResyncs);
        RequestResync();
    }

    private void UpdateRate()
    {
        var now = Stopwatch.GetTimestamp();
        var elapsed = Stopwatch.GetElapsedTime(_rateWindowStart, now);
        if (elapsed < TimeSpan.FromSeconds(1)) return;
        var applied = Interlocked.Read(ref _eventsApplied);
        Volatile.Write(ref _eventsPerSecond, (applied - _rateWindowEvents) / elapsed.TotalSeconds);
        _rateWindowEvents = applied;
        _rateWindowStart = now;
    }

    /// <summary>Stops the loop and the notifications.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_notifier is not null) await _notifier.DisposeAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try { await _loop.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        _firstSync.TrySetCanceled();
        _stop.Dispose();
        _state = MirrorState.Stopped;
    }
}
