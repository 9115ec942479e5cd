using NatGateway.Nat;
using Xunit;

namespace NatGateway.Nat.Tests.Domain;

public sealed class ValueTypeTests
{
    [Theory]
    [InlineData("80", 80, 80)]
    [InlineData("1000-2000", 1000, 2000)]
    [InlineData(" 1 - 65535 ", 1, 65535)]
    public void PortRange_parses_single_ports_and_ranges(string text, int from, int to)
    {
        var range = PortRange.Parse(text);
        Assert.Equal((from, to), (range.From, range.To));
        Assert.Equal(to - from + 1, range.Width);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("99999999999999")]
    [InlineData("20-10")]
    [InlineData("1-2-3")]
    [InlineData("-5")]
    [InlineData("")]
    public void PortRange_rejects_bad_text(string text) => Assert.False(PortRange.TryParse(text, out _, out _));

    [Fact]
    public void IpPrefix_containment_and_overlap()
    {
        var net = IpPrefix.Parse("10.77.0.0/16");
        Assert.True(net.Contains(Rules.Ip("10.77.200.1")));
        Assert.False(net.Contains(Rules.Ip("10.78.0.1")));
        Assert.True(net.Contains(IpPrefix.Parse("10.77.1.0/24")));
        Assert.False(IpPrefix.Parse("10.77.1.0/24").Contains(net));
        Assert.True(IpPrefix.Parse("10.77.1.0/24").Overlaps(net));
        Assert.Equal("10.77.1.2", IpPrefix.Parse("10.77.1.2").ToString());
        Assert.True(IpPrefix.Parse("fd77::/16").Contains(Rules.Ip("fd77:2::2")));
        Assert.Equal("10.77.255.255", net.Last.ToString());
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1", "10.0.0.1")]
    [InlineData("10.0.0.1-10.0.0.5", "10.0.0.1", "10.0.0.5")]
    [InlineData("10.0.0.8/30", "10.0.0.8", "10.0.0.11")]
    [InlineData("fd00::1-fd00::ff", "fd00::1", "fd00::ff")]
    public void AddressPool_parses_single_range_and_prefix_and_round_trips(string text, string from, string to)
    {
        var pool = AddressPool.Parse(text);
        Assert.Equal((from, to), (pool.From.ToString(), pool.To.ToString()));
        Assert.Equal(text, pool.ToString());
    }

    [Theory]
    [InlineData("10.0.0.1-fd00::1")]
    [InlineData("10.0.0.5-10.0.0.1")]
    [InlineData("1.2.3")]
    [InlineData("10.0.0.1/8")]
    public void AddressPool_rejects_bad_text(string text) => Assert.False(AddressPool.TryParse(text, out _, out _));

    [Fact]
    public void MarkIdAllocator_keeps_existing_ids_and_fills_gaps()
    {
        NatRule[] rules = [Rules.Masquerade(1) with { MarkId = 2 }, Rules.Masquerade(2) with { MarkId = 0 }, Rules.Masquerade(3) with { MarkId = 2 }, Rules.Masquerade(4) with { MarkId = 0 }];
        var assigned = MarkIdAllocator.AssignMissing(rules);
        Assert.Equal([2, 1, 3, 4], assigned.Select(r => r.MarkId).ToArray());
        Assert.Equal(5, MarkIdAllocator.Next(assigned));
    }
}
