using NatGateway.Core.Kernel;
using Xunit;

namespace NatGateway.Core.Tests;

public sealed class ProcNetParsersTests
{
    private const string NetDev = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:   12345     100    0    0    0     0          0         0    12345     100    0    0    0     0       0          0
          eth0: 987654321 654321    1    7    0     0          0        12 123456789 54321    2    3    0     0       0          0
        """;

    [Fact]
    public void Net_dev_counters_come_from_the_right_columns()
    {
        var counters = ProcNetParsers.ParseNetDev(NetDev);
        Assert.Equal(2, counters.Count);
        Assert.Equal(new InterfaceCounters(987654321, 654321, 123456789, 54321, 7, 3) { RxErrors = 1, TxErrors = 2 }, counters["eth0"]);
        Assert.Equal(100UL, counters["lo"].RxPackets);
    }

    [Fact]
    public void Ipv4_routes_decode_little_endian_hex_and_find_defaults()
    {
        const string routes = """
            Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
            eth0	00000000	0101A8C0	0003	0	0	0	00000000	0	0	0
            eth0	0001A8C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
            wan1	00000000	01020A0A	0003	0	0	100	00000000	0	0	0
            """;
        var parsed = ProcNetParsers.ParseIpv4Routes(routes);
        Assert.Equal(3, parsed.Count);
        Assert.Equal(new RouteInfo("0.0.0.0", 0, "192.168.1.1", "eth0"), parsed[0]);
        Assert.Equal(new RouteInfo("192.168.1.0", 24, null, "eth0"), parsed[1]);
        Assert.Equal(2, parsed.Count(r => r.IsDefault));
    }

    [Fact]
    public void Ipv6_routes_skip_lo_entries_and_keep_gateways()
    {
        const string routes = """
            fd770001000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd770001000000000000000000000001 00000400 00000001 00000000 00000003     eth0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
            """;
        var parsed = ProcNetParsers.ParseIpv6Routes(routes);
        Assert.Equal(2, parsed.Count);
        Assert.Equal(new RouteInfo("fd77:1::", 64, null, "eth0"), parsed[0]);
        Assert.Equal(new RouteInfo("::", 0, "fd77:1::1", "eth0"), parsed[1]);
    }
}
