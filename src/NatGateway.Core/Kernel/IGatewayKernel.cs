namespace NatGateway.Core.Kernel;

/// <summary>
/// The one boundary between NatGateway and the kernel of the network namespace it runs in.
/// Everything that reads or changes kernel state goes through here, so it can later move to a
/// separate privileged process without the web layer noticing.
/// </summary>
public interface IGatewayKernel
{
    ISysctl Sysctl { get; }

    /// <summary>libnftables of this namespace: every batch runs as one transaction (<c>nft -f</c>).</summary>
    NatGateway.Nftables.INftablesBackend Nftables { get; }

    /// <summary>A ctnetlink query socket in this namespace (<c>conntrack -L/-D</c>); the caller disposes it.</summary>
    NatGateway.Conntrack.ConntrackClient OpenConntrack();

    /// <summary>A ctnetlink event socket in this namespace (<c>conntrack -E</c>); the caller disposes it.</summary>
    NatGateway.Conntrack.ConntrackListener OpenConntrackListener(NatGateway.Conntrack.FlowEventGroups groups);

    /// <summary>Dump + event sockets for a live mirror of this namespace's table (<c>conntrack -L</c> then <c>-E</c>);
    /// the caller disposes it when it is <see cref="IDisposable"/>.</summary>
    NatGateway.Conntrack.Mirror.IConntrackMirrorSource OpenConntrackMirrorSource();

    /// <summary>Interfaces with state, MTU, addresses and counters (<c>ip -s addr</c>).</summary>
    IReadOnlyList<NetworkInterfaceInfo> ListInterfaces();

    /// <summary>IPv4 and IPv6 routes of the main table (<c>ip route; ip -6 route</c>).</summary>
    IReadOnlyList<RouteInfo> ListRoutes();
}
