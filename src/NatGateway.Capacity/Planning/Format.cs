using System.Globalization;

namespace NatGateway.Capacity.Planning;

/// <summary>Human-readable byte sizes in binary units (what slabinfo and free(1) use): warnings, the text renderer and the page.</summary>
public static class Format
{
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = Math.Abs(bytes);
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        var sign = bytes < 0 ? "-" : "";
        return unit == 0
            ? $"{sign}{value.ToString("0", CultureInfo.InvariantCulture)} B"
            : $"{sign}{value.ToString("0.0", CultureInfo.InvariantCulture)} {units[unit]}";
    }
}
