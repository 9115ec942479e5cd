using NatGateway.Capacity.Kernel;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Capacity;

/// <summary>
/// The conntrack sysctls the capacity planner applies (<c>sysctl -w net.netfilter.nf_conntrack_max=N</c>).
/// nf_conntrack_max and nf_conntrack_buckets are global to the kernel; the timeouts are per network namespace.
/// </summary>
public static class ConntrackSysctls
{
    public static SysctlKey Max { get; } = Netfilter("nf_conntrack_max");
    /// <summary>Writable at run time (a hash resize) in the initial namespace; the module option <c>hashsize</c> sets it at load.</summary>
    public static SysctlKey Buckets { get; } = Netfilter("nf_conntrack_buckets");

    /// <summary>Timeout sysctls that may be applied, with the kernel default (seconds) of each.</summary>
    public static IReadOnlyDictionary<string, int> TimeoutDefaults { get; } = BuildTimeoutDefaults();

    /// <summary>The message an operator sees when max/buckets cannot be written from this namespace.</summary>
    public const string GlobalReadOnlyExplanation =
        "nf_conntrack_max and nf_conntrack_buckets are global to the kernel: they can only be written from the initial " +
        "network namespace, and are read-only (0444) inside every other one. natgw runs in a non-initial namespace, so " +
        "set them on the host (sysctl -w net.netfilter.nf_conntrack_max=N; buckets also as 'options nf_conntrack hashsize=N' " +
        "in /etc/modprobe.d) or run natgw in the initial namespace. The conntrack timeouts are per namespace and can be set here.";

    public static SysctlKey Timeout(string name) =>
        TimeoutDefaults.ContainsKey(name) ? Netfilter(name) : throw new ArgumentOutOfRangeException(nameof(name), name, "not a conntrack timeout sysctl");

    public static bool IsGlobal(SysctlKey key) => key == Max || key == Buckets;

    private static SysctlKey Netfilter(string name) => new(["net", "netfilter", name]);

    private static Dictionary<string, int> BuildTimeoutDefaults()
    {
        var d = ConntrackTimeouts.KernelDefaults;
        return new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["nf_conntrack_tcp_timeout_syn_sent"] = d.TcpSynSent,
            ["nf_conntrack_tcp_timeout_syn_recv"] = d.TcpSynRecv,
            ["nf_conntrack_tcp_timeout_established"] = d.TcpEstablished,
            ["nf_conntrack_tcp_timeout_fin_wait"] = d.TcpFinWait,
            ["nf_conntrack_tcp_timeout_close_wait"] = d.TcpCloseWait,
            ["nf_conntrack_tcp_timeout_last_ack"] = d.TcpLastAck,
            ["nf_conntrack_tcp_timeout_time_wait"] = d.TcpTimeWait,
            ["nf_conntrack_tcp_timeout_close"] = d.TcpClose,
            ["nf_conntrack_tcp_timeout_unacknowledged"] = d.TcpUnacknowledged,
            ["nf_conntrack_udp_timeout"] = d.Udp,
            ["nf_conntrack_udp_timeout_stream"] = d.UdpStream,
            ["nf_conntrack_icmp_timeout"] = d.Icmp,
            ["nf_conntrack_icmpv6_timeout"] = 30,
            ["nf_conntrack_generic_timeout"] = d.Generic,
        };
    }
}
