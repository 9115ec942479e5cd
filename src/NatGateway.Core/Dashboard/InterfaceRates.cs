using NatGateway.Core.Kernel;

namespace NatGateway.Core.Dashboard;

/// <summary>Per-second rates between two counter samples, the <c>sar -n DEV</c> view (rxpck/s txpck/s rxkB/s txkB/s).</summary>
public readonly record struct InterfaceRates(double RxPacketsPerSecond, double TxPacketsPerSecond, double RxBytesPerSecond, double TxBytesPerSecond)
{
    public static InterfaceRates Between(InterfaceCounters before, InterfaceCounters after, TimeSpan elapsed)
    {
        if (elapsed <= TimeSpan.Zero) return default;
        var s = elapsed.TotalSeconds;
        // Counters reset when an interface is recreated; a negative delta means "start again", not a huge rate.
        static double D(ulong a, ulong b) => b >= a ? b - a : 0;
        return new InterfaceRates(
            D(before.RxPackets, after.RxPackets) / s, D(before.TxPackets, after.TxPackets) / s,
            D(before.RxBytes, after.RxBytes) / s, D(before.TxBytes, after.TxBytes) / s);
    }
}

/// <summary>One interface on the dashboard: its facts, current rates and a short history for the sparkline.</summary>
public sealed record InterfaceStatus(NetworkInterfaceInfo Info, InterfaceRates Rates, IReadOnlyList<InterfaceRates> History);

/// <summary>The gateway at a glance, as pushed to the dashboard each sample.</summary>
public sealed record DashboardSnapshot(
    DateTimeOffset SampledAt,
    bool? Ipv4Forwarding,
    bool? Ipv6Forwarding,
    IReadOnlyList<InterfaceStatus> Interfaces)
{
    public static DashboardSnapshot Empty { get; } = new(DateTimeOffset.MinValue, null, null, []);
}
