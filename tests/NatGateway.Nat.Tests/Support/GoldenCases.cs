using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Nat.Tests;

/// <summary>One golden: rules in, the exact batch out (Golden/NAME.json), annotated with the equivalent nft commands.</summary>
public sealed record GoldenCase(string Name, string Description, IReadOnlyList<NatRule> Rules, bool UseMaps = false, uint MarkMask = 0xffff0000,
    IReadOnlyList<string>? MssClamp = null)
{
    public NatCompileOptions Options => new() { UseMapsForPlainForwards = UseMaps, MarkMask = MarkMask };

    /// <summary>The case's batch: its rules, options and MSS-clamp interfaces.</summary>
    public CompiledRuleset Compile() => NatRulesetCompiler.Compile(Rules, Options, MssClamp ?? []);
    public override string ToString() => Name;
}

internal static class GoldenCases
{
    private static DnatRule Web(int n) => Rules.Forward(n, 8080, "10.77.2.2", 80);

    public static IReadOnlyList<GoldenCase> All { get; } =
    [
        new("masquerade-basic", "masquerade everything leaving wan0", [Rules.Masquerade(1)]),
        new("mss-clamp-one", "MSS clamp for SYNs forwarded out of one tunnel, with a masquerade", [Rules.Masquerade(1)], MssClamp: ["wg0"]),
        new("mss-clamp-several", "MSS clamp out of several interfaces (a set), no rules", [], MssClamp: ["wg1", "gre0", "wg0"]),
        new("masquerade-options", "sources, protocol, port range, random + persistent",
            [Rules.Masquerade(1) with { SourceCidrs = [IpPrefix.Parse("10.77.1.0/24"), IpPrefix.Parse("192.168.0.0/16")], Protocol = NatProtocol.Tcp, Ports = new PortRange(1024, 65535), Options = NatOptions.Random | NatOptions.Persistent }]),
        new("masquerade-fully-random-both", "tcp and udp, fully-random, two output interfaces",
            [Rules.Masquerade(1) with { OutInterfaces = ["wan0", "wan1"], Protocol = NatProtocol.Both, Options = NatOptions.FullyRandom }]),
        new("masquerade-ipv6", "IPv6 masquerade (table ip6)",
            [Rules.Masquerade(1) with { Family = NatFamily.Ipv6, SourceCidrs = [IpPrefix.Parse("fd77:1::/64")] }]),
        new("snat-single", "SNAT to one address", [Rules.Snat(1, "10.77.2.10")]),
        new("snat-range-ports", "SNAT to a pool with ports, destination match, fully-random",
            [Rules.Snat(1, "10.77.2.10-10.77.2.12") with { SourceCidrs = [IpPrefix.Parse("10.77.1.2")], DestinationCidrs = [IpPrefix.Parse("10.77.2.0/24")], Protocol = NatProtocol.Udp, Ports = new PortRange(2000, 3000), Options = NatOptions.FullyRandom }]),
        new("snat-prefix", "SNAT to a prefix (as its address range), persistent",
            [Rules.Snat(1, "10.77.2.8/30") with { Options = NatOptions.Persistent }]),
        new("dnat-basic", "port forward 8080 -> 10.77.2.2:80 as a rule", [Web(1)]),
        new("dnat-address-both", "forward to a specific public address, tcp and udp, port kept",
            [Rules.Forward(1, 5000, "10.77.2.2", protocol: NatProtocol.Both) with { DestinationAddress = Rules.Ip("10.77.1.1") }]),
        new("dnat-range-to-one-port", "a port range forwarded to one port",
            [Rules.Forward(1, 9000, "10.77.2.2", 80) with { DestinationPort = new PortRange(9000, 9010) }]),
        new("dnat-range-shifted", "a port range mapped one to one onto another range",
            [Rules.Forward(1, 9000, "10.77.2.2") with { DestinationPort = new PortRange(9000, 9002), TargetPort = new PortRange(100, 102) }]),
        new("dnat-range-same", "a port range mapped onto the same range (ports kept)",
            [Rules.Forward(1, 9000, "10.77.2.2") with { DestinationPort = new PortRange(9000, 9002), TargetPort = new PortRange(9000, 9002) }]),
        new("dnat-restricted-target-range", "source-restricted forward to an address range",
            [Web(1) with { SourceCidrs = [IpPrefix.Parse("10.77.1.2"), IpPrefix.Parse("10.77.1.16/28")], TargetAddress = AddressPool.Parse("10.77.2.2-10.77.2.4") }]),
        new("dnat-hairpin", "NAT reflection: other interfaces and the gateway itself, plus masquerade of reflected flows",
            [Web(1) with { Hairpin = true }]),
        new("dnat-ipv6", "IPv6 port forward", [Rules.Forward(1, 8080, "fd77:2::2", 80) with { Family = NatFamily.Ipv6 }]),
        new("disabled-rule", "a disabled rule emits nothing", [Web(1) with { Enabled = false }, Rules.Masquerade(2) with { Enabled = false }]),
        new("maps-plain-forwards", "plain forwards in maps; a restricted rule on 8443 splits the 8443 forward into a second segment",
            [
                Rules.Forward(1, 8080, "10.77.2.2", 80),
                Rules.Forward(2, 53, "10.77.2.3", 5353, protocol: NatProtocol.Both),
                Rules.Forward(3, 8443, "10.77.2.4", 443) with { SourceCidrs = [IpPrefix.Parse("10.77.1.0/24")] },
                Rules.Forward(4, 8081, "10.77.2.2", 81),
                Rules.Forward(5, 8443, "10.77.2.5", 443),
            ], UseMaps: true),
        new("maps-port-kept", "plain forwards that keep the port: the DNAT needs no port map",
            [
                Rules.Forward(1, 5000, "10.77.2.2", protocol: NatProtocol.Both),
                Rules.Forward(2, 5001, "10.77.2.3", protocol: NatProtocol.Udp),
            ], UseMaps: true),
        new("maps-full-width-mark", "mark mask 0xffffffff: no other bits to keep, the fast rule alone",
            [Rules.Forward(1, 8080, "10.77.2.2", 80), Rules.Forward(2, 8081, "10.77.2.3", 81)], UseMaps: true, MarkMask: 0xffffffff),
        new("maps-ipv6-wide-mark", "IPv6 plain forwards in a map; mark id 0x1234: one map value on the fast rule, both mark bytes on the keep path",
            [
                Rules.Forward(1, 8080, "fd77:2::2", 80) with { Family = NatFamily.Ipv6, MarkId = 0x1234 },
                Rules.Forward(2, 8081, "fd77:2::3", 81) with { Family = NatFamily.Ipv6, DestinationAddress = Rules.Ip("fd77:1::1") },
            ], UseMaps: true),
        new("one-to-one-basic", "1:1 NAT of 10.77.2.4/30 onto 10.77.9.4/30: DNAT in on lan0, SNAT out of it, host bits kept",
            [Rules.OneToOne(1, "10.77.2.4/30", "10.77.9.4/30")]),
        new("one-to-one-host-hairpin", "1:1 NAT of one host on two outside interfaces with NAT reflection (other interfaces, the gateway, masquerade)",
            [Rules.OneToOne(1, "10.77.2.9", "10.77.9.9") with { OutsideInterfaces = ["lan0", "wan1"], Hairpin = true }]),
        new("nptv6-basic", "NPTv6 (stateful prefix NAT) of fd77:2::/64 onto fd77:9::/64",
            [Rules.Nptv6(1, "fd77:2::/64", "fd77:9::/64")]),
        new("redirect-basic", "tcp 80 arriving on lan0 redirected to the gateway's port 3128", [Rules.Redirect(1, 80, 3128)]),
        new("redirect-both-address-kept", "tcp and udp 53 to one address from one network, to the same local port",
            [Rules.Redirect(1, 53, protocol: NatProtocol.Both) with { DestinationAddress = Rules.Ip("10.77.2.53"), SourceCidrs = [IpPrefix.Parse("10.77.1.0/24")] }]),
        new("redirect-range-shifted", "a port range redirected one to one onto a local range",
            [Rules.Redirect(1, 8000) with { DestinationPort = new PortRange(8000, 8002), TargetPort = new PortRange(9000, 9002) }]),
        new("redirect-ipv6", "IPv6 redirect", [Rules.Redirect(1, 80, 3128) with { Family = NatFamily.Ipv6 }]),
        new("prefix-kinds-in-order", "a forward, a 1:1 map, a redirect and another forward keep list order; the maps split around them",
            [
                Rules.Forward(1, 8080, "10.77.2.2", 80),
                Rules.OneToOne(2, "10.77.2.4/30", "10.77.9.4/30"),
                Rules.Redirect(3, 8081, 3128),
                Rules.Forward(4, 8082, "10.77.2.3", 80),
                Rules.Masquerade(5),
            ], UseMaps: true),
        .. BalanceGoldenCases.All,
    ];
}

/// <summary>Load-balanced forwards and conntrack timeout policies.</summary>
internal static class BalanceGoldenCases
{
    public static IReadOnlyList<GoldenCase> All { get; } =
    [
        new("lb-round-robin", "round-robin over three backends (numgen inc mod 3), one with its own port",
            [BalanceRules.Balance(1, 8080, BalanceMethod.RoundRobin, "10.77.2.2", "10.77.2.3", "10.77.2.4:8081")]),
        new("lb-source-hash-weighted", "source-hash (jhash ip saddr) with weights 1, 3, 2: values 0 | 1-3 | 4-5 of mod 6, tcp and udp",
            [BalanceRules.Balance(1, 53, BalanceMethod.SourceHash, "10.77.2.2", "10.77.2.3*3", "10.77.2.4*2") with
                { Id = Guid.Parse("5eed0001-0000-0000-0000-000000000001"), Protocol = NatProtocol.Both, SourceCidrs = [IpPrefix.Parse("10.77.1.0/24")] }]),
        new("lb-ipv6", "IPv6 load-balanced forward to a given public address (jhash ip6 saddr), with a timeout policy",
            [BalanceRules.Balance(1, 443, BalanceMethod.SourceHash, "fd77:2::2", "fd77:2::3") with
                { Family = NatFamily.Ipv6, DestinationAddress = Rules.Ip("fd77:1::1"), Timeouts = new ConntrackTimeoutPolicy { TcpEstablished = 3600 } }]),
        new("timeouts-dnat-masquerade", "a long-lived TCP forward and a short-UDP masquerade for any protocol share nothing; two rules with one policy share one object",
            [
                Rules.Forward(1, 2222, "10.77.2.2", 22) with { Timeouts = new ConntrackTimeoutPolicy { TcpEstablished = 86400 } },
                Rules.Forward(2, 2223, "10.77.2.3", 22) with { Timeouts = new ConntrackTimeoutPolicy { TcpEstablished = 86400 } },
                Rules.Masquerade(3) with { Timeouts = new ConntrackTimeoutPolicy { TcpEstablished = 600, UdpUnreplied = 5, UdpReplied = 10 } },
            ], UseMaps: true),
    ];
}
