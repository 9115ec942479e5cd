using NatGateway.Capacity.Kernel;
using Xunit;

namespace NatGateway.Capacity.Tests.Parsing;

public sealed class KmallocSizeClassNameTests
{
    [Theory]
    [InlineData("kmalloc-8", 8)]
    [InlineData("kmalloc-192", 192)]
    [InlineData("kmalloc-1k", 1024)]
    [InlineData("kmalloc-8k", 8192)]
    public void Generic_caches_give_their_size(string name, int size)
    {
        Assert.True(KmallocSizeClassName.TrySize(name, out var parsed));
        Assert.Equal(size, parsed);
        Assert.Equal(name, KmallocSizeClassName.For(size));
    }

    [Theory]
    [InlineData("kmalloc-cg-128")]   // memcg-accounted: not where conntrack extensions go
    [InlineData("kmalloc-rcl-96")]
    [InlineData("dma-kmalloc-64")]
    [InlineData("kmalloc_buckets")]
    [InlineData("nf_conntrack")]
    public void Other_caches_are_not_generic(string name) => Assert.False(KmallocSizeClassName.IsGenericKmalloc(name));
}
