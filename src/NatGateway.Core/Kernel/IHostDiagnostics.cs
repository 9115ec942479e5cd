namespace NatGateway.Core.Kernel;

/// <summary>
/// Read-mostly facts about the host's packet path that the doctor needs (issue 13): softnet backlog, interrupt spread,
/// RPS masks, link kinds, offloads over ethtool netlink, policy routing, the kernel log's netfilter lines, and an
/// on-demand capture of the <c>skb:kfree_skb</c> tracepoint. Each member is a typed operation, so agent mode serves it
/// from <c>natgw agent</c> (root) like every other kernel read; nothing here takes a path or a command.
/// </summary>
public interface IHostDiagnostics
{
    /// <summary>/proc/net/softnet_stat, one row per CPU (processed, dropped = backlog full, time_squeeze).</summary>
    IReadOnlyList<SoftnetCpu> ReadSoftnet();

    /// <summary>/proc/interrupts: the device interrupts (not the CPU-local ones such as LOC or RES), with counts per CPU.</summary>
    InterruptTable ReadInterrupts();

    /// <summary>/sys/class/net/*/queues/rx-*/rps_cpus of every interface of the namespace.</summary>
    IReadOnlyList<RpsQueue> ReadRps();

    /// <summary>LRO (large-receive-offload) per interface through ethtool netlink (ETHTOOL_MSG_FEATURES_GET).</summary>
    IReadOnlyList<InterfaceOffloads> ReadOffloads();

    /// <summary>Turns LRO on or off on one interface (ETHTOOL_MSG_FEATURES_SET). Throws when the driver refuses.</summary>
    void SetLro(string interfaceName, bool enabled);

    /// <summary>Policy routing rules (<c>ip rule</c>, <c>ip -6 rule</c>) over rtnetlink RTM_GETRULE.</summary>
    IReadOnlyList<RoutingRule> ListRoutingRules();

    /// <summary>The forward-hook base chains of the nftables tables that are not NatGateway's (<c>nft -j list chains</c>, then <c>list table</c> of those tables),
    /// with their policies and rules, for lint. Read only: nothing in another table is ever changed.</summary>
    IReadOnlyList<ForeignForwardChain> ListForeignForwardChains();

    /// <summary>The netfilter lines of the kernel log (/dev/kmsg) after <paramref name="afterSequence"/> (0: all kept);
    /// only lines the doctor reads (conntrack table full, and the like), never the rest of the log.</summary>
    KernelLogRead ReadKernelLog(ulong afterSequence);

    /// <summary>Counts <c>skb:kfree_skb</c> events by drop reason and location for <paramref name="duration"/> in a
    /// tracefs instance of its own (mounted if needed, removed afterwards). Bounded in time and events; throws
    /// <see cref="NotSupportedException"/> with the reason where tracefs or the tracepoint is missing.</summary>
    DropCapture CaptureDrops(TimeSpan duration);
}

/// <summary>One row of /proc/net/softnet_stat (net/core/net-procfs.c softnet_seq_show).</summary>
public sealed record SoftnetCpu(int Cpu, ulong Processed, ulong Dropped, ulong TimeSqueeze, ulong ReceivedRps, ulong FlowLimitCount);

/// <summary>Device interrupts with their per-CPU counts; <see cref="CpuCount"/> is the number of CPU columns.</summary>
public sealed record InterruptTable(int CpuCount, IReadOnlyList<InterruptLine> Lines);

/// <summary>One /proc/interrupts line: the IRQ, its counts per CPU and its description (which names the device).</summary>
public sealed record InterruptLine(string Irq, IReadOnlyList<ulong> PerCpu, string Description);

/// <summary>One receive queue's RPS CPU mask (hex as the kernel prints it; all zero = RPS off).</summary>
public sealed record RpsQueue(string Interface, string Queue, string CpuMask)
{
    public bool Enabled => CpuMask.Any(c => c is not ('0' or ',' or '\n'));
}

/// <summary>An interface's kind (<see cref="NetworkInterfaceInfo.Kind"/>): what rtnetlink's IFLA_INFO_KIND names (drivers/net/*: "veth", "vxlan", "gre", "wireguard", ...).</summary>
public enum LinkKind
{
    /// <summary>A physical NIC or anything without IFLA_LINKINFO.</summary>
    Device,
    Loopback,
    Veth,
    Bridge,
    Bond,
    Vlan,
    Macvlan,
    Vxlan,
    Geneve,
    Gre,
    Gretap,
    Ip6Gre,
    Ip6Gretap,
    Ipip,
    Sit,
    Ip6Tunnel,
    Wireguard,
    Tun,
    Dummy,
    Other,
}

/// <summary>LRO of one interface: whether it is on, and whether the driver lets it change.</summary>
public sealed record InterfaceOffloads(string Interface, bool LroActive, bool LroChangeable);

/// <summary>A policy routing rule (<c>ip rule</c>): priority, table, and whether it is one of the three defaults.</summary>
public sealed record RoutingRule(NatGateway.Conntrack.IPFamily Family, int Priority, int Table, string? Selector)
{
    /// <summary>The kernel's defaults: 0 → local, 32766 → main, 32767 → default (fib_default_rules_init).</summary>
    public bool IsDefault => (Priority, Table) is (0, 255) or (32766, 254) or (32767, 253);
}

/// <summary>Netfilter lines of the kernel log since a sequence number.</summary>
public sealed record KernelLogRead(IReadOnlyList<KernelLogLine> Lines, ulong LastSequence, bool Available, string? Reason);

/// <summary>One /dev/kmsg record: its sequence number, microseconds since boot, and the message.</summary>
public sealed record KernelLogLine(ulong Sequence, ulong MicrosecondsSinceBoot, string Message);

/// <summary>A finished capture: how long, how many events, and counts by reason and by location symbol.</summary>
public sealed record DropCapture(TimeSpan Duration, long Events, bool Truncated,
    IReadOnlyList<DropCount> ByReason, IReadOnlyList<DropCount> ByLocation);

/// <summary>A drop reason (SKB_DROP_REASON_*, e.g. NETFILTER_DROP) or a location symbol, with its count.</summary>
public sealed record DropCount(string Name, long Count);
