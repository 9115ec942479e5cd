using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Model;
using Xunit;
using E = NatGateway.Capacity.Model.ConntrackExtensions;

namespace NatGateway.Capacity.Tests.Model;

public sealed class ConntrackMemoryModelTests
{
    [Theory]
    [InlineData(E.None, 256.0)]
    [InlineData(E.Ecache, 384.0)]                                        // the notes' 1,000,000-entry measurement: 256 + 128
    [InlineData(E.Nat | E.Acct, 384.0)]
    [InlineData(E.Helper | E.Acct | E.Ecache | E.Tstamp, 256 + 4096.0 / 21)] // kmalloc-192 packs 21 per page
    public void Entry_cost_is_slab_object_plus_extension_size_class(E set, double expected) =>
        Assert.Equal(expected, SampleKernel.Model().EntryCost(set).TotalBytes, 6);

    [Fact]
    public void Entry_cost_breakdown_names_the_size_class()
    {
        var cost = SampleKernel.Model().EntryCost(E.Nat | E.Acct);
        Assert.Equal((256, 56, 128L), (cost.ConntrackObjectSize, cost.ExtensionUsedBytes, cost.ExtensionSizeClass));
    }

    [Fact]
    public void A_million_entries_with_events_cost_384_MB() =>
        Assert.Equal(384_000_000L, SampleKernel.Model().EntriesMemoryBytes(1_000_000, E.Ecache));

    [Fact]
    public void A_bigger_nf_conn_object_with_worse_packing_is_followed()
    {
        // e.g. a debug kernel: 320-byte objects, 12 per page → 341.33 B per object
        var slab = new SlabCache("nf_conntrack", 0, 0, 320, 12, 1, 0, 0);
        var model = new ConntrackMemoryModel(4096, slab, []);
        Assert.Equal(4096.0 / 12, model.EntryCost(E.None).TotalBytes, 6);
        Assert.Equal(320, model.ConntrackObjectSize);
    }

    [Fact]
    public void Without_slabinfo_the_x86_64_defaults_apply()
    {
        var model = ConntrackMemoryModel.X86_64Default;
        Assert.Equal(384.0, model.EntryCost(E.Acct).TotalBytes, 6);
        Assert.Equal(256 + 4096.0 / 21, model.EntryCost(E.Helper | E.Acct | E.Ecache | E.Tstamp).TotalBytes, 6);
    }

    [Theory]
    [InlineData(1, 512)]
    [InlineData(1000, 1024)]
    [InlineData(262144, 262144)]
    [InlineData(500000, 500224)]
    public void Buckets_are_rounded_to_whole_pages_of_heads(long requested, long allocated) =>
        Assert.Equal(allocated, SampleKernel.Model().AllocatedBuckets(requested));

    [Theory]
    [InlineData(1024, 8192)]                 // 8 KiB: kmalloc-8k
    [InlineData(65536, 524288)]              // 512 KiB
    [InlineData(262144, 2097152)]            // default on > 4 GiB RAM: 2 MiB
    [InlineData(300000, 4194304)]            // 2.29 MiB → order-10 block of 4 MiB
    [InlineData(1000000, 8003584)]           // beyond 4 MiB: vmalloc, whole pages (1000448 heads × 8)
    public void Hash_table_memory_follows_kvmalloc(long buckets, long bytes) =>
        Assert.Equal(bytes, SampleKernel.Model().BucketsMemoryBytes(buckets));
}
