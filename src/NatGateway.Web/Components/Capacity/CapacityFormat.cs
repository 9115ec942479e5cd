using System.Globalization;

namespace NatGateway.Web.Components.Capacity;

/// <summary>Numbers on the Capacity page: binary byte units (what slabinfo and free(1) use) and grouped counts.</summary>
public static class CapacityFormat
{
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = Math.Abs(bytes);
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        var sign = bytes < 0 ? "-" : "";
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{sign}{value:0} B")
            : string.Create(CultureInfo.InvariantCulture, $"{sign}{value:0.0} {units[unit]}");
    }

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Number(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Rate(double? perSecond) => perSecond is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:0.##}/s") : "n/a";
}
