using NatGateway.Capacity.Kernel;
using Xunit;

namespace NatGateway.Capacity.Tests.Parsing;

public sealed class SlabInfoParserTests
{
    [Fact]
    public void Parses_every_cache_row_and_skips_the_headers()
    {
        var caches = SlabInfoParser.Parse(SampleKernel.SlabInfo);

        Assert.Equal(11, caches.Count);
        var conntrack = caches.Single(c => c.Name == "nf_conntrack");
        Assert.Equal(new SlabCache("nf_conntrack", 192, 256, 256, 16, 1, 16, 16), conntrack);
    }

    [Theory]
    [InlineData("nf_conntrack", 256.0)]        // 16 × 256 B in one page: no waste
    [InlineData("kmalloc-192", 4096.0 / 21)]   // 21 × 192 B = 4032 B of a page: 195.05 B each
    [InlineData("kmalloc-96", 4096.0 / 42)]
    [InlineData("kmalloc-1k", 1024.0)]         // 16 per 4 pages
    [InlineData("kmalloc-8k", 8192.0)]         // 4 per 8 pages
    public void Effective_bytes_per_object_include_slab_packing(string name, double expected)
    {
        var cache = SlabInfoParser.Parse(SampleKernel.SlabInfo).Single(c => c.Name == name);
        Assert.Equal(expected, cache.EffectiveBytesPerObject(4096), 6);
    }

    [Fact]
    public void Slab_bytes_are_slabs_times_pages()
    {
        var cache = SlabInfoParser.Parse(SampleKernel.SlabInfo).Single(c => c.Name == "kmalloc-512");
        Assert.Equal(193L * 2 * 4096, cache.SlabBytes(4096));
    }

    [Theory]
    [InlineData("")]
    [InlineData("slabinfo - version: 2.1")]
    [InlineData("nf_conntrack 1 2 three 16 1 : tunables 0 0 0 : slabdata 1 1 0")]
    [InlineData("nf_conntrack 1 2 256 16 1 : tunables 0 0 0")]
    public void Malformed_rows_are_ignored(string text) => Assert.Empty(SlabInfoParser.Parse(text));
}
