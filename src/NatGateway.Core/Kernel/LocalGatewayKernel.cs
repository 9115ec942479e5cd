using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace NatGateway.Core.Kernel;

/// <summary>
/// <see cref="IGatewayKernel"/> for the network namespace this process runs in: /proc/sys, /proc/net and
/// getifaddrs. Run the process with <c>ip netns exec NS natgw ...</c> to manage another namespace.
/// </summary>
public sealed class LocalGatewayKernel(ISysctl sysctl, string procNet = "/proc/net", string sysClassNet = "/sys/class/net") : IGatewayKernel
{
    private readonly Lazy<NatGateway.Nftables.INftablesBackend> _nftables = new(() => new SerializedNftablesBackend(new NatGateway.Nftables.LibNftablesBackend()));

    public ISysctl Sysctl { get; } = sysctl;

    /// <summary>Created on first use, so a host without libnftables still serves the settings pages.</summary>
    public NatGateway.Nftables.INftablesBackend Nftables => _nftables.Value;

    public NatGateway.Conntrack.ConntrackClient OpenConntrack() => new();

    public NatGateway.Conntrack.ConntrackListener OpenConntrackListener(NatGateway.Conntrack.FlowEventGroups groups) => new(groups);

    public NatGateway.Conntrack.Mirror.IConntrackMirrorSource OpenConntrackMirrorSource() => new NatGateway.Conntrack.Mirror.ConntrackClientSource();

    public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces()
    {
        var counters = ProcNetParsers.ParseNetDev(ReadOrEmpty(Path.Combine(procNet, "dev")));
        var result = new List<NetworkInterfaceInfo>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var props = nic.GetIPProperties();
            var addresses = props.UnicastAddresses
                .Where(a => a.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                .Select(a => new InterfaceAddress(new System.Net.IPAddress(a.Address.GetAddressBytes()), a.PrefixLength)) // drop the %scope suffix
                .ToList();
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
        return result.OrderBy(i => i.Index).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<RouteInfo> ListRoutes() =>
        ProcNetParsers.ParseIpv4Routes(ReadOrEmpty(Path.Combine(procNet, "route")))
            .Concat(ProcNetParsers.ParseIpv6Routes(ReadOrEmpty(Path.Combine(procNet, "ipv6_route"))))
            .ToList();

    private static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
