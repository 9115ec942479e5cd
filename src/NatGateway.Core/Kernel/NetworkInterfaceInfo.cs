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

    /// <summary>rtnetlink's IFLA_INFO_KIND as a kind (<see cref="LinkKind.Device"/> for a NIC without link info).</summary>
    public LinkKind Kind { get; init; } = LinkKind.Device;

    /// <summary>IFLA_INFO_KIND as the kernel names it ("vxlan", "wireguard", ...), or null.</summary>
    public string? KindName { get; init; }

    /// <summary>The index of the device this one runs over (IFLA_LINK: a VXLAN's or VLAN's underlay), or null.</summary>
    public int? LowerIndex { get; init; }
}

/// <summary>An address with its prefix length, e.g. 10.0.0.1/24.</summary>
public sealed record InterfaceAddress(System.Net.IPAddress Address, int PrefixLength)
{
    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>Cumulative counters from /proc/net/dev.</summary>
public readonly record struct InterfaceCounters(ulong RxBytes, ulong RxPackets, ulong TxBytes, ulong TxPackets, ulong RxDropped, ulong TxDropped)
{
    /// <summary>The "errs" columns of /proc/net/dev.</summary>
    public ulong RxErrors { get; init; }
    public ulong TxErrors { get; init; }
}

/// <summary>A route as far as rp_filter warnings care: destination prefix, gateway and device.</summary>
public sealed record RouteInfo(string Destination, int PrefixLength, string? Gateway, string Device)
{
    public bool IsDefault => PrefixLength == 0;
}
