using NatGateway.Capacity.Kernel;
using Xunit;

namespace NatGateway.Capacity.Tests.Parsing;

public sealed class KernelConntrackFactsReaderTests
{
    private sealed class FakeProc(Dictionary<string, string> files) : IKernelFileReader
    {
        public string? ReadAllText(string path) => files.GetValueOrDefault(path);
    }

    private static Dictionary<string, string> Files() => new()
    {
        ["/proc/slabinfo"] = SampleKernel.SlabInfo,
        ["/proc/meminfo"] = SampleKernel.MemInfo,
        ["/proc/sys/kernel/osrelease"] = "6.18.44-fc-v669\n",
        ["/proc/sys/net/netfilter/nf_conntrack_max"] = "262144\n",
        ["/proc/sys/net/netfilter/nf_conntrack_buckets"] = "262144\n",
        ["/proc/sys/net/netfilter/nf_conntrack_count"] = "1234\n",
        ["/proc/sys/net/netfilter/nf_conntrack_acct"] = "1\n",
        ["/proc/sys/net/netfilter/nf_conntrack_timestamp"] = "0\n",
        ["/proc/sys/net/netfilter/nf_conntrack_events"] = "2\n",
        ["/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait"] = "60\n",
        ["/proc/sys/net/netfilter/nf_conntrack_udp_timeout"] = "15\n",
        ["/proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream"] = "90\n",
        ["/proc/sys/net/ipv4/ip_local_port_range"] = "32768\t60999\n",
    };

    [Fact]
    public void Reads_sizes_limits_and_switches()
    {
        var facts = new KernelConntrackFactsReader(new FakeProc(Files())).Read();

        Assert.Equal("6.18.44-fc-v669", facts.Kernel.Release);
        Assert.Equal(24684084L * 1024, facts.MemTotalBytes);
        Assert.Equal(256, facts.ConntrackSlab?.ObjectSize);
        Assert.Equal(8, facts.KmallocCaches.Count); // kmalloc-cg-/-rcl- rows excluded
        Assert.Equal((262144L, 262144L, 1234L), (facts.ConntrackMax, facts.Buckets, facts.Count));
        Assert.True(facts.Accounting);
        Assert.False(facts.Timestamps);
        Assert.Equal(2, facts.EventsMode);
        Assert.Equal(new PortRange(32768, 60999), facts.LocalPortRange);
    }

    [Fact]
    public void Reads_configured_timeouts_and_keeps_kernel_defaults_for_missing_ones()
    {
        var t = new KernelConntrackFactsReader(new FakeProc(Files())).Read().Timeouts;

        Assert.Equal((60, 15, 90), (t.TcpTimeWait, t.Udp, t.UdpStream));
        Assert.Equal((120, 432000, 30, 600), (t.TcpSynSent, t.TcpEstablished, t.Icmp, t.Generic));
    }

    [Fact]
    public void The_removed_nf_conntrack_helper_sysctl_reads_as_unknown()
    {
        var files = Files();
        Assert.Null(new KernelConntrackFactsReader(new FakeProc(files)).Read().AutomaticHelperAssignment);

        files["/proc/sys/net/netfilter/nf_conntrack_helper"] = "1\n"; // kernels before 6.0
        Assert.True(new KernelConntrackFactsReader(new FakeProc(files)).Read().AutomaticHelperAssignment);
    }

    [Fact]
    public void Without_conntrack_the_slab_row_and_sysctls_are_absent()
    {
        var facts = new KernelConntrackFactsReader(new FakeProc(new()
        {
            ["/proc/sys/kernel/osrelease"] = "6.1.0",
            ["/proc/slabinfo"] = "slabinfo - version: 2.1\n",
        })).Read();

        Assert.Null(facts.ConntrackSlab);
        Assert.Null(facts.ConntrackMax);
        Assert.Null(facts.EventsMode);
        Assert.False(facts.Accounting);
        Assert.Null(facts.LocalPortRange);
    }
}
