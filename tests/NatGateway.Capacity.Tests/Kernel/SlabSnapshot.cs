using NatGateway.Capacity.Kernel;

namespace NatGateway.Capacity.Tests.Kernel;

/// <summary>
/// /proc/slabinfo and /proc/meminfo at one moment, restricted to the caches conntrack entries live in:
/// the nf_conntrack cache and the generic kmalloc-N caches (the extension area is a GFP_ATOMIC kmalloc).
/// </summary>
internal sealed record SlabSnapshot(IReadOnlyDictionary<string, SlabCache> Caches, long SUnreclaimBytes, long SlabBytes)
{
    public static SlabSnapshot Take()
    {
        var caches = SlabInfoParser.Parse(File.ReadAllText("/proc/slabinfo"))
            .Where(c => c.Name == SlabInfoParser.ConntrackCacheName || KmallocSizeClassName.IsGenericKmalloc(c.Name))
            .ToDictionary(c => c.Name);
        var mem = MemInfoParser.Parse(File.ReadAllText("/proc/meminfo"));
        return new SlabSnapshot(caches, mem.GetValueOrDefault("SUnreclaim"), mem.GetValueOrDefault("Slab"));
    }

    /// <summary>
    /// Waits until the nf_conntrack cache stops shrinking or growing: a deleted namespace (ours from a previous run or
    /// another test's) frees its entries asynchronously in the netns cleanup work and after an RCU grace period,
    /// which would cancel out the growth being measured.
    /// </summary>
    public static SlabSnapshot TakeWhenSettled(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var previous = Take();
        var quietRounds = 0;
        while (DateTime.UtcNow < deadline)
        {
            Thread.Sleep(250);
            var current = Take();
            quietRounds = Math.Abs(current.ObjectDelta(previous, SlabInfoParser.ConntrackCacheName)) < 100 ? quietRounds + 1 : 0;
            previous = current;
            if (quietRounds >= 3) break;
        }
        return previous;
    }

    /// <summary>Objects added to one cache since <paramref name="before"/>.</summary>
    public long ObjectDelta(SlabSnapshot before, string cache) =>
        Caches.GetValueOrDefault(cache)?.ActiveObjects - before.Caches.GetValueOrDefault(cache)?.ActiveObjects ?? 0;

    /// <summary>
    /// Memory of the objects added since <paramref name="before"/>: Σ Δactive objects × page bytes per object.
    /// Immune to free slots that already existed in partially filled slabs (which make a page delta read low)
    /// and to unrelated caches (dentries, inodes) that concurrent builds churn.
    /// </summary>
    public long ObjectBytesDelta(SlabSnapshot before, int pageSize) =>
        (long)Caches.Values.Sum(c => (c.ActiveObjects - (before.Caches.GetValueOrDefault(c.Name)?.ActiveObjects ?? 0)) * c.EffectiveBytesPerObject(pageSize));

    /// <summary>Pages added to the same caches (slabs × pages per slab × page size).</summary>
    public long PageBytesDelta(SlabSnapshot before, int pageSize) =>
        Caches.Values.Sum(c => c.SlabBytes(pageSize) - (before.Caches.GetValueOrDefault(c.Name)?.SlabBytes(pageSize) ?? 0));

    /// <summary>Per-cache object deltas worth printing.</summary>
    public IEnumerable<string> Describe(SlabSnapshot before) =>
        Caches.Keys.Select(name => (name, delta: ObjectDelta(before, name)))
            .Where(x => Math.Abs(x.delta) >= 1000)
            .Select(x => $"{x.name} {x.delta:+#;-#;0} objects");
}
