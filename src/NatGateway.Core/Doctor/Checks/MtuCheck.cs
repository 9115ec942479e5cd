using NatGateway.Core.Kernel;
using NatGateway.Nat;
using static NatGateway.Core.Doctor.Checks.CheckSupport;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// Three MTU mistakes that make big packets vanish while pings work:
/// (a) two interfaces of one forwarding path with different MTUs. The paths are those the NAT rules make: a DNAT
/// rule's in-interface and the interface on its target's subnet; a masquerade/SNAT rule's source subnet's interface
/// and its out-interface. The gateway's end of a veth pair whose MTU was changed shows up here (a veth pair's other
/// end lives in another namespace, where this one cannot see it; veth_xmit → __dev_forward_skb → is_skb_forwardable
/// drops what exceeds the receiving end's MTU);
/// (b) an overlay whose MTU plus its encapsulation overhead exceeds the MTU of the device it runs over, so every
/// full-size inner packet becomes an outer packet that must be fragmented or is dropped;
/// (c) a tunnel that is the output of masquerade/SNAT with no MSS clamp: TCP through it relies on path-MTU
/// discovery, which breaks wherever ICMP "fragmentation needed" is filtered.
/// </summary>
public sealed class MtuCheck : IDoctorCheck
{
    public CheckId Id => CheckId.Mtu;
    public CheckArea Area => CheckArea.Interfaces;
    private const string Title = "MTU along forwarding paths";

    /// <summary>
    /// Encapsulation overhead per kind for an IPv4 underlay (the kernel's own figures): VXLAN 20 IP + 8 UDP + 8 VXLAN
    /// + 14 inner Ethernet (VXLAN_HEADROOM; 70 over IPv6); Geneve the same without options (GENEVE_IPV4_HLEN);
    /// GRE 20 + 4 (ip_gre base header; +4 each for key, checksum, sequence); gretap adds the 14-byte inner Ethernet
    /// header; ip6gre/ip6gretap use a 40-byte IPv6 header; WireGuard 20 IP + 8 UDP + 16 header + 16 Poly1305 tag
    /// (80 over IPv6, which is why its default MTU is 1420); IPIP and SIT one IPv4 header; ip6tnl one IPv6 header.
    /// </summary>
    public static readonly IReadOnlyDictionary<LinkKind, int> Overhead = new Dictionary<LinkKind, int>
    {
        [LinkKind.Vxlan] = 50,
        [LinkKind.Geneve] = 50,
        [LinkKind.Gre] = 24,
        [LinkKind.Gretap] = 38,
        [LinkKind.Ip6Gre] = 44,
        [LinkKind.Ip6Gretap] = 58,
        [LinkKind.Wireguard] = 60,
        [LinkKind.Ipip] = 20,
        [LinkKind.Sit] = 20,
        [LinkKind.Ip6Tunnel] = 40,
    };

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.Interfaces.Value is not { } interfaces) return CheckResult.NotApplicable(Id, Area, Title, $"the interfaces could not be read: {s.Interfaces.Problem}");
        var byIndex = interfaces.GroupBy(i => i.Index).ToDictionary(g => g.Key, g => g.First());
        var byName = interfaces.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var rules = s.Rules.Value ?? [];
        var evidence = new List<Evidence>();
        var problems = new List<string>();
        var fixes = new List<DoctorFix>();
        const string links = "rtnetlink links (IFLA_MTU, IFLA_LINK, IFLA_INFO_KIND)";

        // (a) the two sides of each NAT rule: DNAT in-interface → the interface on the target's subnet; masquerade/SNAT
        // source subnet's interface → out-interface. Tunnels are left to (c): a lower MTU there is expected.
        foreach (var (rule, from, to) in RulePaths(rules, interfaces))
        {
            if (IsTunnel(from) || IsTunnel(to) || from.Name == to.Name) continue;
            evidence.Add(new Evidence($"path of rule {RuleLabel(rule)}", $"{from.Name} (MTU {from.Mtu}) → {to.Name} (MTU {to.Mtu})", $"the revision in force; {links}"));
            if (from.Mtu != to.Mtu)
                problems.Add($"rule {RuleLabel(rule)} forwards between {from.Name} ({from.Mtu}) and {to.Name} ({to.Mtu})");
        }

        // (b) overlays without room for their overhead.
        var defaultDevice = s.Routes.Value?.FirstOrDefault(r => r.IsDefault && r.Destination.Contains('.'))?.Device;
        foreach (var overlay in interfaces.Where(IsTunnel))
        {
            var overhead = Overhead[overlay.Kind];
            var (lower, how) = overlay.LowerIndex is { } li && byIndex.TryGetValue(li, out var dev) ? (dev, "its underlay device")
                : defaultDevice is not null && byName.TryGetValue(defaultDevice, out var route) && route.Name != overlay.Name ? (route, "no underlay device: the IPv4 default route's device")
                : (null, "");
            if (lower is null) continue;
            evidence.Add(new Evidence($"{overlay.KindName ?? overlay.Kind.ToString().ToLowerInvariant()} {overlay.Name}",
                $"MTU {overlay.Mtu} + {overhead} B overhead = {overlay.Mtu + overhead}; {lower.Name} ({how}) MTU {lower.Mtu}", links));
            if (overlay.Mtu + overhead > lower.Mtu)
            {
                problems.Add($"{overlay.Name} needs {overlay.Mtu + overhead} B on {lower.Name} (MTU {lower.Mtu}): lower its MTU to {lower.Mtu - overhead}");
            }
        }

        // (c) a tunnel as the output of source NAT, without an MSS clamp. The clamps in force are the revision's interface
        // fixes (chain mssclamp, oifname match); when they cannot be read, a tunnel is not counted as clamped.
        var clamped = s.InterfaceFixes.Value?.MssClamp ?? [];
        foreach (var snat in SourceNatRules(rules))
            foreach (var name in snat.OutInterfaces)
            {
                if (!byName.TryGetValue(name, out var tunnel) || !IsTunnel(tunnel)) continue;
                var kind = tunnel.Kind.ToString().ToLowerInvariant();
                if (clamped.Contains(name, StringComparer.Ordinal))
                {
                    evidence.Add(new Evidence($"rule {RuleLabel(snat.Rule)} leaves through", $"{kind} {name} (MTU {tunnel.Mtu}), MSS clamped by natgw",
                        $"{s.InterfaceFixes.Source}; {links}"));
                    continue;
                }
                evidence.Add(new Evidence($"rule {RuleLabel(snat.Rule)} leaves through", $"{kind} {name} (MTU {tunnel.Mtu}), no MSS clamp", $"the revision in force; {links}"));
                problems.Add($"masquerade/SNAT out of tunnel {name} without an MSS clamp");
                if (!fixes.Any(f => f.Target.Interface == name))
                    fixes.Add(new DoctorFix(FixKind.ClampMss, $"Clamp TCP MSS on {name}",
                        $"adds a rule to natgw's table that rewrites the MSS of TCP SYNs leaving through {name} to fit its MTU " +
                        "(tcp option maxseg size set rt mtu), as a new revision, commit-confirmed",
                        new FixTarget { Interface = name }));
            }

        if (evidence.Count == 0)
            return CheckResult.NotApplicable(Id, Area, Title, "no overlay and no NAT rule path to compare");
        if (problems.Count == 0)
            return new CheckResult(Id, Area, CheckStatus.Ok, Title, "the MTUs along every path agree",
                "Each path's interfaces have matching MTUs and every overlay leaves room for its encapsulation.", evidence, []);
        return new CheckResult(Id, Area, CheckStatus.Warning, Title, string.Join("; ", problems),
            "Packets larger than the smallest MTU on their way are dropped or need fragmenting; with DF set (all modern TCP) " +
            "the sender only learns of it through ICMP \"fragmentation needed\", which firewalls often drop. The result: " +
            "pings and small requests work, big downloads and TLS handshakes hang. An overlay must leave room for its " +
            "headers (VXLAN adds 50 B, so 1450 over a 1500-byte underlay); a tunnel behind masquerade should clamp TCP's MSS " +
            "to its MTU; the two ends of a veth pair must agree.",
            evidence, fixes);
    }

    private static bool IsTunnel(NetworkInterfaceInfo i) => Overhead.ContainsKey(i.Kind);

    /// <summary>The (from, to) interfaces of each enabled rule, found through the connected subnets of the interfaces.</summary>
    private static IEnumerable<(NatRule Rule, NetworkInterfaceInfo From, NetworkInterfaceInfo To)> RulePaths(
        IReadOnlyList<NatRule> rules, IReadOnlyList<NetworkInterfaceInfo> interfaces)
    {
        NetworkInterfaceInfo? Named(string name) => interfaces.FirstOrDefault(i => i.Name == name);
        NetworkInterfaceInfo? OnSubnetOf(System.Net.IPAddress address) => interfaces.FirstOrDefault(i => !i.IsLoopback &&
            i.Addresses.Any(a => a.Address.AddressFamily == address.AddressFamily && new IpPrefix(Network(a), a.PrefixLength).Contains(address)));
        foreach (var rule in rules.Where(r => r.Enabled))
        {
            if (rule is DnatRule d && OnSubnetOf(d.TargetAddress.From) is { } target)
                foreach (var name in d.InInterfaces)
                    if (Named(name) is { } input) yield return (rule, input, target);
        }
        foreach (var snat in SourceNatRules(rules))
            foreach (var source in snat.SourceCidrs)
                if (OnSubnetOf(source.Network) is { } input)
                    foreach (var name in snat.OutInterfaces)
                        if (Named(name) is { } output) yield return (snat.Rule, input, output);
    }

    private static System.Net.IPAddress Network(InterfaceAddress a)
    {
        var bytes = a.Address.GetAddressBytes();
        for (var bit = a.PrefixLength; bit < bytes.Length * 8; bit++) bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new System.Net.IPAddress(bytes);
    }
}
