namespace NatGateway.Core.Kernel;

/// <summary>One interface as <c>ip -s addr show</c> would describe it.</summary>
public sealed record NetworkInterfaceInfo(
    string Name,
    int Index,
    string OperState,
    bool IsUp,
    int Mtu,
    string? MacAddress,
    IReadOnlyList<InterfaceAddress> Addresses,
    InterfaceCounters Counters)
{
    public bool IsLoopback => Name == "lo";
}

/// <summary>An address with its prefix length, e.g. 10.0.0.1/24.</summary>
public sealed record InterfaceAddress(System.Net.IPAddress Address, int PrefixLength)
{
    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>Cumulative counters from /proc/net/dev.</summary>
public readonly record struct InterfaceCounters(ulong RxBytes, ulong RxPackets, ulong TxBytes, ulong TxPackets, ulong RxDropped, ulong TxDropped);

/// <summary>A route as far as rp_filter warnings care: destination prefix, gateway and device.</summary>
public sealed record RouteInfo(string Destination, int PrefixLength, string? Gateway, string Device)
{
    public bool IsDefault => PrefixLength == 0;
}
