using NatGateway.Core.Rules;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Core.Tests.Rules;

/// <summary>The one-line summaries of the prefix-map and redirect kinds (lists, previews, revision documents).</summary>
public sealed class RuleSummaryTests
{
    [Fact]
    public void Prefix_maps_and_redirects_read_as_one_line_each()
    {
        Assert.Equal("1:1 out wan0,wan1 10.0.0.0/24 ↔ 192.0.2.0/24 +hairpin", RuleListDiff.Summary(new OneToOneRule
        {
            Name = "o", OutsideInterfaces = ["wan0", "wan1"], InsidePrefix = IpPrefix.Parse("10.0.0.0/24"), OutsidePrefix = IpPrefix.Parse("192.0.2.0/24"), Hairpin = true,
        }));
        Assert.Equal("nptv6 out wan0 fd00:1::/64 ↔ 2001:db8:1::/64", RuleListDiff.Summary(new Nptv6Rule
        {
            Name = "n", Family = NatFamily.Ipv6, OutsideInterfaces = ["wan0"], InsidePrefix = IpPrefix.Parse("fd00:1::/64"), OutsidePrefix = IpPrefix.Parse("2001:db8:1::/64"),
        }));
        Assert.Equal("redirect tcp in lan0 *:80 → local :3128 from 10.0.0.0/8", RuleListDiff.Summary(new RedirectRule
        {
            Name = "r", InInterfaces = ["lan0"], DestinationPort = new PortRange(80), TargetPort = new PortRange(3128), SourceCidrs = [IpPrefix.Parse("10.0.0.0/8")],
        }));
        Assert.Equal("redirect both in lan0 10.0.0.1:53 → local :53", RuleListDiff.Summary(new RedirectRule
        {
            Name = "k", InInterfaces = ["lan0"], Protocol = NatProtocol.Both, DestinationAddress = System.Net.IPAddress.Parse("10.0.0.1"), DestinationPort = new PortRange(53),
        }));
    }
}
