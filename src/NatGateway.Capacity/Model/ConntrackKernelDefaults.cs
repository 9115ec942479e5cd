namespace NatGateway.Capacity.Model;

/// <summary>
/// The kernel's own table sizing when no hashsize= module option is given (nf_conntrack_init_start(), Linux ≥ 5.15):
/// buckets = RAM / 16384 / sizeof(hlist_head); 262,144 when RAM &gt; 4 GiB, 65,536 when RAM &gt; 1 GiB; at least 1024;
/// and nf_conntrack_max = buckets (max factor 1, so chains average 2 tuple hashes at a full table).
/// </summary>
public static class ConntrackKernelDefaults
{
    public static (long Buckets, long Max) ForMemory(long totalRamBytes, int pageSize = 4096)
    {
        const long GiB = 1024L * 1024 * 1024;
        var pages = totalRamBytes / pageSize;
        long buckets = pages * pageSize / 16384 / 8;
        if (pages > 4 * (GiB / pageSize)) buckets = 262144;
        else if (pages > GiB / pageSize) buckets = 65536;
        if (buckets < 1024) buckets = 1024;
        return (buckets, buckets);
    }
}
