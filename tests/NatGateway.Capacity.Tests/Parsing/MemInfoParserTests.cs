using NatGateway.Capacity.Kernel;
using Xunit;

namespace NatGateway.Capacity.Tests.Parsing;

public sealed class MemInfoParserTests
{
    [Theory]
    [InlineData("MemTotal", 24684084L * 1024)]
    [InlineData("Slab", 109384L * 1024)]
    [InlineData("SUnreclaim", 25344L * 1024)]
    [InlineData("HugePages_Total", 0L)]
    public void Values_in_kB_become_bytes_and_counters_stay_counts(string key, long expected) =>
        Assert.Equal(expected, MemInfoParser.Parse(SampleKernel.MemInfo)[key]);

    [Fact]
    public void Lines_without_a_number_are_skipped() =>
        Assert.Equal(["MemTotal"], MemInfoParser.Parse("garbage line\nMemTotal: 4 kB\nEmpty:\n").Keys);
}
