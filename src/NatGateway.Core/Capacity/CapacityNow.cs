using NatGateway.Capacity.Now;

namespace NatGateway.Core.Capacity;

/// <summary>
/// One "Now" observation for the Capacity page and GET /api/v1/capacity/now: the analyzer's report plus what the
/// memory figure assumed and whether the global limits can be changed from here.
/// </summary>
/// <param name="Time">When the sample was taken.</param>
/// <param name="Report">Count, max, buckets, fill, memory, growth and drop rates, warnings.</param>
/// <param name="Extensions">Extensions assumed per entry for the memory in use (from the kernel's sysctls).</param>
/// <param name="MemoryInUseBytes">Entries plus hash table.</param>
/// <param name="StatsAvailable">False when ctnetlink could not be read: no drop rates.</param>
/// <param name="GlobalLimitsWritable">False inside a non-initial namespace.</param>
/// <param name="ReadOnlyExplanation">Why max/buckets cannot be changed here, when they cannot.</param>
public sealed record CapacityNow(
    DateTimeOffset Time,
    ConntrackNowReport Report,
    IReadOnlyList<string> Extensions,
    long MemoryInUseBytes,
    bool StatsAvailable,
    bool GlobalLimitsWritable,
    string? ReadOnlyExplanation)
{
    public static CapacityNow Empty { get; } = new(DateTimeOffset.MinValue, new ConntrackNowReport(), [], 0, false, false, null);
}
