using NatGateway.Conntrack;
using NatGateway.Netlink.Route;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// Policy routing rules over rtnetlink (RTM_GETRULE for AF_INET and AF_INET6) as <see cref="RoutingRule"/>s. The selector
/// reads like `ip rule show` prints it (iproute2 ip/iprule.c print_rule): "from all", "from 10.0.0.0/8 to 10.1.0.0/16",
/// "not from all fwmark 0x1/0xff iif lan0", with a non-table action appended ("blackhole", "goto 100").
/// </summary>
public static class RoutingRules
{
    public static IReadOnlyList<RoutingRule> Read()
    {
        using var client = new RouteClient();
        return client.DumpRules(AddressFamilies.Inet).Select(r => From(r))
            .Concat(client.DumpRules(AddressFamilies.Inet6).Select(r => From(r)))
            .ToList();
    }

    public static RoutingRule From(RouteRule rule) =>
        new(rule.Family == AddressFamilies.Inet6 ? IPFamily.IPv6 : IPFamily.IPv4, unchecked((int)rule.Priority), unchecked((int)rule.Table), Selector(rule));

    public static string Selector(RouteRule rule)
    {
        var parts = new List<string>();
        if (rule.Inverted) parts.Add("not");
        parts.Add("from " + Prefix(rule.Source, rule.SourceLength, rule.Family));
        if (rule.Destination is not null && rule.DestinationLength > 0) parts.Add("to " + Prefix(rule.Destination, rule.DestinationLength, rule.Family));
        if (rule.FirewallMark is { } mark && (mark != 0 || rule.FirewallMask is not null and not 0))
            parts.Add(rule.FirewallMask is null or 0xffffffff ? $"fwmark 0x{mark:x}" : $"fwmark 0x{mark:x}/0x{rule.FirewallMask:x}");
        if (rule.InputInterface is not null) parts.Add("iif " + rule.InputInterface);
        if (rule.OutputInterface is not null) parts.Add("oif " + rule.OutputInterface);
        switch (rule.Action)
        {
            case RuleAction.Blackhole: parts.Add("blackhole"); break;
            case RuleAction.Unreachable: parts.Add("unreachable"); break;
            case RuleAction.Prohibit: parts.Add("prohibit"); break;
            case RuleAction.Nop: parts.Add("nop"); break;
            case RuleAction.Goto: parts.Add("goto"); break;
        }
        return string.Join(' ', parts);
    }

    private static string Prefix(System.Net.IPAddress? address, int length, byte family)
    {
        if (address is null || length == 0) return "all";
        var full = family == AddressFamilies.Inet6 ? 128 : 32;
        return length == full ? address.ToString() : $"{address}/{length}";
    }
}
