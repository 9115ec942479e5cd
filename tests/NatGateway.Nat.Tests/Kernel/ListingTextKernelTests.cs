using NatGateway.Nftables;
using NatGateway.Nat.Tests.Compiler;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Nat.Tests.Kernel;

/// <summary>
/// Revisions keep the compiler's listing text (<see cref="NftListingText"/>) instead of applying every batch in a scratch
/// namespace and listing it back: at scale (thousands of map elements, per-element comments, a restricted forward that
/// splits the maps, hairpin, IPv6, a port range, SNAT and masquerade) it is line for line what the kernel lists.
/// </summary>
public sealed class ListingTextKernelTests
{
    [KernelFact]
    public void The_compiler_listing_of_thousands_of_rules_is_the_kernels_rendering()
    {
        var rules = new List<NatRule>();
        var n = 0;
        for (var i = 0; i < 3000; i++)
            rules.Add(Rules.Forward(++n, 10_000 + i, $"10.77.2.{2 + i % 200}", i % 3 == 0 ? 20_000 + i : null, protocol: i % 2 == 0 ? NatProtocol.Udp : NatProtocol.Tcp));
        rules.Add(Rules.Forward(++n, 11_500, "10.77.2.9", 443) with { SourceCidrs = [IpPrefix.Parse("10.77.1.0/24")] });
        rules.Add(Rules.Forward(++n, 9_000, "10.77.2.3", 80) with { Hairpin = true });
        rules.Add(Rules.Forward(++n, 8_000, "fd77:2::2", 80) with { Family = NatFamily.Ipv6, DestinationPort = PortRange.Parse("8000-8002"), TargetPort = PortRange.Parse("80-82") });
        rules.Add(Rules.Snat(++n, "10.77.2.8-10.77.2.11"));
        rules.Add(Rules.Snat(++n, "10.77.2.20-10.77.2.22") with { OutInterfaces = ["wan0", "eth*"] });
        rules.Add(Rules.Masquerade(++n));

        var compiled = NatRulesetCompiler.Compile(rules, null, ["wg0", "gre0"]);
        var kernel = NftablesNatEngine.RenderInScratchNamespace(compiled);

        Assert.Equal(NftListingTextTests.Lines(kernel.Split('\n')), NftListingTextTests.Lines(NftListingText.Render(compiled).Split('\n')));
    }
}
