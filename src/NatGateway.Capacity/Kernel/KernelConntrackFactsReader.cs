using System.Globalization;

namespace NatGateway.Capacity.Kernel;

/// <summary>
/// Reads <see cref="KernelConntrackFacts"/> from /proc: slabinfo, meminfo, the net.netfilter conntrack sysctls,
/// ip_local_port_range and the kernel release. Equivalent to
/// <c>grep nf_conntrack /proc/slabinfo; sysctl net.netfilter; uname -r</c>.
/// </summary>
public sealed class KernelConntrackFactsReader(IKernelFileReader files)
{
    private const string Netfilter = "/proc/sys/net/netfilter/";

    public KernelConntrackFactsReader() : this(ProcFileReader.Instance) { }

    public KernelConntrackFacts Read()
    {
        var slabs = files.ReadAllText("/proc/slabinfo") is { } slabText ? SlabInfoParser.Parse(slabText) : [];
        var memInfo = files.ReadAllText("/proc/meminfo") is { } memText ? MemInfoParser.Parse(memText) : new Dictionary<string, long>();
        var release = files.ReadAllText("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.Version.ToString();

        return new KernelConntrackFacts
        {
            Kernel = KernelVersion.Parse(release),
            PageSize = Environment.SystemPageSize,
            MemTotalBytes = memInfo.GetValueOrDefault("MemTotal"),
            ConntrackSlab = slabs.FirstOrDefault(s => s.Name == SlabInfoParser.ConntrackCacheName),
            KmallocCaches = slabs.Where(s => KmallocSizeClassName.IsGenericKmalloc(s.Name)).ToList(),
            ConntrackMax = Long("nf_conntrack_max"),
            Buckets = Long("nf_conntrack_buckets"),
            Count = Long("nf_conntrack_count"),
            Accounting = Long("nf_conntrack_acct") is > 0,
            Timestamps = Long("nf_conntrack_timestamp") is > 0,
            EventsMode = (int?)Long("nf_conntrack_events"),
            AutomaticHelperAssignment = Long("nf_conntrack_helper") is { } helper ? helper > 0 : null,
            Timeouts = ReadTimeouts(),
            LocalPortRange = files.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range") is { } range ? PortRange.Parse(range) : null,
        };
    }

    private ConntrackTimeouts ReadTimeouts()
    {
        var d = ConntrackTimeouts.KernelDefaults;
        return new ConntrackTimeouts
        {
            TcpSynSent = Seconds("nf_conntrack_tcp_timeout_syn_sent", d.TcpSynSent),
            TcpSynRecv = Seconds("nf_conntrack_tcp_timeout_syn_recv", d.TcpSynRecv),
            TcpEstablished = Seconds("nf_conntrack_tcp_timeout_established", d.TcpEstablished),
            TcpFinWait = Seconds("nf_conntrack_tcp_timeout_fin_wait", d.TcpFinWait),
            TcpCloseWait = Seconds("nf_conntrack_tcp_timeout_close_wait", d.TcpCloseWait),
            TcpLastAck = Seconds("nf_conntrack_tcp_timeout_last_ack", d.TcpLastAck),
            TcpTimeWait = Seconds("nf_conntrack_tcp_timeout_time_wait", d.TcpTimeWait),
            TcpClose = Seconds("nf_conntrack_tcp_timeout_close", d.TcpClose),
            TcpUnacknowledged = Seconds("nf_conntrack_tcp_timeout_unacknowledged", d.TcpUnacknowledged),
            Udp = Seconds("nf_conntrack_udp_timeout", d.Udp),
            UdpStream = Seconds("nf_conntrack_udp_timeout_stream", d.UdpStream),
            Icmp = Seconds("nf_conntrack_icmp_timeout", d.Icmp),
            Generic = Seconds("nf_conntrack_generic_timeout", d.Generic),
        };
    }

    private int Seconds(string name, int fallback) => (int?)Long(name) ?? fallback;

    private long? Long(string name) =>
        files.ReadAllText(Netfilter + name) is { } text &&
        long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
}
