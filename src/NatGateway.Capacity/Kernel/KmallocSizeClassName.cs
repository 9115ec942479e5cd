using System.Globalization;

namespace NatGateway.Capacity.Kernel;

/// <summary>Names of the generic kmalloc caches in /proc/slabinfo: "kmalloc-128", "kmalloc-1k", "kmalloc-8k".</summary>
public static class KmallocSizeClassName
{
    /// <summary>True for the plain kmalloc-N caches that GFP_ATOMIC/GFP_KERNEL allocations land in (not kmalloc-cg-, -rcl-, dma-, _buckets).</summary>
    public static bool IsGenericKmalloc(string name) => TrySize(name, out _);

    /// <summary>The object size a kmalloc cache name stands for ("kmalloc-1k" → 1024).</summary>
    public static bool TrySize(string name, out int size)
    {
        size = 0;
        if (!name.StartsWith("kmalloc-", StringComparison.Ordinal)) return false;
        var suffix = name["kmalloc-".Length..];
        var multiplier = 1;
        if (suffix.EndsWith('k')) { multiplier = 1024; suffix = suffix[..^1]; }
        if (!int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
        size = n * multiplier;
        return true;
    }

    public static string For(int size) => size >= 1024 && size % 1024 == 0 ? $"kmalloc-{size / 1024}k" : $"kmalloc-{size}";
}
