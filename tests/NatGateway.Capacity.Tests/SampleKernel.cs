using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Model;

namespace NatGateway.Capacity.Tests;

/// <summary>Sample /proc text captured on the 6.18 x86_64 test machine, for pure unit tests.</summary>
internal static class SampleKernel
{
    public const string SlabInfo = """
        slabinfo - version: 2.1
        # name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
        nf_conntrack         192    256    256   16    1 : tunables    0    0    0 : slabdata     16     16      0
        kmalloc-cg-128        96     96    128   32    1 : tunables    0    0    0 : slabdata      3      3      0
        kmalloc-rcl-96     12642  12642     96   42    1 : tunables    0    0    0 : slabdata    301    301      0
        kmalloc-8k            40     40   8192    4    8 : tunables    0    0    0 : slabdata     10     10      0
        kmalloc-1k           762    768   1024   16    4 : tunables    0    0    0 : slabdata     48     48      0
        kmalloc-512         1979   3088    512   16    2 : tunables    0    0    0 : slabdata    193    193      0
        kmalloc-256          769    800    256   16    1 : tunables    0    0    0 : slabdata     50     50      0
        kmalloc-128         4160   4160    128   32    1 : tunables    0    0    0 : slabdata    130    130      0
        kmalloc-64          2511   2624     64   64    1 : tunables    0    0    0 : slabdata     41     41      0
        kmalloc-192         3076   3276    192   21    1 : tunables    0    0    0 : slabdata    156    156      0
        kmalloc-96          3442   3444     96   42    1 : tunables    0    0    0 : slabdata     82     82      0
        """;

    public const string MemInfo = """
        MemTotal:       24684084 kB
        MemFree:        23000000 kB
        Slab:             109384 kB
        SUnreclaim:        25344 kB
        HugePages_Total:       0
        """;

    public static KernelConntrackFacts Facts(Func<KernelConntrackFacts, KernelConntrackFacts>? change = null)
    {
        var slabs = SlabInfoParser.Parse(SlabInfo);
        var facts = new KernelConntrackFacts
        {
            Kernel = KernelVersion.Parse("6.18.44-fc-v669"),
            PageSize = 4096,
            MemTotalBytes = 24684084L * 1024,
            ConntrackSlab = slabs.Single(s => s.Name == "nf_conntrack"),
            KmallocCaches = slabs.Where(s => KmallocSizeClassName.IsGenericKmalloc(s.Name)).ToList(),
            ConntrackMax = 262144,
            Buckets = 262144,
            Count = 0,
            EventsMode = 2,
            LocalPortRange = new PortRange(32768, 60999),
        };
        return change is null ? facts : change(facts);
    }

    public static ConntrackMemoryModel Model() => ConntrackMemoryModel.FromFacts(Facts());
}
