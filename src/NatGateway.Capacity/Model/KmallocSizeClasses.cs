namespace NatGateway.Capacity.Model;

/// <summary>The generic kmalloc size classes with SLUB on x86_64 (KMALLOC_MIN_SIZE 8, with the 96 and 192 classes; up to 8 KiB).</summary>
public static class KmallocSizeClasses
{
    public static IReadOnlyList<int> Sizes { get; } = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

    /// <summary>KMALLOC_MAX_CACHE_SIZE: larger requests go straight to the page allocator in power-of-two pages.</summary>
    public const int MaxCacheSize = 8192;

    /// <summary>The size class a request lands in (0 → 0); above 8 KiB, the power-of-two page block.</summary>
    public static long RoundUp(long requestedBytes, int pageSize = 4096)
    {
        if (requestedBytes <= 0) return 0;
        foreach (var size in Sizes)
            if (requestedBytes <= size) return size;
        return PowerOfTwoPages(requestedBytes, pageSize);
    }

    /// <summary>PAGE_SIZE &lt;&lt; get_order(bytes): what alloc_pages hands out for a request.</summary>
    public static long PowerOfTwoPages(long bytes, int pageSize)
    {
        long block = pageSize;
        while (block < bytes) block *= 2;
        return block;
    }
}
