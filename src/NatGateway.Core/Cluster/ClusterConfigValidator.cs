using System.Net;
using System.Net.Sockets;
using System.Numerics;
using NatGateway.Core.Kernel;
using NatGateway.Nat;

namespace NatGateway.Core.Cluster;

/// <summary>
/// The one check of a <see cref="ClusterConfig"/>: before it reaches a revision (the API, the page, a replicated shared
/// part), again in <c>natgw agent</c> (which trusts nothing from the web process), and in the writers of keepalived.conf
/// and conntrackd.conf (<see cref="ClusterFileText.EnsureWritable"/>). Every value is range-checked and every name checked
/// against the kernel's rules here, so the writers never see text they would have to escape. Errors are keyed by JSON
/// path, as <see cref="ClusterJson"/> names them.
/// </summary>
public static class ClusterConfigValidator
{
    /// <summary>keepalived's router_id and our node names: short, and only characters that need no quoting anywhere.</summary>
    public const int MaxNodeNameLength = 32;

    /// <summary>A bound on what keepalived is handed (its virtual_ipaddress blocks); far above any real pair.</summary>
    public const int MaxVirtualAddresses = 64;

    public static Dictionary<string, string[]> Validate(ClusterConfig c)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string key, string message)
        {
            if (!errors.TryGetValue(key, out var list)) errors[key] = list = [];
            list.Add(message);
        }

        // RFC 5798 §5.2.3: the VRID is 1..255 (8 bits, 0 unused); both nodes must use the same.
        if (c.VirtualRouterId is < 1 or > 255) Add("virtualRouterId", "must be 1..255 (RFC 5798 §5.2.3)");
        var cs = ClusterJson.Centiseconds(c.AdvertInterval);
        if (cs is < 1 or > 4095 || Math.Abs(c.AdvertInterval.TotalMilliseconds - cs * 10) > 0.001)
            Add("advertIntervalSeconds", "must be 0.01..40.95 seconds in 10 ms steps (RFC 5798 §5.2.7: 12 bits of centiseconds)");

        NodeName(c.Local.Name, "local.name", Add);
        NodeName(c.Peer.Name, "peer.name", Add);
        if (string.Equals(c.Local.Name, c.Peer.Name, StringComparison.OrdinalIgnoreCase))
            Add("peer.name", "must differ from local.name (the page and the logs tell the nodes apart by name)");
        // 255 is the address owner's priority (RFC 5798 §5.2.4): neither node owns the VIPs, so 1..254.
        if (c.Local.Priority is < 1 or > 254) Add("local.priority", "must be 1..254 (255 is reserved for the address owner, RFC 5798 §5.2.4)");

        Interface(c.Local.InsideInterface, "local.insideInterface", Add);
        Interface(c.Local.OutsideInterface, "local.outsideInterface", Add);
        Interface(c.Local.SyncInterface, "local.syncInterface", Add);
        if (c.Local.InsideInterface == c.Local.OutsideInterface) Add("local.outsideInterface", "must differ from local.insideInterface");
        // A dedicated link: conntrackd's state sync must not share a wire with the traffic it protects (HA-NOTES topology).
        if (c.Local.SyncInterface == c.Local.InsideInterface || c.Local.SyncInterface == c.Local.OutsideInterface)
            Add("local.syncInterface", "must be a dedicated link, not the inside or outside interface");

        if (c.Peer.SyncPort is < 1 or > 65535) Add("peer.syncPort", "must be 1..65535");

        // The sync link: both ends in one subnet, so the nodes reach each other without a router.
        var local = c.Local.SyncAddress;
        if (Unusable(local.Address) is { } badLocal) Add("local.syncAddress", badLocal);
        else if (PrefixProblem(local) is { } badPrefix) Add("local.syncAddress", badPrefix);
        else if (HostProblem(local) is { } hostProblem) Add("local.syncAddress", hostProblem);
        if (Unusable(c.Peer.SyncAddress) is { } badPeer) Add("peer.syncAddress", badPeer);
        else if (local.Address.AddressFamily != c.Peer.SyncAddress.AddressFamily)
            Add("peer.syncAddress", "must be in the same address family as local.syncAddress");
        else if (c.Peer.SyncAddress.Equals(local.Address))
            Add("peer.syncAddress", "must differ from local.syncAddress");
        else if (!InPrefix(c.Peer.SyncAddress, local))
            Add("peer.syncAddress", $"must be in local.syncAddress's subnet {Network(local)} (the sync link is one subnet)");

        // Virtual addresses: at least one per side; no repeats; never a sync address. Both families may share a side:
        // a VRRP virtual router is per address family (RFC 5798 §1), so KeepalivedConf writes one instance per family and
        // side, all in the one sync group.
        if (c.VirtualAddresses.Count == 0) Add("virtualAddresses", "needs an inside and an outside virtual address");
        if (c.VirtualAddresses.Count > MaxVirtualAddresses) Add("virtualAddresses", $"at most {MaxVirtualAddresses} virtual addresses");
        foreach (var side in Enum.GetValues<VirtualAddressSide>())
            if (c.VirtualAddresses.Count > 0 && !c.VirtualAddresses.Any(v => v.Side == side))
                Add("virtualAddresses", $"needs an {ClusterJson.Name(side)} virtual address");
        var seen = new Dictionary<IPAddress, int>();
        for (var i = 0; i < c.VirtualAddresses.Count; i++)
        {
            var vip = c.VirtualAddresses[i];
            var key = $"virtualAddresses[{i}].address";
            if (Unusable(vip.Address.Address) is { } bad) { Add(key, bad); continue; }
            if (PrefixProblem(vip.Address) is { } badPrefix) { Add(key, badPrefix); continue; }
            if (HostProblem(vip.Address) is { } hostProblem) { Add(key, hostProblem); continue; }
            if (seen.TryGetValue(vip.Address.Address, out var first)) { Add(key, $"the same address as virtualAddresses[{first}]"); continue; }
            seen[vip.Address.Address] = i;
            if (vip.Address.Address.Equals(local.Address) || vip.Address.Address.Equals(c.Peer.SyncAddress))
                Add(key, "must not be a sync address");
        }
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The outside VIPs: what SNAT translates to in cluster mode (both nodes must produce the same translation).</summary>
    public static IReadOnlyList<IPAddress> OutsideAddresses(ClusterConfig c) =>
        c.VirtualAddresses.Where(v => v.Side == VirtualAddressSide.Outside).Select(v => v.Address.Address).ToList();

    private static void NodeName(string name, string key, Action<string, string> add)
    {
        if (name.Length is 0 or > MaxNodeNameLength) add(key, $"must be 1..{MaxNodeNameLength} characters");
        else if (!name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.'))
            add(key, "may hold letters, digits and - _ . only");
    }

    private static void Interface(string name, string key, Action<string, string> add)
    {
        if (InterfaceName.Problem(name) is { } problem) add(key, $"interface {problem}");
        else if (InterfaceName.IsWildcard(name)) add(key, $"'{name}' is a wildcard; name one interface");
    }

    private static string? Unusable(IPAddress a)
    {
        if (IPAddress.IsLoopback(a)) return "must not be a loopback address";
        if (a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any)) return "must not be the unspecified address";
        if (a.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = a.GetAddressBytes();
            if (b[0] >= 224) return "must be a unicast address (not multicast or reserved)";
            if (b[0] == 169 && b[1] == 254) return "must not be a link-local address";
        }
        else if (a.IsIPv6Multicast) return "must be a unicast address (not multicast)";
        else if (a.IsIPv4MappedToIPv6) return "must not be an IPv4-mapped IPv6 address";
        else if (a.IsIPv6LinkLocal) return "must not be a link-local address";
        else if (a.ScopeId != 0) return "must not carry a scope id";
        return null;
    }

    private static string? PrefixProblem(InterfaceAddress a)
    {
        var max = a.Address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        return a.PrefixLength < 1 || a.PrefixLength > max ? $"the prefix length must be 1..{max}" : null;
    }

    /// <summary>An IPv4 address that is its prefix's network or broadcast address is no host address (/31 and /32 have none).</summary>
    private static string? HostProblem(InterfaceAddress a)
    {
        if (a.Address.AddressFamily != AddressFamily.InterNetwork || a.PrefixLength >= 31) return null;
        var n = IpMath.ToNumber(a.Address);
        var hostBits = (BigInteger.One << (32 - a.PrefixLength)) - 1;
        if ((n & hostBits) == 0) return $"{a} is the network address of its subnet, not a host address";
        if ((n & hostBits) == hostBits) return $"{a} is the broadcast address of its subnet, not a host address";
        return null;
    }

    private static bool InPrefix(IPAddress candidate, InterfaceAddress prefix)
    {
        var bits = prefix.Address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var shift = bits - prefix.PrefixLength;
        return IpMath.ToNumber(candidate) >> shift == IpMath.ToNumber(prefix.Address) >> shift;
    }

    private static string Network(InterfaceAddress a)
    {
        var family = IpMath.FamilyOf(a.Address);
        var bits = family == NatFamily.Ipv6 ? 128 : 32;
        var shift = bits - a.PrefixLength;
        return $"{IpMath.FromNumber(IpMath.ToNumber(a.Address) >> shift << shift, family)}/{a.PrefixLength}";
    }

}
