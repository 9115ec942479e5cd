using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NatGateway.Capacity.Planning;
using NatGateway.Core.Kernel;
using NatGateway.Nat;

namespace NatGateway.Core.Rules.Lint;

/// <summary>
/// Lint before apply: pure checks of a rule list against a <see cref="HostView"/>. Each finding is a warning with a
/// one-line reason; nothing here refuses an apply. Only enabled rules are linted (a disabled rule compiles to nothing).
/// </summary>
public static class RuleLinter
{
    public static IReadOnlyList<LintFinding> Lint(IReadOnlyList<NatRule> rules, HostView host)
    {
        var findings = new List<LintFinding>();
        // What depends only on a target address is worked out once per target: 10,000 forwards often share a few
        // targets, and lint runs on every pending read (GET /api/v1/rules/pending, the Rules page).
        var unrouted = new Dictionary<IpPrefix, IPAddress?>();
        var hairpin = new Dictionary<IpPrefix, string?>();
        foreach (var rule in rules.Where(r => r.Enabled))
        {
            void Add(LintKind kind, string reason) => findings.Add(new LintFinding(kind, rule.Id, rule.Name, reason));
            var forwards = Forwards(rule).ToList();
            if (host.Routes is { } routes)
                foreach (var forward in forwards)
                    if (Once(unrouted, forward.Target, t => Unrouted(t, routes, host.Interfaces)) is { } address)
                        Add(LintKind.DnatTargetUnrouted, $"no route to {address}{forward.Via}: the forwarded packets have nowhere to go");
            if (host.ForeignChains is { Count: > 0 } chains)
                foreach (var forward in forwards)
                    if (ForeignDrop(forward, chains, host) is { } drop)
                    {
                        Add(LintKind.ForeignForwardDrop, $"{drop} drops the forward to {forward.Describe()}{forward.Via}");
                        break; // one drop per rule is enough to act on
                    }
            if (host.Interfaces is { } nics)
            {
                if (rule is MasqueradeRule masquerade) MasqueradeAddresses(masquerade, nics, Add);
                HairpinCheck(rule, target => Once(hairpin, target, t => HairpinReason(t, nics)), Add);
            }
            if (host.SnatFlowsPerDestination is { } expected && expected > 0) SnatPool(rule, expected, Add);
        }
        return findings;
    }

    /// <summary>One forwarded destination of a rule: where DNAT sends new connections, as the forward hook sees them.</summary>
    internal sealed record Forward(NatFamily Family, NatProtocol? Protocol, IpPrefix Target, PortRange? Port, IReadOnlyList<string> InInterfaces, string Via)
    {
        public string Describe() =>
            Port is { } p ? (Family == NatFamily.Ipv6 ? $"[{Target}]:{p}" : $"{Target}:{p}") + ProtocolText : Target.ToString();

        private string ProtocolText => Protocol switch
        {
            NatProtocol.Tcp => "/tcp",
            NatProtocol.Udp => "/udp",
            _ => "",
        };
    }

    internal static IEnumerable<Forward> Forwards(NatRule rule)
    {
        switch (rule)
        {
            case DnatRule d:
                var host = d.Family == NatFamily.Ipv6 ? 128 : 32;
                // A pool's first and last address stand for it (routes are prefixes: both in means all in for any
                // route but a hole punched in the middle, which lint does not chase).
                foreach (var address in new[] { d.TargetAddress.From, d.TargetAddress.To }.Distinct())
                    yield return new Forward(d.Family, d.Protocol, new IpPrefix(address, host), d.TargetPort ?? d.DestinationPort, d.InInterfaces, "");
                break;
            case LoadBalanceRule lb:
                for (var i = 0; i < lb.Backends.Count; i++)
                {
                    var b = lb.Backends[i];
                    yield return new Forward(lb.Family, lb.Protocol, new IpPrefix(b.Address, lb.Family == NatFamily.Ipv6 ? 128 : 32),
                        b.Port is { } port ? new PortRange(port) : lb.DestinationPort, lb.InInterfaces, $" (backend {i + 1})");
                }
                break;
            case PrefixMapRule map:
                yield return new Forward(map.Family, null, map.InsidePrefix, null, map.OutsideInterfaces, " (inside prefix)");
                break;
        }
    }

    /// <summary>The first address of <paramref name="target"/> without a route (its first or last address), else null. An
    /// address of the gateway itself needs none (it is in the local table, which <see cref="RouteLookup"/> does not read).</summary>
    private static IPAddress? Unrouted(IpPrefix target, IReadOnlyList<RouteInfo> routes, IReadOnlyList<NetworkInterfaceInfo>? nics)
    {
        foreach (var address in new[] { target.First, target.Last }.Distinct())
        {
            if (nics is not null && nics.Any(n => n.Addresses.Any(a => a.Address.Equals(address)))) continue;
            if (RouteLookup.Find(routes, address) is null) return address;
        }
        return null;
    }

    private static void MasqueradeAddresses(MasqueradeRule rule, IReadOnlyList<NetworkInterfaceInfo> nics, Action<LintKind, string> add)
    {
        var family = rule.Family == NatFamily.Ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pattern in rule.OutInterfaces)
            foreach (var nic in nics.Where(n => InterfaceName.Matches(pattern, n.Name) && seen.Add(n.Name)))
                // Masquerade picks a source address of the output device (nf_nat_masquerade_ipv4: inet_select_addr; for
                // IPv6 ipv6_dev_get_saddr, which never takes a link-local one for a global destination): none, no NAT.
                if (!nic.Addresses.Any(a => a.Address.AddressFamily == family && !a.Address.IsIPv6LinkLocal))
                    add(LintKind.MasqueradeWithoutAddress,
                        $"'{nic.Name}' has no {(rule.Family == NatFamily.Ipv6 ? "IPv6" : "IPv4")} address: masquerade out of it has nothing to translate to and the packets are dropped");
    }

    private static T Once<T>(Dictionary<IpPrefix, T> known, IpPrefix target, Func<IpPrefix, T> work)
    {
        if (!known.TryGetValue(target, out var result)) known[target] = result = work(target);
        return result;
    }

    private static void HairpinCheck(NatRule rule, Func<IpPrefix, string?> reasonFor, Action<LintKind, string> add)
    {
        IpPrefix? target = rule switch
        {
            DnatRule { Hairpin: false } d => new IpPrefix(d.TargetAddress.From, d.Family == NatFamily.Ipv6 ? 128 : 32),
            PrefixMapRule { Hairpin: false } m => m.InsidePrefix,
            _ => null,
        };
        if (target is not null && reasonFor(target) is { } reason) add(LintKind.HairpinNeeded, reason);
    }

    /// <summary>Why a forward to <paramref name="target"/> needs hairpin (it is in a connected client subnet), or null.</summary>
    private static string? HairpinReason(IpPrefix target, IReadOnlyList<NetworkInterfaceInfo> nics)
    {
        foreach (var nic in nics.Where(n => !n.IsLoopback))
            foreach (var address in nic.Addresses)
            {
                if (address.Address.IsIPv6LinkLocal || address.Address.Equals(target.First)) continue;
                var max = address.Address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
                // A /31, /32, /127 or /128 has no room for a client beside the gateway and the target.
                if (address.PrefixLength >= max - 1) continue;
                var subnet = new IpPrefix(IpMath.FromNumber(IpMath.ToNumber(address.Address) & ~HostBits(address.PrefixLength, max),
                    IpMath.FamilyOf(address.Address)), address.PrefixLength);
                if (!subnet.Contains(target)) continue;
                return $"{target} is in {subnet} on {nic.Name}: clients there that use the public address get the answer straight from the target, which they drop; turn hairpin on";
            }
        return null;
    }

    private static System.Numerics.BigInteger HostBits(int length, int max) =>
        (System.Numerics.BigInteger.One << (max - length)) - 1 & IpMath.AllOnes(max == 128 ? NatFamily.Ipv6 : NatFamily.Ipv4);

    private static void SnatPool(NatRule rule, long expected, Action<LintKind, string> add)
    {
        (int Addresses, NatGateway.Nat.PortRange? Ports)? pool = rule switch
        {
            SnatRule s => ((int)System.Numerics.BigInteger.Min(s.TranslateTo.Count, int.MaxValue), s.Ports),
            // Masquerade translates to one address of the output interface (the primary one).
            MasqueradeRule m => (1, m.Ports),
            _ => null,
        };
        if (pool is not { } p) return;
        var ports = p.Ports is { } r ? new NatGateway.Capacity.Kernel.PortRange(r.From, r.To) : (NatGateway.Capacity.Kernel.PortRange?)null;
        var capacity = SnatCapacity.Compute(ports, p.Addresses, expected, localPortRange: null);
        if (capacity.FlowsPerDestination >= expected) return;
        add(LintKind.SnatPoolTooSmall,
            $"{Count(p.Addresses, "address", "addresses")} × {Count(capacity.FlowsPerAddressPerDestination, "port", "ports")} hold at most " +
            $"{capacity.FlowsPerDestination.ToString("N0", CultureInfo.InvariantCulture)} flows to one destination; the capacity plan expects " +
            $"{expected.ToString("N0", CultureInfo.InvariantCulture)} (needs {Count(capacity.AddressesNeeded ?? 1, "address", "addresses")} at this port range)");
    }

    private static string Count(long n, string one, string many) => $"{n.ToString("N0", CultureInfo.InvariantCulture)} {(n == 1 ? one : many)}";

    // ---- foreign forward chains ----

    private enum Tri { No, Maybe, Yes }

    /// <summary>
    /// "table inet filter chain forward policy drop" or "... rule handle 7" when the first packet of the forward (after
    /// DNAT, ct state new, ct status dnat) is certainly dropped by a foreign forward chain; null when it gets through or
    /// lint cannot tell (a rule it cannot judge that may accept it, a jump): lint warns only on a certain drop.
    /// Base chains of one hook run in priority order, and an accept in one still meets the next (nf_hook_slow).
    /// </summary>
    private static string? ForeignDrop(Forward forward, IReadOnlyList<ForeignForwardChain> chains, HostView host)
    {
        var outDevice = host.Routes is { } routes ? RouteLookup.Find(routes, forward.Target.First)?.Device : null;
        foreach (var chain in chains.OrderBy(c => c.Priority))
        {
            if (!Applies(chain.Family, forward.Family)) continue;
            string? dropped = null;
            var decided = false;
            foreach (var rule in chain.Rules)
            {
                var all = rule.Matches.Aggregate(Tri.Yes, (acc, m) => Min(acc, Match(m, forward, outDevice)));
                if (all == Tri.No || rule.Verdict == ForeignVerdict.Continue) continue;
                if (rule.Verdict == ForeignVerdict.Accept)
                {
                    if (all == Tri.Maybe) return null; // may be accepted here: no certain drop
                    decided = true;
                    break;
                }
                if (rule.Verdict == ForeignVerdict.Other) return null; // a jump or return: the rest of the ruleset decides
                if (all == Tri.Yes)
                {
                    dropped = $"{chain.Label} rule handle {rule.Handle} ({(rule.Verdict == ForeignVerdict.Reject ? "reject" : "drop")})";
                    break;
                }
                // A drop that may not match: go on; a later certain drop or the policy still decides.
            }
            if (dropped is not null) return dropped;
            if (!decided && chain.Policy == ForeignChainPolicy.Drop) return $"{chain.Label} (policy drop)";
        }
        return null;
    }

    private static bool Applies(ForeignTableFamily table, NatFamily family) => table switch
    {
        ForeignTableFamily.Inet => true,
        ForeignTableFamily.Ip => family == NatFamily.Ipv4,
        _ => family == NatFamily.Ipv6,
    };

    private static Tri Min(Tri a, Tri b) => (Tri)Math.Min((int)a, (int)b);

    private static Tri Negate(Tri t, bool negated) => !negated ? t : t switch { Tri.Yes => Tri.No, Tri.No => Tri.Yes, _ => Tri.Maybe };

    private static Tri Match(ForeignMatch m, Forward f, string? outDevice)
    {
        switch (m.Field)
        {
            case ForeignMatchField.L4Protocol:
                if (f.Protocol is not ({ } p and not NatProtocol.Both)) return Tri.Maybe;
                var name = p == NatProtocol.Tcp ? "tcp" : "udp";
                var number = p == NatProtocol.Tcp ? "6" : "17";
                return Negate(m.Values.Any(v => v == name || v == number) ? Tri.Yes : Tri.No, m.Negated);
            case ForeignMatchField.DestinationAddress:
            case ForeignMatchField.SourceAddress:
                {
                    var values = m.Values.Select(ParseAddresses).ToList();
                    if (values.Any(v => v is null)) return Tri.Maybe;
                    // "ip daddr" in an inet table carries "meta nfproto ipv4": an IPv6 packet matches neither == nor !=.
                    var sameFamily = values.Where(v => v!.Value.First.AddressFamily == f.Target.First.AddressFamily).ToList();
                    if (sameFamily.Count == 0) return Tri.No;
                    if (m.Field == ForeignMatchField.SourceAddress) return Tri.Maybe; // clients are anyone
                    Tri result = Tri.No;
                    foreach (var v in sameFamily)
                    {
                        var (first, last) = v!.Value;
                        var lo = IpMath.ToNumber(first);
                        var hi = IpMath.ToNumber(last);
                        var tlo = IpMath.ToNumber(f.Target.First);
                        var thi = IpMath.ToNumber(f.Target.Last);
                        if (lo <= tlo && thi <= hi) { result = Tri.Yes; break; }
                        if (!(thi < lo || hi < tlo)) result = Tri.Maybe;
                    }
                    return Negate(result, m.Negated);
                }
            case ForeignMatchField.DestinationPort:
                {
                    if (f.Port is not { } port) return Tri.Maybe;
                    Tri result = Tri.No;
                    foreach (var v in m.Values)
                    {
                        if (!TryPorts(v, out var lo, out var hi)) return Tri.Maybe;
                        if (lo <= port.From && port.To <= hi) { result = Tri.Yes; break; }
                        if (!(port.To < lo || hi < port.From)) result = Tri.Maybe;
                    }
                    return Negate(result, m.Negated);
                }
            case ForeignMatchField.InInterface:
                {
                    if (f.InInterfaces.Count == 0 || f.InInterfaces.Any(InterfaceName.IsWildcard)) return Tri.Maybe;
                    var hits = f.InInterfaces.Count(i => m.Values.Any(v => NftNameMatches(v, i)));
                    var result = hits == f.InInterfaces.Count ? Tri.Yes : hits == 0 ? Tri.No : Tri.Maybe;
                    return Negate(result, m.Negated);
                }
            case ForeignMatchField.OutInterface:
                if (outDevice is null) return Tri.Maybe;
                return Negate(m.Values.Any(v => NftNameMatches(v, outDevice)) ? Tri.Yes : Tri.No, m.Negated);
            case ForeignMatchField.CtState:
                // The forward's first packet: conntrack has seen only it (ct state new).
                return Negate(m.Values.Contains("new") ? Tri.Yes : Tri.No, m.Negated);
            case ForeignMatchField.CtStatus:
                // Every packet of a forward carries IPS_DST_NAT ("ct status dnat"); a confirmed or seen-reply bit is not
                // set on the first packet yet (confirmation happens after the forward hook, at postrouting).
                if (m.Values.Contains("dnat")) return Negate(Tri.Yes, m.Negated);
                if (m.Values.All(v => v is "confirmed" or "seen-reply" or "assured")) return Negate(Tri.No, m.Negated);
                return Tri.Maybe;
            default:
                return Tri.Maybe;
        }
    }

    /// <summary>nft names match exactly, or by prefix with a trailing '*' (<c>iifname "eth*"</c>).</summary>
    private static bool NftNameMatches(string pattern, string name) =>
        pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], StringComparison.Ordinal) : pattern == name;

    private static (IPAddress First, IPAddress Last)? ParseAddresses(string text)
    {
        var dash = text.IndexOf('-');
        if (dash > 0 && IPAddress.TryParse(text[..dash], out var a) && IPAddress.TryParse(text[(dash + 1)..], out var b)) return (a, b);
        if (IpPrefix.TryParse(text, out var prefix, out _) && prefix is not null) return (prefix.First, prefix.Last);
        return null;
    }

    private static bool TryPorts(string text, out int lo, out int hi)
    {
        var dash = text.IndexOf('-');
        if (dash > 0)
            return int.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out lo)
                   & int.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out hi);
        var ok = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out lo);
        hi = lo;
        return ok;
    }
}
