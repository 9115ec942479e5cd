using NatGateway.Nftables;

namespace NatGateway.Core.Rules;

/// <summary>
/// The one source of rule counters: the API's list and its pages, the metrics scrape, the Rules page's first counters and
/// <see cref="RuleCountersMonitor"/>'s updates all read through it. The kernel has no per-rule read: every read lists our
/// whole table, which with 10,000 forwards applied took 1.6–1.9 s here (on a loaded 2-core box). So a read is shared:
/// counters younger than <see cref="FreshFor"/> are served as they are; older ones (up to <see cref="ServeStaleFor"/>)
/// are served to <see cref="ReadAsync"/> while one read in the background replaces them; beyond that, on the first call,
/// or for <see cref="ReadFreshAsync"/>, the caller waits for a read. Concurrent callers share the read under way.
/// The single-rule routes (<c>/rules/{id}</c>, <c>/rules/{id}/counters</c>) still read the kernel each time.
/// </summary>
public sealed class RuleCountersCache(NatRulesService rules, TimeProvider clock)
{
    /// <summary>As often as the Rules page refreshes its counters (<see cref="RuleCountersMonitor.Interval"/>).</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(2);

    /// <summary>Older than this, a request waits for a new read instead of being answered with old counters.</summary>
    public static readonly TimeSpan ServeStaleFor = TimeSpan.FromSeconds(30);

    private sealed record Entry(DateTimeOffset ReadAt, IReadOnlyDictionary<Guid, RuleCounters> Counters);

    private Entry? _entry;
    private Task<Entry>? _reading;
    private readonly Lock _lock = new();

    /// <summary>Counters at most <see cref="FreshFor"/> old, or up to <see cref="ServeStaleFor"/> old while a new read runs.</summary>
    public async Task<IReadOnlyDictionary<Guid, RuleCounters>> ReadAsync()
    {
        var entry = Volatile.Read(ref _entry);
        var age = entry is null ? TimeSpan.MaxValue : clock.GetUtcNow() - entry.ReadAt;
        if (entry is not null && age < FreshFor) return entry.Counters;
        var reading = StartRead();
        if (entry is not null && age < ServeStaleFor) return entry.Counters;
        return (await reading).Counters;
    }

    /// <summary>Counters read less than <paramref name="maxAge"/> ago: a live view's next update, never an old one again.</summary>
    public async Task<IReadOnlyDictionary<Guid, RuleCounters>> ReadFreshAsync(TimeSpan maxAge)
    {
        var entry = Volatile.Read(ref _entry);
        if (entry is not null && clock.GetUtcNow() - entry.ReadAt < maxAge) return entry.Counters;
        return (await StartRead()).Counters;
    }

    /// <summary>The read under way, or a new one: concurrent requests share one kernel listing.</summary>
    private Task<Entry> StartRead()
    {
        lock (_lock)
        {
            if (_reading is { IsCompleted: false } running) return running;
            return _reading = Task.Run(() =>
            {
                var read = new Entry(clock.GetUtcNow(), rules.ReadCounters());
                Volatile.Write(ref _entry, read);
                return read;
            });
        }
    }
}
