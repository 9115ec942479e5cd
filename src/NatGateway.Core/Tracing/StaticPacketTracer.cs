using System.Net;
using System.Numerics;
using NatGateway.Core.Kernel;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Core.Tracing;

/// <summary>What the static tracer knows about the host: addresses (for <c>fib daddr type local</c>), routes, forwarding.</summary>
public sealed record TraceHost(IReadOnlyList<HostInterface> Interfaces, IReadOnlyList<RouteInfo> Routes, bool Ipv4Forwarding, bool Ipv6Forwarding)
{
    public static TraceHost Empty { get; } = new([], [], true, true);

    public bool Forwarding(NatFamily family) => family == NatFamily.Ipv6 ? Ipv6Forwarding : Ipv4Forwarding;

    /// <summary>
    /// <c>fib daddr . iif type local</c>: the address is configured on that interface. nft_fib4_eval_type() with NFTA_FIB_F_IIF
    /// asks inet_dev_addr_type(), which answers RTN_LOCAL only when the local route's device is the input device (127/8 is
    /// one local route on lo); nft_fib6_eval_type() asks ipv6_chk_addr() with the device (strict).
    /// </summary>
    public bool IsLocalOn(string interfaceName, IPAddress address) =>
        Interfaces.Any(i => i.Name == interfaceName && i.Addresses.Contains(address))
        || (interfaceName == "lo" && IsIpv4Loopback(address));

    /// <summary><c>fib daddr type local</c>: an address of any interface of the host.</summary>
    public bool IsLocal(IPAddress address) =>
        Interfaces.Any(i => i.Addresses.Contains(address)) || IsIpv4Loopback(address);

    /// <summary>The first address of the family on an interface (what redirect and masquerade pick), or null.</summary>
    public IPAddress? FirstAddress(string interfaceName, NatFamily family) =>
        Interfaces.FirstOrDefault(i => i.Name == interfaceName)?.Addresses.FirstOrDefault(a => IpMath.FamilyOf(a) == family);

    private static bool IsIpv4Loopback(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && address.GetAddressBytes()[0] == 127;
}

/// <summary>
/// The static answer to "what happens to this packet?", computed from the ordered rule list exactly as
/// <c>NatRulesetCompiler</c> compiles it, without sending anything. Pure.
/// <list type="bullet">
/// <item>Prerouting (the <c>prerouting</c> chain, priority dstnat): DNAT, redirect, load-balance and the inbound half of
/// prefix maps, enabled rules in list order; the first whose NAT statement runs ends the chain (nft NAT statements are
/// terminal: nft_nat_eval() sets the verdict). Map segments of plain forwards keep list order by construction
/// (<c>DnatPlan</c> never moves a forward across a rule that may match the same packets), so the list order is the answer.</item>
/// <item>Routing: a translated destination that is an address of the host is delivered locally (no postrouting NAT);
/// otherwise the longest-prefix route of the main table (<see cref="RouteLookup"/>; <c>ip rule</c> is not modelled).</item>
/// <item>Postrouting (<c>postrouting</c>, priority srcnat): first the hairpin masquerades of enabled hairpin forwards
/// (<c>ct mark &amp; mask == id ct status dnat iifname != IN masquerade</c>), then masquerade, SNAT and the outbound half of
/// prefix maps in list order. <c>ip daddr</c> there is the destination after DNAT.</item>
/// </list>
/// Interface lists match names and nft wildcards (<c>eth*</c>); empty lists, source lists and ports mean "any".
/// Redirect, load-balance and prefix maps mirror their compiler halves (NatRulesetCompiler.Redirect/.LoadBalance/.PrefixMap):
/// redirect matches any destination unless one is given and delivers to the gateway; a load-balanced forward names its
/// backend set, and for source hash the one backend jhash picks; prefix maps match any protocol, and a hairpin prefix map
/// has its inbound half on the other interfaces and its hairpin masquerade in postrouting like a hairpin forward.
/// </summary>
public static class StaticPacketTracer
{
    public static StaticTrace Explain(IReadOnlyList<NatRule> rules, PacketProbe probe, TraceHost host)
    {
        var steps = new List<RuleStep>();
        var packet = new Packet(probe);

        // ---------- prerouting ----------
        NatRule? destinationRule = null;
        Translation? dnat = null;
        foreach (var rule in rules)
        {
            if (!HasPrerouting(rule)) continue;
            if (destinationRule is not null)
            {
                steps.Add(Step(rule, TraceHook.Prerouting, RuleStepOutcome.NotReached, $"'{destinationRule.Name}' matched first (first match wins)"));
                continue;
            }
            var (reason, translation) = MatchPrerouting(rule, packet, host);
            if (reason is not null) { steps.Add(Step(rule, TraceHook.Prerouting, RuleStepOutcome.NoMatch, reason)); continue; }
            if (!rule.Enabled) { steps.Add(Step(rule, TraceHook.Prerouting, RuleStepOutcome.Disabled, "would match, but the rule is disabled")); continue; }
            destinationRule = rule;
            dnat = translation!;
            steps.Add(Step(rule, TraceHook.Prerouting, RuleStepOutcome.Matched, translation!.Text));
        }

        var destination = dnat?.Address ?? probe.Destination;
        var destinationPort = dnat?.Port ?? probe.DestinationPort;

        // ---------- routing ----------
        TraceDelivery delivery;
        string? outInterface = null;
        if (dnat is { Local: true } || host.IsLocal(destination)) delivery = TraceDelivery.Local;
        else if (RouteLookup.Find(host.Routes, destination) is not { } route) delivery = TraceDelivery.NoRoute;
        else
        {
            outInterface = route.Device;
            delivery = host.Forwarding(probe.Family) ? TraceDelivery.Forwarded : TraceDelivery.ForwardingDisabled;
        }

        // ---------- postrouting ----------
        // The hairpin masquerades come first in the chain, forwards' and prefix maps' in list order
        // (NatRulesetCompiler.TableBuilder.Build); each is a step of its own, told apart from the prefix map's outbound half.
        var hairpins = rules.Where(r => r.Enabled && r.Family == probe.Family && r is DnatRule { Hairpin: true } or PrefixMapRule { Hairpin: true })
            .Select(r => (Rule: r, Hairpin: true));
        var postrouting = hairpins.Concat(rules.Where(r => r is MasqueradeRule or SnatRule or PrefixMapRule).Select(r => (Rule: r, Hairpin: false))).ToList();
        NatRule? sourceRule = null;
        string? sourceTranslation = null;
        var after = packet with { Destination = destination, DestinationPort = destinationPort };
        // ct status dnat is set only when the NAT changed the tuple (nf_nat_setup_info(): IPS_DST_NAT inside
        // "if (!nf_ct_tuple_equal(&new_tuple, &curr_tuple))").
        var statusDnat = dnat is not null && (!destination.Equals(probe.Destination) || destinationPort != probe.DestinationPort);
        foreach (var (rule, isHairpin) in postrouting)
        {
            if (delivery != TraceDelivery.Forwarded)
            {
                steps.Add(Step(rule, TraceHook.Postrouting, RuleStepOutcome.NotReached, delivery switch
                {
                    TraceDelivery.Local => "the packet is delivered to the gateway itself: no postrouting",
                    TraceDelivery.NoRoute => $"no route to {destination}: the packet is dropped before postrouting",
                    _ => $"forwarding is off for {FamilyText(probe.Family)}: the packet is dropped before postrouting",
                }));
                continue;
            }
            if (sourceRule is not null)
            {
                steps.Add(Step(rule, TraceHook.Postrouting, RuleStepOutcome.NotReached, $"'{sourceRule.Name}' matched first (first match wins)"));
                continue;
            }
            string? reason;
            string? text;
            if (isHairpin)
            {
                // ct mark & mask == id (set by this rule's prerouting half) ct status dnat iifname != { its interfaces }.
                var own = rule switch
                {
                    DnatRule d => d.InInterfaces,
                    PrefixMapRule m => m.OutsideInterfaces,
                    _ => [],
                };
                var what = rule is DnatRule ? "forward" : "map";
                reason = ReferenceEquals(destinationRule, rule)
                    ? !statusDnat ? $"hairpin masquerade: the {what} did not change the destination (no ct status dnat)"
                    : Interfaces("input interface", own, probe.InInterface, negate: true)
                    : $"hairpin masquerade: only for flows this {what} translated (ct mark)";
                text = reason is null ? $"hairpin: masquerade to the address of {outInterface}{AddressOf(host, outInterface!, probe.Family)}" : null;
            }
            else (reason, text) = MatchPostrouting(rule, after, outInterface!, host);
            if (reason is not null) { steps.Add(Step(rule, TraceHook.Postrouting, RuleStepOutcome.NoMatch, reason)); continue; }
            if (!rule.Enabled) { steps.Add(Step(rule, TraceHook.Postrouting, RuleStepOutcome.Disabled, "would match, but the rule is disabled")); continue; }
            sourceRule = rule;
            sourceTranslation = text;
            steps.Add(Step(rule, TraceHook.Postrouting, RuleStepOutcome.Matched, text!));
        }

        var summary = Summary(probe, destinationRule, dnat, delivery, outInterface, destination, sourceRule, sourceTranslation);
        return new StaticTrace(probe, steps, destinationRule?.Id, sourceRule?.Id, destination, destinationPort, outInterface,
            sourceTranslation, summary, delivery);
    }

    private static bool HasPrerouting(NatRule rule) => rule is DnatRule or RedirectRule or LoadBalanceRule or PrefixMapRule;

    private static RuleStep Step(NatRule rule, TraceHook hook, RuleStepOutcome outcome, string reason) =>
        new(rule.Id, rule.Name, rule.Kind, hook, outcome, reason);

    private sealed record Packet(NatFamily Family, NatProtocol Protocol, IPAddress Source, IPAddress Destination, int DestinationPort, string InInterface)
    {
        public Packet(PacketProbe probe) : this(probe.Family, probe.Protocol == ProbeProtocol.Udp ? NatProtocol.Udp : NatProtocol.Tcp,
            probe.Source, probe.Destination, probe.DestinationPort, probe.InInterface) { }
    }

    /// <summary>The destination after DNAT, in words; <see cref="Local"/> for redirect (delivered to the gateway).</summary>
    private sealed record Translation(IPAddress Address, int Port, string Text, bool Local = false);

    // ---------- prerouting matches (expression order of the compiled rule: iifname, saddr, daddr, l4proto, dport) ----------

    private static (string? Reason, Translation? Translation) MatchPrerouting(NatRule rule, Packet p, TraceHost host)
    {
        if (rule.Family != p.Family) return (OtherFamily(rule, p), null);
        switch (rule)
        {
            case DnatRule d:
            {
                var main = Interfaces("input interface", d.InInterfaces, p.InInterface, negate: false)
                    ?? Forward(d.SourceCidrs, d.DestinationAddress, d.Protocol, d.DestinationPort, p, host, onInputInterface: true);
                if (main is null) return (null, DnatTo(d, p));
                if (!d.Hairpin) return (main, null);
                // The hairpin variant: every other input interface, any local address (fib daddr type local).
                var reflected = Interfaces("input interface", d.InInterfaces, p.InInterface, negate: true)
                    ?? Forward(d.SourceCidrs, d.DestinationAddress, d.Protocol, d.DestinationPort, p, host, onInputInterface: false);
                return reflected is null ? (null, DnatTo(d, p) with { Text = "hairpin: " + DnatTo(d, p).Text }) : ($"{main}; hairpin: {reflected}", null);
            }
            case LoadBalanceRule l:
            {
                var reason = Interfaces("input interface", l.InInterfaces, p.InInterface, negate: false)
                    ?? Forward(l.SourceCidrs, l.DestinationAddress, l.Protocol, l.DestinationPort, p, host, onInputInterface: true);
                if (reason is not null) return (reason, null);
                if (l.Backends.Count == 0) return ("the rule has no backends", null);
                var all = string.Join(", ", l.Backends.Select((b, i) =>
                    $"{NatRulesetCompiler.BackendChain(l, i)} {Endpoint(b.Address, b.Port ?? p.DestinationPort)} (weight {b.Weight})"));
                if (l.Method == BalanceMethod.SourceHash)
                {
                    // jhash ip saddr mod W seed S: the same function the kernel runs (nft_jhash_eval()), so the backend is known.
                    var index = BackendOf(l, SourceHash.Value(p.Source, NatRulesetCompiler.SourceHashSeed(l), (uint)l.Backends.Sum(b => b.Weight)));
                    var chosen = l.Backends[index];
                    return (null, new Translation(chosen.Address, chosen.Port ?? p.DestinationPort,
                        $"source hash picks {NatRulesetCompiler.BackendChain(l, index)}: destination becomes {Endpoint(chosen.Address, chosen.Port ?? p.DestinationPort)} (backends: {all})"));
                }
                // numgen inc mod W: a counter in the kernel shared by every new flow; which backend this one gets depends on
                // the flows before it, so the answer is the set (the routing shown is the first backend's).
                var first = l.Backends[0];
                return (null, new Translation(first.Address, first.Port ?? p.DestinationPort,
                    $"destination becomes one of {all} by round-robin (numgen inc mod {l.Backends.Sum(b => b.Weight)}); routing shown for the first"));
            }
            case RedirectRule r:
            {
                var reason = Interfaces("input interface", r.InInterfaces, p.InInterface, negate: false)
                    ?? Sources(r.SourceCidrs, p.Source)
                    ?? (r.DestinationAddress is { } a && !a.Equals(p.Destination) ? $"destination {p.Destination} ≠ {a}" : null)
                    ?? Protocol(r.Protocol, p.Protocol)
                    ?? Port(r.DestinationPort, p.DestinationPort);
                if (reason is not null) return (reason, null);
                var port = MapPort(r.DestinationPort, r.TargetPort, p.DestinationPort);
                // nf_nat_redirect_ipv4(): the first (primary) address of the input device; ipv6: its first address.
                var local = host.FirstAddress(p.InInterface, p.Family);
                return (null, local is null
                    ? new Translation(p.Destination, port, $"redirect to local port {port}; {p.InInterface} has no {FamilyText(p.Family)} address, so the kernel drops it", Local: true)
                    : new Translation(local, port, $"redirect to local port {port} ({Endpoint(local, port)})", Local: true));
            }
            case PrefixMapRule m:
            {
                var main = Interfaces("input interface", m.OutsideInterfaces, p.InInterface, negate: false) ?? InPrefix("destination", m.OutsidePrefix, p.Destination);
                if (main is null) return (null, PrefixTo(m, p, ""));
                if (!m.Hairpin) return (main, null);
                var reflected = Interfaces("input interface", m.OutsideInterfaces, p.InInterface, negate: true) ?? InPrefix("destination", m.OutsidePrefix, p.Destination);
                return reflected is null ? (null, PrefixTo(m, p, "hairpin: ")) : ($"{main}; hairpin: {reflected}", null);
            }
            default:
                return ("not a destination NAT rule", null);
        }
    }

    /// <summary>The backend that owns hash value <paramref name="value"/>: backend i owns its weight's consecutive values (the vmap).</summary>
    private static int BackendOf(LoadBalanceRule rule, uint value)
    {
        var end = 0L;
        for (var i = 0; i < rule.Backends.Count; i++)
        {
            end += rule.Backends[i].Weight;
            if (value < end) return i;
        }
        return rule.Backends.Count - 1;
    }

    private static string? Forward(IReadOnlyList<IpPrefix> sources, IPAddress? address, NatProtocol protocol, PortRange ports, Packet p, TraceHost host, bool onInputInterface) =>
        Sources(sources, p.Source)
        ?? Destination(address, p, host, onInputInterface)
        ?? Protocol(protocol, p.Protocol)
        ?? Port(ports, p.DestinationPort);

    private static string? Destination(IPAddress? address, Packet p, TraceHost host, bool onInputInterface)
    {
        if (address is not null) return address.Equals(p.Destination) ? null : $"destination {p.Destination} ≠ {address}";
        if (onInputInterface)
            return host.IsLocalOn(p.InInterface, p.Destination) ? null : $"destination {p.Destination} is not an address of {p.InInterface}";
        return host.IsLocal(p.Destination) ? null : $"destination {p.Destination} is not an address of this host";
    }

    private static Translation DnatTo(DnatRule d, Packet p)
    {
        var port = MapPort(d.DestinationPort, d.TargetPort, p.DestinationPort);
        var target = d.TargetAddress.IsSingle
            ? Endpoint(d.TargetAddress.From, port)
            : $"one of {d.TargetAddress} port {port} (the kernel picks the address; shown for the first)";
        return new Translation(d.TargetAddress.From, port, $"destination becomes {target}");
    }

    private static Translation PrefixTo(PrefixMapRule m, Packet p, string prefix)
    {
        var mapped = MapAddress(p.Destination, m.OutsidePrefix, m.InsidePrefix);
        return new Translation(mapped, p.DestinationPort, $"{prefix}destination becomes {mapped} ({m.OutsidePrefix} → {m.InsidePrefix}, host bits kept)");
    }

    /// <summary>The destination port after <c>dnat to :PORT</c>: a single target port, or a one-to-one range map (same width).</summary>
    private static int MapPort(PortRange match, PortRange? target, int port) => target switch
    {
        null => port,
        { IsSingle: true } t => t.From,
        { } t => port - match.From + t.From,
    };

    /// <summary>Prefix NAT keeps the host bits: <paramref name="address"/> moved from <paramref name="from"/> into <paramref name="to"/>.</summary>
    private static IPAddress MapAddress(IPAddress address, IpPrefix from, IpPrefix to)
    {
        var host = IpMath.ToNumber(address) & ((BigInteger.One << (from.MaxLength - from.Length)) - 1);
        return IpMath.FromNumber(IpMath.ToNumber(to.Network) | host, to.Family);
    }

    // ---------- postrouting matches (oifname, saddr, daddr, l4proto) ----------

    private static (string? Reason, string? Text) MatchPostrouting(NatRule rule, Packet p, string outInterface, TraceHost host)
    {
        if (rule.Family != p.Family) return (OtherFamily(rule, p), null);
        switch (rule)
        {
            case MasqueradeRule m:
            {
                var reason = Interfaces("output interface", m.OutInterfaces, outInterface, negate: false)
                    ?? Sources(m.SourceCidrs, p.Source)
                    ?? (m.Protocol is { } proto ? Protocol(proto, p.Protocol) : null);
                if (reason is not null) return (reason, null);
                // nf_nat_masquerade_ipv4(): inet_select_addr() finds no address → NF_DROP ("... ate my IP address").
                var address = host.FirstAddress(outInterface, p.Family);
                return (null, address is null
                    ? $"masquerade: {outInterface} has no {FamilyText(p.Family)} address, so the kernel drops the packet"
                    : $"masquerade: source becomes {address}{PortsText(m.Ports)}");
            }
            case SnatRule s:
            {
                var reason = Interfaces("output interface", s.OutInterfaces, outInterface, negate: false)
                    ?? Sources(s.SourceCidrs, p.Source)
                    ?? Destinations(s.DestinationCidrs, p.Destination)
                    ?? (s.Protocol is { } proto ? Protocol(proto, p.Protocol) : null);
                if (reason is not null) return (reason, null);
                return (null, s.TranslateTo.IsSingle
                    ? $"source becomes {s.TranslateTo.From}{PortsText(s.Ports)}"
                    : $"source becomes one of {s.TranslateTo}{PortsText(s.Ports)}");
            }
            case PrefixMapRule m:
            {
                var reason = Interfaces("output interface", m.OutsideInterfaces, outInterface, negate: false) ?? InPrefix("source", m.InsidePrefix, p.Source);
                if (reason is not null) return (reason, null);
                return (null, $"source becomes {MapAddress(p.Source, m.InsidePrefix, m.OutsidePrefix)} ({m.InsidePrefix} → {m.OutsidePrefix}, host bits kept)");
            }
            default:
                return ("not a source NAT rule", null);
        }
    }

    // ---------- field checks: null when the field matches, else the reason ----------

    /// <summary><c>iifname "a"</c>, <c>iifname { "a", "eth*" }</c> or (hairpin) <c>iifname != { ... }</c>; empty = any.</summary>
    private static string? Interfaces(string what, IReadOnlyList<string> patterns, string name, bool negate)
    {
        if (patterns.Count == 0) return null;
        var hit = patterns.Any(pattern => InterfaceName.Matches(pattern, name));
        if (hit != negate) return null;
        var list = patterns.Count == 1 ? patterns[0] : "{" + string.Join(", ", patterns) + "}";
        if (negate) return $"{what} {name} is one of the rule's own ({list})";
        return patterns.Count == 1 && !InterfaceName.IsWildcard(patterns[0]) ? $"{what} {name} ≠ {list}" : $"{what} {name} not in {list}";
    }

    private static string? Sources(IReadOnlyList<IpPrefix> prefixes, IPAddress source) =>
        prefixes.Count == 0 || prefixes.Any(c => c.Contains(source)) ? null : $"source {source} not in {Cidrs(prefixes)}";

    private static string? Destinations(IReadOnlyList<IpPrefix> prefixes, IPAddress destination) =>
        prefixes.Count == 0 || prefixes.Any(c => c.Contains(destination)) ? null : $"destination {destination} not in {Cidrs(prefixes)}";

    private static string? InPrefix(string what, IpPrefix prefix, IPAddress address) =>
        prefix.Contains(address) ? null : $"{what} {address} not in {prefix}";

    private static string? Protocol(NatProtocol rule, NatProtocol packet) =>
        rule == NatProtocol.Both || rule == packet ? null : $"protocol {ProtocolText(packet)} ≠ {ProtocolText(rule)}";

    private static string? Port(PortRange range, int port) =>
        range.Contains(port) ? null : range.IsSingle ? $"destination port {port} ≠ {range}" : $"destination port {port} not in {range}";

    private static string OtherFamily(NatRule rule, Packet p) =>
        $"an {FamilyText(rule.Family)} rule (table {(rule.Family == NatFamily.Ipv6 ? "ip6" : "ip")}); the packet is {FamilyText(p.Family)}";

    private static string Cidrs(IReadOnlyList<IpPrefix> prefixes) =>
        prefixes.Count == 1 ? prefixes[0].ToString() : "{" + string.Join(", ", prefixes) + "}";

    private static string ProtocolText(NatProtocol protocol) => protocol switch
    {
        NatProtocol.Tcp => "tcp",
        NatProtocol.Udp => "udp",
        _ => "tcp/udp",
    };

    public static string FamilyText(NatFamily family) => family == NatFamily.Ipv6 ? "IPv6" : "IPv4";

    private static string PortsText(PortRange? ports) => ports is { } p ? $", source port in {p}" : "";

    private static string AddressOf(TraceHost host, string device, NatFamily family) =>
        host.FirstAddress(device, family) is { } a ? $" ({a})" : "";

    private static string Endpoint(IPAddress address, int port) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";

    private static string Summary(PacketProbe probe, NatRule? dnatRule, Translation? dnat, TraceDelivery delivery, string? outInterface,
        IPAddress destination, NatRule? snatRule, string? snat)
    {
        var first = dnatRule is null ? "no destination NAT rule matches" : $"'{dnatRule.Name}' ({NatRuleJson.KindText(dnatRule.Kind)}): {dnat!.Text}";
        var second = delivery switch
        {
            TraceDelivery.Local => "delivered to the gateway itself",
            TraceDelivery.NoRoute => $"no route to {destination}: dropped",
            TraceDelivery.ForwardingDisabled => $"routed to {outInterface}, but {FamilyText(probe.Family)} forwarding is off: dropped",
            _ => snatRule is null
                ? $"leaves {outInterface}; no source NAT rule matches (source stays {probe.Source})"
                : $"leaves {outInterface}; '{snatRule.Name}' ({NatRuleJson.KindText(snatRule.Kind)}): {snat}",
        };
        return $"{first}; {second}";
    }
}
