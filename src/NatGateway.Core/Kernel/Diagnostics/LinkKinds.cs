using NatGateway.Netlink.Route;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// rtnetlink link facts as <see cref="LinkKind"/> and a lower device: IFLA_INFO_KIND is the rtnl_link_ops .kind of the
/// driver (drivers/net/veth.c "veth", vxlan "vxlan", net/ipv4/ip_gre.c "gre"/"gretap", ip6_gre "ip6gre"/"ip6gretap",
/// ipip "ipip", sit "sit", ip6_tunnel "ip6tnl", wireguard "wireguard", tun "tun", ...). A NIC has no IFLA_LINKINFO.
/// </summary>
public static class LinkKinds
{
    private static readonly Dictionary<string, LinkKind> Known = new(StringComparer.Ordinal)
    {
        ["veth"] = LinkKind.Veth,
        ["bridge"] = LinkKind.Bridge,
        ["bond"] = LinkKind.Bond,
        ["vlan"] = LinkKind.Vlan,
        ["macvlan"] = LinkKind.Macvlan,
        ["vxlan"] = LinkKind.Vxlan,
        ["geneve"] = LinkKind.Geneve,
        ["gre"] = LinkKind.Gre,
        ["gretap"] = LinkKind.Gretap,
        ["ip6gre"] = LinkKind.Ip6Gre,
        ["ip6gretap"] = LinkKind.Ip6Gretap,
        ["ipip"] = LinkKind.Ipip,
        ["sit"] = LinkKind.Sit,
        ["ip6tnl"] = LinkKind.Ip6Tunnel,
        ["wireguard"] = LinkKind.Wireguard,
        ["tun"] = LinkKind.Tun,
        ["dummy"] = LinkKind.Dummy,
    };

    /// <summary>The kind of a link: loopback by IFF_LOOPBACK, no kind → a device, a kind we do not name → Other.</summary>
    public static LinkKind Of(RouteLink link) =>
        link.IsLoopback ? LinkKind.Loopback
        : link.Kind is null ? LinkKind.Device
        : Known.GetValueOrDefault(link.Kind, LinkKind.Other);

    /// <summary>The device this link runs over, in this namespace: a vxlan's IFLA_VXLAN_LINK, else IFLA_LINK unless it
    /// names the link itself, lives in another namespace (IFLA_LINK_NETNSID), or is a veth's peer (veth_get_iflink
    /// returns the peer, which is not an underlay).</summary>
    public static int? LowerIndex(RouteLink link)
    {
        if (link.KindLower is { } lower) return lower;
        if (link.Link is not { } index || index == 0 || index == link.Index || link.LinkInOtherNamespace) return null;
        return Of(link) == LinkKind.Veth ? null : index;
    }

    /// <summary>Fills Kind, KindName and LowerIndex of <paramref name="info"/> from the dump (matched by name). The index
    /// is rtnetlink's too: it answers for the calling thread's namespace, as getifaddrs does, while sysfs answers for the
    /// namespace it was mounted in.</summary>
    public static NetworkInterfaceInfo Annotate(NetworkInterfaceInfo info, IReadOnlyDictionary<string, RouteLink> links) =>
        links.TryGetValue(info.Name, out var link)
            ? info with { Index = link.Index, Kind = Of(link), KindName = link.Kind, LowerIndex = LowerIndex(link) }
            : info;
}
