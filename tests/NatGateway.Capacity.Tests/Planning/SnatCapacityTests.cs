using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Planning;
using Xunit;

namespace NatGateway.Capacity.Tests.Planning;

public sealed class SnatCapacityTests
{
    [Fact]
    public void Without_a_rule_range_the_kernel_uses_1024_to_65535()
    {
        var snat = SnatCapacity.Compute(null, 1, null, new PortRange(32768, 60999));

        Assert.Equal(64512, snat.FlowsPerAddressPerDestination);
        Assert.Equal("kernel default", snat.PortRangeSource);
        Assert.Null(snat.AddressesNeeded);
        Assert.Equal(new PortRange(32768, 60999), snat.LocalPortRange);
    }

    [Theory]
    [InlineData(200_000, 4)]   // 200,000 / 64,512 = 3.1
    [InlineData(64_512, 1)]
    [InlineData(64_513, 2)]
    [InlineData(1, 1)]
    public void Addresses_needed_for_flows_to_one_destination(long target, int addresses) =>
        Assert.Equal(addresses, SnatCapacity.Compute(null, 1, target, null).AddressesNeeded);

    [Fact]
    public void A_rule_range_limits_each_address()
    {
        var snat = SnatCapacity.Compute(new PortRange(10000, 19999), 3, 25_000, null);

        Assert.Equal(10000, snat.FlowsPerAddressPerDestination);
        Assert.Equal(30000, snat.FlowsPerDestination);
        Assert.Equal(3, snat.AddressesNeeded);
        Assert.Equal("rule", snat.PortRangeSource);
    }

    [Fact]
    public void At_least_one_address() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SnatCapacity.Compute(null, 0, null, null));
}
