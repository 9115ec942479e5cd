using System.Net;
using NatGateway.Conntrack;
using NatGateway.Core.Kernel;
using NatGateway.Core.Kernel.Diagnostics;
using NatGateway.Netlink;
using NatGateway.Netlink.Route;
using Xunit;

namespace NatGateway.Core.Tests.Diagnostics;

public sealed class RouteMessagesTests
{
    [Fact]
    public void Dump_requests_are_ip_link_show_and_ip_rule_show()
    {
        var link = new AttributeWriter();
        RouteLink.WriteDumpRequest(link, 5);
        // nlmsghdr: len 32, RTM_GETLINK, REQUEST|DUMP (0x301), seq 5; ifinfomsg all zero (AF_UNSPEC)
        Assert.Equal("20000000" + "1200" + "0103" + "05000000" + "00000000" + new string('0', 32), Convert.ToHexString(link.WrittenSpan).ToLowerInvariant());

        var rule = new AttributeWriter();
        RouteRule.WriteDumpRequest(rule, 6, AddressFamilies.Inet6);
        // ip -6 rule show: RTM_GETRULE, fib_rule_hdr with family AF_INET6
        Assert.Equal("1c000000" + "2200" + "0103" + "06000000" + "00000000" + "0a" + new string('0', 22), Convert.ToHexString(rule.WrittenSpan).ToLowerInvariant());
    }

    private static byte[] LinkMessage(int index, string name, uint flags, string? kind, int? link = null, bool netns = false, int? vxlanLink = null)
    {
        var w = new AttributeWriter();
        var header = new byte[RouteLink.HeaderSize];
        BitConverter.TryWriteBytes(header.AsSpan(4), index);
        BitConverter.TryWriteBytes(header.AsSpan(8), flags);
        w.WriteRaw(header);
        w.String((ushort)LinkAttribute.IfName, name);
        if (link is { } l) w.UInt32((ushort)LinkAttribute.Link, (uint)l);
        if (netns) w.UInt32((ushort)LinkAttribute.LinkNetnsId, 0);
        if (kind is not null)
            using (w.Nested((ushort)LinkAttribute.LinkInfo))
            {
                w.String((ushort)LinkInfoAttribute.Kind, kind);
                if (vxlanLink is { } v)
                    using (w.Nested((ushort)LinkInfoAttribute.Data))
                    {
                        w.UInt32(1, 42); // IFLA_VXLAN_ID
                        w.UInt32(VxlanAttribute.Link, (uint)v);
                    }
            }
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void Link_kinds_and_lower_devices()
    {
        var lo = RouteLink.Parse(LinkMessage(1, "lo", 0x49, null));
        var nic = RouteLink.Parse(LinkMessage(2, "eth0", 0x1043, null, link: 2));
        var vethElsewhere = RouteLink.Parse(LinkMessage(5, "lan0", 0x1043, "veth", link: 9, netns: true));
        var vethHere = RouteLink.Parse(LinkMessage(6, "va", 0x1043, "veth", link: 7));
        var vxlan = RouteLink.Parse(LinkMessage(8, "vx0", 0x1043, "vxlan", vxlanLink: 6));
        var vlan = RouteLink.Parse(LinkMessage(10, "eth0.100", 0x1043, "vlan", link: 2));
        var odd = RouteLink.Parse(LinkMessage(11, "x0", 0x1043, "batadv"));

        Assert.Equal([LinkKind.Loopback, LinkKind.Device, LinkKind.Veth, LinkKind.Veth, LinkKind.Vxlan, LinkKind.Vlan, LinkKind.Other],
            new[] { lo, nic, vethElsewhere, vethHere, vxlan, vlan, odd }.Select(LinkKinds.Of));
        Assert.Equal([null, null, null, null, 6, 2, null],
            new[] { lo, nic, vethElsewhere, vethHere, vxlan, vlan, odd }.Select(LinkKinds.LowerIndex));
        Assert.Equal("vxlan", vxlan.Kind);
        Assert.Equal("vx0", vxlan.Name);
    }

    private static RouteRule Rule(byte family, uint priority, uint table, string? from = null, int fromLength = 0, string? to = null, int toLength = 0,
        uint? mark = null, uint? mask = null, string? iif = null, RuleAction action = RuleAction.ToTable, bool not = false) =>
        new(family, priority, table, action, not, from is null ? null : IPAddress.Parse(from), fromLength, to is null ? null : IPAddress.Parse(to), toLength,
            iif, null, mark, mask);

    [Fact]
    public void Rules_read_like_ip_rule_show()
    {
        Assert.Equal(new RoutingRule(IPFamily.IPv4, 0, 255, "from all"), RoutingRules.From(Rule(AddressFamilies.Inet, 0, 255)));
        Assert.True(RoutingRules.From(Rule(AddressFamilies.Inet, 32766, 254)).IsDefault);
        Assert.True(RoutingRules.From(Rule(AddressFamilies.Inet6, 32766, 254)).IsDefault);
        Assert.Equal("from 10.77.9.0/24", RoutingRules.Selector(Rule(AddressFamilies.Inet, 100, 100, "10.77.9.0", 24)));
        Assert.Equal("from 10.0.0.1 to 192.168.0.0/16", RoutingRules.Selector(Rule(AddressFamilies.Inet, 1, 1, "10.0.0.1", 32, "192.168.0.0", 16)));
        Assert.Equal("from all fwmark 0x1", RoutingRules.Selector(Rule(AddressFamilies.Inet, 1, 1, mark: 1, mask: 0xffffffff)));
        Assert.Equal("not from all fwmark 0x10/0xf0 iif lan0", RoutingRules.Selector(Rule(AddressFamilies.Inet, 1, 1, mark: 0x10, mask: 0xf0, iif: "lan0", not: true)));
        Assert.Equal("from fd00::/8 blackhole", RoutingRules.Selector(Rule(AddressFamilies.Inet6, 1, 0, "fd00::", 8, action: RuleAction.Blackhole)));
        Assert.False(RoutingRules.From(Rule(AddressFamilies.Inet, 100, 100, "10.77.9.0", 24)).IsDefault);
    }

    [Fact]
    public void A_rule_message_parses_priority_table_and_source()
    {
        var w = new AttributeWriter();
        w.WriteRaw([AddressFamilies.Inet, 0, 24, 0, 100, 0, 0, (byte)RuleAction.ToTable, 0, 0, 0, 0]);
        w.UInt32((ushort)RuleAttribute.Table, 100);
        w.UInt32((ushort)RuleAttribute.Priority, 32765);
        w.Bytes((ushort)RuleAttribute.Source, [10, 77, 9, 0]);
        var rule = RouteRule.Parse(w.WrittenSpan);
        Assert.Equal(new RoutingRule(IPFamily.IPv4, 32765, 100, "from 10.77.9.0/24"), RoutingRules.From(rule));
    }
}
