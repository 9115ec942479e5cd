namespace NatGateway.Web.Metrics;

/// <summary>
/// A value read at most once per <see cref="_ttl"/>, whoever asks: scrapes from several Prometheus servers (or a
/// scrape every second) share one read. Concurrent callers of an expired value share the one read under way.
/// </summary>
public sealed class ScrapeCache<T>(TimeSpan ttl, TimeProvider clock)
{
    private readonly TimeSpan _ttl = ttl;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private sealed record Entry(T Value, long At);
    private Entry? _entry;

    public async Task<T> GetAsync(Func<CancellationToken, Task<T>> read, CancellationToken ct)
    {
        if (Fresh() is { } cached) return cached.Value;
        await _gate.WaitAsync(ct);
        try
        {
            if (Fresh() is { } again) return again.Value;
            var value = await read(ct);
            Volatile.Write(ref _entry, new Entry(value, clock.GetTimestamp()));
            return value;
        }
        finally { _gate.Release(); }
    }

    private Entry? Fresh() =>
        Volatile.Read(ref _entry) is { } entry && clock.GetElapsedTime(entry.At) < _ttl ? entry : null;
}
