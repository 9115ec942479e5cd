namespace NatGateway.Core.Kernel;

/// <summary>
/// The one boundary between NatGateway and the kernel of the network namespace it manages. Every member is a typed,
/// serializable operation (filters and rule lists as data; no sockets, delegates or command text cross it), so the
/// same interface is served in-process (<see cref="LocalGatewayKernel"/>, single-process mode) or by the privileged
/// <c>natgw agent</c> over its Unix socket (agent mode). When the agent cannot be reached, operations throw
/// <see cref="KernelUnavailableException"/> and <see cref="Availability"/> says why.
/// </summary>
public interface IGatewayKernel
{
    /// <summary>/proc/sys of the namespace: only the keys NatGateway manages (forwarding, rp_filter, conntrack).</summary>
    ISysctl Sysctl { get; }

    /// <summary>NatGateway's own nftables tables (<c>table ip natgw</c>, <c>table ip6 natgw</c>); nothing else is reachable.</summary>
    INatTables NatTables { get; }

    /// <summary>The conntrack table over ctnetlink (<c>conntrack -L/-D/-F/-C/-S/-E</c>).</summary>
    IConntrackKernel Conntrack { get; }

    /// <summary>The sysctl.d and modprobe.d files that make settings survive a reboot (by file kind, never by path).</summary>
    ISettingsPersistence Persistence { get; }

    /// <summary>Host facts for the doctor (softnet, interrupts, RPS, offloads, policy rules, kernel log, drop capture).</summary>
    IHostDiagnostics Diagnostics { get; }

    /// <summary>The live packet tracer's kernel half (nftrace events).</summary>
    IPacketTracing Tracing { get; }

    /// <summary>keepalived and conntrackd of this node (the HA pair).</summary>
    IClusterServices Cluster { get; }

    /// <summary>Whether the kernel side answers (always true in single-process mode).</summary>
    IKernelAvailability Availability { get; }

    /// <summary>Interfaces with state, MTU, addresses and counters (<c>ip -s addr</c>).</summary>
    IReadOnlyList<NetworkInterfaceInfo> ListInterfaces();

    /// <summary>
    /// Interface names and addresses and whether IPv4/IPv6 forwarding is on: what rule validation's warnings need, in one
    /// read. Not <see cref="ListInterfaces"/>, whose sysfs reads, counters and link dump took half of a rule's create at
    /// 10,000 rules (agent mode: two round trips per create, now one).
    /// </summary>
    NatGateway.Nat.HostFacts ReadHostFacts();

    /// <summary>IPv4 and IPv6 routes of the main table (<c>ip route; ip -6 route</c>).</summary>
    IReadOnlyList<RouteInfo> ListRoutes();

    /// <summary>What the conntrack memory model is sized from: slab sizes (<c>/proc/slabinfo</c>, root only), RAM,
    /// nf_conntrack_max/buckets/count and the timeouts.</summary>
    NatGateway.Capacity.Kernel.KernelConntrackFacts ReadConntrackFacts();
}
