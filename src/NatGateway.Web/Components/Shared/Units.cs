using System.Globalization;

namespace NatGateway.Web.Components.Shared;

/// <summary>Human-readable rates for the dashboard (sar prints kB/s; operators read bit/s too).</summary>
public static class Units
{
    public static string BitsPerSecond(double bytesPerSecond)
    {
        var bits = bytesPerSecond * 8;
        string[] units = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];
        var i = 0;
        while (bits >= 1000 && i < units.Length - 1) { bits /= 1000; i++; }
        return string.Create(CultureInfo.InvariantCulture, $"{bits:0.#} {units[i]}");
    }

    public static string PacketsPerSecond(double pps) =>
        pps >= 1_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{pps / 1_000_000:0.##} Mpps")
        : pps >= 1000 ? string.Create(CultureInfo.InvariantCulture, $"{pps / 1000:0.#} kpps")
        : string.Create(CultureInfo.InvariantCulture, $"{pps:0} pps");
}
