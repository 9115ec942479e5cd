using System.Globalization;

namespace NatGateway.Web.Components.Capacity;

/// <summary>Numbers on the Capacity page: binary byte units (what slabinfo and free(1) use) and grouped counts.</summary>
public static class CapacityFormat
{
    public static string Bytes(long bytes) => NatGateway.Capacity.Planning.Format.Bytes(bytes);

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Number(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Rate(double? perSecond) => perSecond is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:0.##}/s") : "n/a";
}
