using NatGateway.Capacity.Kernel;

namespace NatGateway.Capacity.Model;

/// <summary>
/// Predicts kernel memory of conntrack entries and of the conntrack hash table on the running kernel:
/// per entry, the nf_conntrack slab object (size and packing from /proc/slabinfo) plus the kmalloc object holding the
/// extension area for the enabled extensions; per bucket, an 8-byte hlist_nulls_head in a kvmalloc'd array.
/// </summary>
public sealed class ConntrackMemoryModel
{
    /// <summary>sizeof(struct hlist_nulls_head) on 64-bit.</summary>
    public const int BytesPerBucket = 8;
    /// <summary>Largest kmalloc from the page allocator (order MAX_PAGE_ORDER = 10, 4 MiB); bigger tables come from vmalloc.</summary>
    public const long LargestKmallocBytes = 4L * 1024 * 1024;

    // x86_64 6.x values, used when the nf_conntrack row is missing from /proc/slabinfo (conntrack not initialised).
    private static readonly SlabCache FallbackConntrackSlab = new("nf_conntrack", 0, 0, 256, 16, 1, 0, 0);

    private readonly SlabCache _conntrackSlab;
    private readonly IReadOnlyDictionary<int, SlabCache> _kmallocBySize;

    public ConntrackMemoryModel(int pageSize, SlabCache? conntrackSlab, IEnumerable<SlabCache> kmallocCaches)
    {
        PageSize = pageSize;
        _conntrackSlab = conntrackSlab ?? FallbackConntrackSlab;
        var bySize = new Dictionary<int, SlabCache>();
        foreach (var cache in kmallocCaches)
            if (KmallocSizeClassName.TrySize(cache.Name, out var size))
                bySize[size] = cache;
        _kmallocBySize = bySize;
    }

    /// <summary>A model sized to the kernel the facts were read from.</summary>
    public static ConntrackMemoryModel FromFacts(KernelConntrackFacts facts) =>
        new(facts.PageSize, facts.ConntrackSlab, facts.KmallocCaches);

    /// <summary>A model of a typical x86_64 6.x kernel (256-byte nf_conn, 16 per page), for when no /proc is at hand.</summary>
    public static ConntrackMemoryModel X86_64Default { get; } = new(4096, null, []);

    public int PageSize { get; }
    public int ConntrackObjectSize => _conntrackSlab.ObjectSize;

    /// <summary>Memory of one entry with the given extensions.</summary>
    public EntryCost EntryCost(ConntrackExtensions extensions)
    {
        var used = ConntrackExtensionLayout.UsedBytes(extensions);
        var requested = ConntrackExtensionLayout.RequestedBytes(extensions);
        var sizeClass = KmallocSizeClasses.RoundUp(requested, PageSize);
        return new EntryCost(
            extensions,
            _conntrackSlab.ObjectSize,
            _conntrackSlab.EffectiveBytesPerObject(PageSize),
            used,
            sizeClass,
            KmallocObjectBytes(sizeClass));
    }

    /// <summary>Predicted kernel memory of <paramref name="entries"/> conntrack entries.</summary>
    public long EntriesMemoryBytes(long entries, ConntrackExtensions extensions) =>
        (long)Math.Round(entries * EntryCost(extensions).TotalBytes);

    /// <summary>
    /// The bucket count the kernel really allocates for a requested size: nf_ct_alloc_hashtable() rounds up to a whole
    /// number of pages of heads (a multiple of 512 with 4 KiB pages). <c>sysctl net.netfilter.nf_conntrack_buckets</c> reads it back.
    /// </summary>
    public long AllocatedBuckets(long requestedBuckets)
    {
        var perPage = PageSize / BytesPerBucket;
        return Math.Max(1, (requestedBuckets + perPage - 1) / perPage) * perPage;
    }

    /// <summary>
    /// Memory of the hash table: buckets × 8 bytes from kvcalloc(), which takes a power-of-two page block from kmalloc when it
    /// can (≤ 4 MiB) and page-granular vmalloc otherwise.
    /// </summary>
    public long BucketsMemoryBytes(long buckets)
    {
        var bytes = AllocatedBuckets(buckets) * BytesPerBucket;
        if (bytes <= KmallocSizeClasses.MaxCacheSize) return KmallocSizeClasses.RoundUp(bytes, PageSize);
        if (bytes <= LargestKmallocBytes) return KmallocSizeClasses.PowerOfTwoPages(bytes, PageSize);
        return (bytes + PageSize - 1) / PageSize * PageSize;
    }

    private double KmallocObjectBytes(long sizeClass)
    {
        if (sizeClass == 0) return 0;
        if (sizeClass > KmallocSizeClasses.MaxCacheSize) return sizeClass;
        return _kmallocBySize.TryGetValue((int)sizeClass, out var cache)
            ? cache.EffectiveBytesPerObject(PageSize)
            : DefaultPacking((int)sizeClass);
    }

    // When the kmalloc-N row is unavailable: the packing SLUB chose on x86_64 6.x (one page up to 256 bytes, then
    // 16 objects per slab capped at 8 pages: kmalloc-512 2 pages, -1k 4, -2k/-4k/-8k 8).
    private double DefaultPacking(int sizeClass)
    {
        var slabBytes = sizeClass <= 256 ? PageSize : Math.Min(8 * PageSize, 16 * sizeClass);
        var perSlab = Math.Max(1, slabBytes / sizeClass);
        return (double)slabBytes / perSlab;
    }
}
