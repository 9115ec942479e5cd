using Xunit;

namespace NatGateway.Conntrack.Tests.Unit;

public sealed class NetAddressTests
{
    [Theory]
    [InlineData("10.77.1.2", IPFamily.IPv4)]
    [InlineData("255.255.255.255", IPFamily.IPv4)]
    [InlineData("fd77:1::2", IPFamily.IPv6)]
    [InlineData("::", IPFamily.IPv6)]
    [InlineData("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", IPFamily.IPv6)]
    public void Parses_and_formats_back(string text, IPFamily family)
    {
        var address = NetAddress.Parse(text);
        Assert.Equal(family, address.Family);
        Assert.Equal(text, address.ToString());
        Assert.Equal(System.Net.IPAddress.Parse(text), address.ToIPAddress());
    }

    [Theory]
    [InlineData("10.77.1.2", "10.77.0.0", 16, true)]
    [InlineData("10.78.1.2", "10.77.0.0", 16, false)]
    [InlineData("10.77.1.2", "0.0.0.0", 0, true)]
    [InlineData("10.77.1.2", "10.77.1.2", 32, true)]
    [InlineData("10.77.1.3", "10.77.1.2", 32, false)]
    [InlineData("fd77:1::2", "fd77::", 16, true)]
    [InlineData("fd77:1::2", "fd77:1::", 64, true)]
    [InlineData("fd77:1::2", "fd77:1::2", 128, true)]
    [InlineData("fd77:1::3", "fd77:1::2", 127, true)]
    [InlineData("fd77:1::4", "fd77:1::2", 127, false)]
    [InlineData("fd77:1::3", "fd77:1::2", 126, true)]
    [InlineData("10.77.1.2", "fd77::", 0, false)]
    public void Prefix_membership(string address, string prefix, int length, bool expected) =>
        Assert.Equal(expected, NetAddress.Parse(address).IsInPrefix(NetAddress.Parse(prefix), length));

    [Fact]
    public void Orders_numerically_ipv4_before_ipv6()
    {
        var sorted = new[] { "fd00::1", "10.0.0.10", "10.0.0.9", "9.255.255.255" }.Select(NetAddress.Parse).Order().Select(a => a.ToString());
        Assert.Equal(["9.255.255.255", "10.0.0.9", "10.0.0.10", "fd00::1"], sorted);
    }

    [Fact]
    public void Tuple_inversion_swaps_ends_and_echo_types()
    {
        var echo = FlowTuple.CreateIcmp(NetAddress.Parse("10.0.0.1"), NetAddress.Parse("10.0.0.2"), 8, 0, 5);
        var reply = echo.Inverted();
        Assert.Equal(0, reply.IcmpType);
        Assert.Equal(echo.Source, reply.Destination);
        Assert.Equal(echo, reply.Inverted());
    }
}
