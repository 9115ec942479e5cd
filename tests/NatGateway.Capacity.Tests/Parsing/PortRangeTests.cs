using NatGateway.Capacity.Kernel;
using Xunit;

namespace NatGateway.Capacity.Tests.Parsing;

public sealed class PortRangeTests
{
    [Theory]
    [InlineData("32768\t60999\n", 32768, 60999, 28232)]  // ip_local_port_range default
    [InlineData("1024-65535", 1024, 65535, 64512)]       // an nft rule's range
    [InlineData("  10000 10000 ", 10000, 10000, 1)]
    public void Parses_sysctl_and_rule_syntax(string text, int first, int last, int size)
    {
        var range = PortRange.Parse(text);
        Assert.Equal(new PortRange(first, last), range);
        Assert.Equal(size, range.Size);
    }

    [Theory]
    [InlineData("")]
    [InlineData("60999 32768")]
    [InlineData("1 70000")]
    [InlineData("a-b")]
    [InlineData("1 2 3")]
    public void Rejects_what_is_not_a_range(string text) => Assert.Throws<FormatException>(() => PortRange.Parse(text));

    [Fact]
    public void Nat_default_is_the_unprivileged_ports() => Assert.Equal("1024-65535", PortRange.NatDefaultUnprivileged.ToString());
}
