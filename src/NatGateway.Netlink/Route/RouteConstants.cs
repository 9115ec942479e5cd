namespace NatGateway.Netlink.Route;

/// <summary>rtnetlink message types (linux/rtnetlink.h).</summary>
public enum RouteMessageType : ushort
{
    /// <summary>RTM_NEWLINK: a link in a dump reply</summary>
    NewLink = 16,
    /// <summary>RTM_GETLINK</summary>
    GetLink = 18,
    /// <summary>RTM_NEWRULE: a rule in a dump reply</summary>
    NewRule = 32,
    /// <summary>RTM_GETRULE</summary>
    GetRule = 34,
}

/// <summary>IFLA_* link attributes (linux/if_link.h) that we read.</summary>
public enum LinkAttribute : ushort
{
    IfName = 3,
    /// <summary>IFLA_LINK: dev_get_iflink(), the lower device (a VLAN's parent) or a veth's peer.</summary>
    Link = 5,
    /// <summary>IFLA_LINKINFO: nest of IFLA_INFO_*</summary>
    LinkInfo = 18,
    /// <summary>IFLA_LINK_NETNSID: IFLA_LINK is an index in another namespace (a veth whose peer lives elsewhere).</summary>
    LinkNetnsId = 37,
}

/// <summary>IFLA_INFO_* inside IFLA_LINKINFO.</summary>
public enum LinkInfoAttribute : ushort
{
    /// <summary>IFLA_INFO_KIND: the rtnl_link_ops kind string ("veth", "vxlan", ...)</summary>
    Kind = 1,
    /// <summary>IFLA_INFO_DATA: kind-specific nest</summary>
    Data = 2,
}

/// <summary>IFLA_VXLAN_* inside a vxlan's IFLA_INFO_DATA.</summary>
public static class VxlanAttribute
{
    /// <summary>IFLA_VXLAN_LINK: the underlay device (`dev X`); vxlan has no ndo_get_iflink, so IFLA_LINK is absent.</summary>
    public const ushort Link = 3;
}

/// <summary>FRA_* rule attributes (linux/fib_rules.h).</summary>
public enum RuleAttribute : ushort
{
    Destination = 1,
    Source = 2,
    InputInterface = 3,
    Goto = 4,
    Priority = 6,
    FirewallMark = 10,
    Table = 15,
    FirewallMask = 16,
    OutputInterface = 17,
}

/// <summary>fib_rule_hdr.action (FR_ACT_*).</summary>
public enum RuleAction : byte
{
    Unspecified = 0,
    ToTable = 1,
    Goto = 2,
    Nop = 3,
    Blackhole = 6,
    Unreachable = 7,
    Prohibit = 8,
}

/// <summary>Address families as rtnetlink carries them.</summary>
public static class AddressFamilies
{
    public const byte Unspecified = 0;
    public const byte Inet = 2;
    public const byte Inet6 = 10;
}
