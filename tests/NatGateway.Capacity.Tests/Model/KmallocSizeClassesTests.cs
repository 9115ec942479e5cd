using NatGateway.Capacity.Model;
using Xunit;

namespace NatGateway.Capacity.Tests.Model;

public sealed class KmallocSizeClassesTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 8)]
    [InlineData(65, 96)]
    [InlineData(96, 96)]
    [InlineData(97, 128)]
    [InlineData(129, 192)]
    [InlineData(193, 256)]
    [InlineData(257, 512)]
    [InlineData(8192, 8192)]
    [InlineData(8193, 16384)]      // page allocator: power-of-two pages
    [InlineData(2_097_152, 2_097_152)]
    public void Requests_land_in_the_next_class(long requested, long expected) =>
        Assert.Equal(expected, KmallocSizeClasses.RoundUp(requested));
}
