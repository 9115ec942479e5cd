namespace NatGateway.Capacity.Kernel;

/// <summary>One row of /proc/slabinfo (version 2.1), e.g. the <c>nf_conntrack</c> cache or <c>kmalloc-128</c>.</summary>
public sealed record SlabCache(
    string Name,
    long ActiveObjects,
    long TotalObjects,
    int ObjectSize,
    int ObjectsPerSlab,
    int PagesPerSlab,
    long ActiveSlabs,
    long TotalSlabs)
{
    /// <summary>
    /// Bytes of page memory one object really costs once slab packing is accounted for:
    /// pages per slab × page size / objects per slab (e.g. 256-byte objects, 16 per 4 KiB page → 256;
    /// 192-byte objects, 21 per page → 195.05).
    /// </summary>
    public double EffectiveBytesPerObject(int pageSize) =>
        ObjectsPerSlab <= 0 ? ObjectSize : (double)PagesPerSlab * pageSize / ObjectsPerSlab;

    /// <summary>Page memory held by the cache: slabs × pages per slab × page size.</summary>
    public long SlabBytes(int pageSize) => TotalSlabs * PagesPerSlab * (long)pageSize;
}
