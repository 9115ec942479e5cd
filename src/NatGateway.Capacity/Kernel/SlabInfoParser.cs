using System.Globalization;

namespace NatGateway.Capacity.Kernel;

/// <summary>Parses /proc/slabinfo ("slabinfo - version: 2.1"), the source of the nf_conntrack object size (<c>slabtop</c>, <c>cat /proc/slabinfo</c>).</summary>
public static class SlabInfoParser
{
    /// <summary>The conntrack entry cache name, created by nf_conntrack_init_start().</summary>
    public const string ConntrackCacheName = "nf_conntrack";

    /// <summary>Parses every cache row; header and comment lines are skipped, malformed rows are ignored.</summary>
    public static IReadOnlyList<SlabCache> Parse(string text)
    {
        var caches = new List<SlabCache>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith("slabinfo", StringComparison.Ordinal))
                continue;
            if (TryParseRow(line, out var cache))
                caches.Add(cache);
        }
        return caches;
    }

    // name <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <l> <b> <s> : slabdata <active_slabs> <num_slabs> <sharedavail>
    private static bool TryParseRow(string line, out SlabCache cache)
    {
        cache = null!;
        var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var slabdata = Array.IndexOf(fields, "slabdata");
        if (fields.Length < 6 || slabdata < 0 || fields.Length < slabdata + 3)
            return false;
        if (!TryLong(fields[1], out var active) || !TryLong(fields[2], out var total) ||
            !TryLong(fields[3], out var objSize) || !TryLong(fields[4], out var perSlab) ||
            !TryLong(fields[5], out var pages) || !TryLong(fields[slabdata + 1], out var activeSlabs) ||
            !TryLong(fields[slabdata + 2], out var totalSlabs))
            return false;
        cache = new SlabCache(fields[0], active, total, (int)objSize, (int)perSlab, (int)pages, activeSlabs, totalSlabs);
        return true;
    }

    private static bool TryLong(string s, out long value) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
}
