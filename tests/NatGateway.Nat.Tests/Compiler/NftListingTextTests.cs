using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Nat.Tests.Compiler;

/// <summary>
/// The compiler's own listing text (what revisions keep instead of a scratch-namespace rendering) is line for line the
/// kernel's <c>nft -s list table</c> of every golden batch (the golden files hold the kernel's listing).
/// </summary>
public sealed class NftListingTextTests
{
    public static TheoryData<string> Names => new(GoldenCases.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Renders_the_kernels_listing_of_the_golden_batch(string name)
    {
        var c = GoldenCases.All.Single(g => g.Name == name);
        var text = NftListingText.Render(c.Compile());
        var expected = Golden.Load(c)["nftTable"]!.AsArray().Select(n => n!.GetValue<string>());
        Assert.Equal(Lines(expected), Lines(text.Split('\n')));
    }

    internal static string[] Lines(IEnumerable<string> lines) => lines.Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();
}
