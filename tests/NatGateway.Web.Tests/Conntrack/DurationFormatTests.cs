using NatGateway.Web.Components.Conntrack;
using Xunit;

namespace NatGateway.Web.Tests.Conntrack;

public sealed class DurationFormatTests
{
    [Theory]
    [InlineData(0u, "0s")]
    [InlineData(45u, "45s")]
    [InlineData(125u, "2m 05s")]
    [InlineData(3600u, "1h 00m")]
    [InlineData(11_220u, "3h 07m")]
    [InlineData(431_909u, "4d 23h 58m")]
    [InlineData(432_000u, "5d 00h 00m")]
    public void Timeouts_read_as_durations(uint seconds, string expected) => Assert.Equal(expected, DurationFormat.Seconds(seconds));
}
