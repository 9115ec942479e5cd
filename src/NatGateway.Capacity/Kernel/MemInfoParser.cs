using System.Globalization;

namespace NatGateway.Capacity.Kernel;

/// <summary>Parses /proc/meminfo ("MemTotal:       24684084 kB") into bytes per key.</summary>
public static class MemInfoParser
{
    public static IReadOnlyDictionary<string, long> Parse(string text)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var parts = line[(colon + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                continue;
            // Values carry a "kB" unit (meaning KiB); counters such as HugePages_Total have none.
            var multiplier = parts.Length > 1 && parts[1] == "kB" ? 1024L : 1L;
            values[line[..colon].Trim()] = number * multiplier;
        }
        return values;
    }
}
