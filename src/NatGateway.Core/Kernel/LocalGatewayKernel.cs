using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace NatGateway.Core.Kernel;

/// <summary>
/// <see cref="IGatewayKernel"/> for the network namespace this process runs in: /proc/sys, /proc/net and
/// getifaddrs, libnftables and ctnetlink. Single-process mode uses it in the web process; <c>natgw agent</c> serves it to
/// the web process over its socket. Run the process with <c>ip netns exec NS natgw ...</c> to manage another namespace.
/// </summary>
public sealed class LocalGatewayKernel(ISysctl sysctl, PersistencePaths? persistence = null, NatGateway.Nftables.NatCompileOptions? compileOptions = null,
    string procNet = "/proc/net", string sysClassNet = "/sys/class/net", NatGateway.Core.Cluster.ClusterServiceOptions? cluster = null) : IGatewayKernel
{
    private readonly NatGateway.Capacity.Kernel.KernelConntrackFactsReader _facts = new();

    public ISysctl Sysctl { get; } = sysctl;

    public INatTables NatTables { get; } = new LocalNatTables(compileOptions ?? new NatGateway.Nftables.NatCompileOptions());

    public IConntrackKernel Conntrack { get; } = new LocalConntrackKernel();

    public ISettingsPersistence Persistence { get; } = new FilePersistence(persistence ?? new PersistencePaths());

    public IKernelAvailability Availability => AlwaysAvailable.Instance;

    public IHostDiagnostics Diagnostics { get; } = new LocalHostDiagnostics(procNet, sysClassNet, compileOptions);

    public IPacketTracing Tracing { get; } = new LocalPacketTracing(compileOptions);
    /// <summary>keepalived and conntrackd as this process's supervised children (nothing runs until an Apply).</summary>
    public IClusterServices Cluster { get; } = new LocalClusterServices(sysctl, cluster);

    public NatGateway.Capacity.Kernel.KernelConntrackFacts ReadConntrackFacts() => _facts.Read();

    public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces()
    {
        var counters = ProcNetParsers.ParseNetDev(ReadOrEmpty(Path.Combine(procNet, "dev")));
        var result = new List<NetworkInterfaceInfo>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var addresses = UnicastAddresses(nic).Select(a => new InterfaceAddress(WithoutScope(a.Address), a.PrefixLength)).ToList();
            var dir = Path.Combine(sysClassNet, nic.Name);
            var operState = ReadOrEmpty(Path.Combine(dir, "operstate")).Trim();
            if (operState.Length == 0) operState = nic.OperationalStatus.ToString().ToLowerInvariant();
            int.TryParse(ReadOrEmpty(Path.Combine(dir, "mtu")).Trim(), out var mtu);
            int.TryParse(ReadOrEmpty(Path.Combine(dir, "ifindex")).Trim(), out var index);
            var flagsText = ReadOrEmpty(Path.Combine(dir, "flags")).Trim();
            var isUp = flagsText.StartsWith("0x", StringComparison.Ordinal)
                ? (Convert.ToInt32(flagsText, 16) & 1) != 0 // IFF_UP
                : nic.OperationalStatus == OperationalStatus.Up;
            var mac = nic.GetPhysicalAddress().GetAddressBytes();
            result.Add(new NetworkInterfaceInfo(nic.Name, index, operState, isUp, mtu,
                mac.Length == 0 ? null : string.Join(':', mac.Select(b => b.ToString("x2"))),
                addresses, counters.GetValueOrDefault(nic.Name)));
        }
        // Kind and lower device come from rtnetlink only (IFLA_LINKINFO, IFLA_LINK): getifaddrs and sysfs do not say
        // "vxlan over eth1". Matched by name: both answer for this namespace.
        Dictionary<string, NatGateway.Netlink.Route.RouteLink> links;
        using (var route = new NatGateway.Netlink.Route.RouteClient())
            links = route.DumpLinks().GroupBy(l => l.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        result = result.Select(i => NatGateway.Core.Kernel.Diagnostics.LinkKinds.Annotate(i, links)).ToList();
        return result.OrderBy(i => i.Index).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
    }

    public NatGateway.Nat.HostFacts ReadHostFacts() => new(
        NetworkInterface.GetAllNetworkInterfaces()
            .Select(nic => new NatGateway.Nat.HostInterface(nic.Name, UnicastAddresses(nic).Select(a => WithoutScope(a.Address)).ToList()))
            .ToList(),
        Sysctl.TryRead(SysctlKey.Ipv4Forwarding) is { } v4 && v4 != "0",
        Sysctl.TryRead(SysctlKey.Ipv6Forwarding) is { } v6 && v6 != "0");

    public IReadOnlyList<RouteInfo> ListRoutes() =>
        ProcNetParsers.ParseIpv4Routes(ReadOrEmpty(Path.Combine(procNet, "route")))
            .Concat(ProcNetParsers.ParseIpv6Routes(ReadOrEmpty(Path.Combine(procNet, "ipv6_route"))))
            .ToList();

    /// <summary>An interface's IPv4 and IPv6 addresses (getifaddrs), as both the full listing and the host facts take them.</summary>
    private static IEnumerable<UnicastIPAddressInformation> UnicastAddresses(NetworkInterface nic) =>
        nic.GetIPProperties().UnicastAddresses.Where(a => a.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6);

    /// <summary>The address without its %scope suffix (fe80::1%eth0): rules and their checks compare bare addresses.</summary>
    private static System.Net.IPAddress WithoutScope(System.Net.IPAddress address) => new(address.GetAddressBytes());

    private static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
