using System.Collections.Concurrent;

namespace NatGateway.Web.Access;

/// <summary>
/// Caps the denials the audit log records per client address: at most <see cref="PerMinute"/> a minute. Without it an
/// unauthenticated flood would turn every 401 into a database write and grow the log for its whole retention. What is
/// left out is counted and named in the address's next recorded denial, so the log still says a flood happened.
/// </summary>
public sealed class DenialThrottle(TimeProvider clock)
{
    public const int PerMinute = 100;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxTrackedAddresses = 10_000;

    private sealed class Counter
    {
        public DateTimeOffset WindowStart;
        public int Recorded;
        public long Suppressed;
    }

    private readonly ConcurrentDictionary<string, Counter> _byAddress = new();

    /// <summary>
    /// True when a denial from <paramref name="address"/> is to be recorded; <paramref name="suppressedBefore"/> is then
    /// how many earlier ones were left out since the last recorded one.
    /// </summary>
    public bool TryRecord(string? address, out long suppressedBefore)
    {
        var now = clock.GetUtcNow();
        // Bounded memory under a spoofed-source flood: forget every window when too many addresses are tracked.
        if (_byAddress.Count > MaxTrackedAddresses) _byAddress.Clear();
        var counter = _byAddress.GetOrAdd(address ?? "", _ => new Counter { WindowStart = now });
        lock (counter)
        {
            if (now - counter.WindowStart >= Window)
            {
                counter.WindowStart = now;
                counter.Recorded = 0;
            }
            if (counter.Recorded >= PerMinute)
            {
                counter.Suppressed++;
                suppressedBefore = 0;
                return false;
            }
            counter.Recorded++;
            suppressedBefore = counter.Suppressed;
            counter.Suppressed = 0;
            return true;
        }
    }
}
