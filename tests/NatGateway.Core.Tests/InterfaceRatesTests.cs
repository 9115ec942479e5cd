using NatGateway.Core.Dashboard;
using NatGateway.Core.Kernel;
using Xunit;

namespace NatGateway.Core.Tests;

public sealed class InterfaceRatesTests
{
    [Fact]
    public void Rates_are_deltas_per_second()
    {
        var before = new InterfaceCounters(1000, 10, 2000, 20, 0, 0);
        var after = new InterfaceCounters(3000, 30, 2500, 25, 0, 0);
        var rates = InterfaceRates.Between(before, after, TimeSpan.FromSeconds(2));
        Assert.Equal(new InterfaceRates(10, 2.5, 1000, 250), rates);
    }

    [Fact]
    public void A_counter_reset_gives_zero_not_a_huge_rate()
    {
        var rates = InterfaceRates.Between(new InterfaceCounters(5000, 50, 5000, 50, 0, 0), new InterfaceCounters(10, 1, 10, 1, 0, 0), TimeSpan.FromSeconds(1));
        Assert.Equal(default, rates);
    }
}
