using System.Net;

namespace NatGateway.Nat;

/// <summary>
/// Checks one rule in the context of the rules before it. Errors block saving/applying; warnings
/// (which need <see cref="IHostFacts"/>) are advice. Field names are the JSON property names of the REST shape.
/// </summary>
public static class NatRuleValidator
{
    /// <summary>
    /// Validates every rule of an ordered list against the rules before it, in about linear time: each rule gets only
    /// the earlier rules a <see cref="RuleValidationIndex"/> names as candidates (name clash, covering forward), in list
    /// order, which gives the same result as all of them. Ids must be distinct (ArgumentException otherwise).
    /// </summary>
    public static IReadOnlyDictionary<Guid, ValidationResult> ValidateAll(IReadOnlyList<NatRule> orderedRules, IHostFacts? host = null)
    {
        var results = new Dictionary<Guid, ValidationResult>(orderedRules.Count);
        var index = new RuleValidationIndex();
        var positions = new Dictionary<NatRule, int>(orderedRules.Count, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < orderedRules.Count; i++)
        {
            var rule = orderedRules[i];
            var (earlier, _) = index.Context(rule, i, r => positions[r]);
            results.Add(rule.Id, Validate(rule, earlier, host));
            positions.TryAdd(rule, i);
            index.Add(rule);
        }
        return results;
    }

    /// <summary>Parses the REST JSON and validates the result: one list of issues for both stages.</summary>
    public static ValidationResult ValidateJson(string json, IReadOnlyList<NatRule> earlierRules, IHostFacts? host = null)
    {
        var parsed = NatRuleJson.Parse(json);
        return parsed.Success ? Validate(parsed.Rule!, earlierRules, host) : new ValidationResult(parsed.Errors);
    }

    /// <param name="rule">The rule to check.</param>
    /// <param name="earlierRules">The rules before it in list order (for duplicate/shadow detection and name clashes).</param>
    /// <param name="host">Host facts for warnings; null skips them.</param>
    /// <param name="laterRules">The rules after it, checked only for name clashes (saving one rule of a list).</param>
    public static ValidationResult Validate(NatRule rule, IReadOnlyList<NatRule> earlierRules, IHostFacts? host = null,
        IReadOnlyList<NatRule>? laterRules = null)
    {
        var issues = new List<ValidationIssue>();
        void Error(string field, string message) => issues.Add(new ValidationIssue(field, message));
        void Warn(string field, string message) => issues.Add(new ValidationIssue(field, message, IssueSeverity.Warning));

        issues.AddRange(NameIssues(rule.Name));
        issues.AddRange(DescriptionIssues(rule.Description));
        if (NameClash(rule.Id, rule.Name, earlierRules.Concat(laterRules ?? [])) is { } clash) issues.Add(clash);

        foreach (var (field, family) in RuleAddresses.Fields(rule))
            if (family != rule.Family)
                Error(field, $"{RuleFieldLabels.Of(field)}: this is an {Text(family)} address but the rule's family is {Text(rule.Family)}");

        switch (rule)
        {
            case MasqueradeRule m:
                issues.AddRange(InterfaceIssues("outInterfaces", m.OutInterfaces));
                CheckSourceNatPorts(m.Protocol, m.Ports);
                break;
            case SnatRule s:
                issues.AddRange(InterfaceIssues("outInterfaces", s.OutInterfaces));
                CheckSourceNatPorts(s.Protocol, s.Ports);
                break;
            case DnatRule d:
                issues.AddRange(InterfaceIssues("inInterfaces", d.InInterfaces));
                if (TargetAddressProblem(d.TargetAddress) is { } target) Error("targetAddress", $"Target address: {target}");
                CheckTargetPortWidth(d.DestinationPort, d.TargetPort);
                CheckShadowed();
                break;
            case RedirectRule r:
                issues.AddRange(InterfaceIssues("inInterfaces", r.InInterfaces));
                CheckTargetPortWidth(r.DestinationPort, r.TargetPort);
                CheckShadowed();
                break;
            case PrefixMapRule p:
                issues.AddRange(InterfaceIssues("outsideInterfaces", p.OutsideInterfaces));
                CheckPrefixMap(p);
                break;
            case LoadBalanceRule l:
                issues.AddRange(BalanceValidation.LoadBalanceIssues(l));
                CheckShadowed();
                break;
        }
        issues.AddRange(BalanceValidation.TimeoutIssues(rule));

        if (host is not null) AddWarnings(rule, host, Warn);
        return new ValidationResult(issues);

        void CheckSourceNatPorts(NatProtocol? protocol, PortRange? ports)
        {
            if (ports is not null && protocol is null) Error("ports", "Port range: a port range needs a protocol (tcp, udp or both)");
        }

        void CheckTargetPortWidth(PortRange destination, PortRange? targetPort)
        {
            if (targetPort is not { } target || target.IsSingle) return;
            if (destination.IsSingle)
                Error("targetPort", $"Target port: a target range {target} needs a destination port range of the same width ({target.Width} ports)");
            else if (destination.Width != target.Width)
                Error("targetPort", $"Target port: range widths differ: destination {destination} has {destination.Width} ports, target {target} has {target.Width}");
        }

        // A prerouting rule of one port (range) is dead when an earlier enabled one takes all its packets: a forward,
        // redirect or load-balance that covers its match, or a prefix map whose outside prefix holds its address.
        // The first such rule in list order is named (RuleValidationIndex hands over exactly the candidates, in order).
        void CheckShadowed()
        {
            if (!rule.Enabled || ForwardMatch.For(rule) is not { } mine) return;
            foreach (var earlier in earlierRules.Where(e => e.Enabled && e.Id != rule.Id))
            {
                if (ForwardMatch.For(earlier) is { } theirs && theirs.Covers(mine))
                {
                    Error("destinationPort", SameMatch(theirs, mine)
                        ? $"Destination port: duplicates the earlier rule '{earlier.Name}': this forward can never match"
                        : $"Destination port: is shadowed by the earlier rule '{earlier.Name}', which matches every packet this one would");
                    return;
                }
                if (earlier is PrefixMapRule map && PrefixMapTakes(map, mine))
                {
                    Error("destinationAddress",
                        $"Destination address: {mine.DestinationAddress} is in the outside prefix {map.OutsidePrefix} of the earlier rule '{map.Name}', which translates every packet to it first");
                    return;
                }
            }
        }

        void CheckPrefixMap(PrefixMapRule p)
        {
            var required = p is Nptv6Rule ? NatFamily.Ipv6 : NatFamily.Ipv4;
            if (p.Family != required)
                Error("family", p is Nptv6Rule
                    ? "Address family: NPTv6 translates IPv6 prefixes only"
                    : "Address family: 1:1 NAT translates IPv4 prefixes only (use NPTv6 for IPv6)");
            if (p.InsidePrefix.Family != p.OutsidePrefix.Family) return; // reported per field above
            if (p.InsidePrefix.Length != p.OutsidePrefix.Length)
                Error("outsidePrefix", $"Outside prefix: /{p.OutsidePrefix.Length} must be as long as the inside prefix /{p.InsidePrefix.Length}: each inside address maps to exactly one outside address");
            var minimum = p.InsidePrefix.Family == NatFamily.Ipv6 ? MinPrefixLength6 : MinPrefixLength4;
            foreach (var (field, prefix) in new[] { ("insidePrefix", p.InsidePrefix), ("outsidePrefix", p.OutsidePrefix) })
            {
                if (prefix.Length < minimum)
                    Error(field, $"{RuleFieldLabels.Of(field)}: /{prefix.Length} is shorter than /{minimum}; map a network, not a large part of the address space");
                else if (NonUnicastProblem(prefix) is { } problem)
                    Error(field, $"{RuleFieldLabels.Of(field)}: {problem}");
            }
            if (p.InsidePrefix.Overlaps(p.OutsidePrefix))
                Error("outsidePrefix", $"Outside prefix: {p.OutsidePrefix} overlaps the inside prefix {p.InsidePrefix}");
            if (!p.Enabled) return;
            // Two maps that share addresses on a common interface make one of them unreachable for those addresses
            // (and an outbound address ambiguous): the first earlier one is named.
            foreach (var earlier in earlierRules.OfType<PrefixMapRule>().Where(e => e.Enabled && e.Id != p.Id && e.Family == p.Family))
            {
                if (!InterfaceName.ListsMayOverlap(earlier.OutsideInterfaces, p.OutsideInterfaces)) continue;
                if (earlier.OutsidePrefix.Overlaps(p.OutsidePrefix))
                {
                    Error("outsidePrefix", $"Outside prefix: {p.OutsidePrefix} overlaps the outside prefix {earlier.OutsidePrefix} of the earlier rule '{earlier.Name}', which takes those addresses first");
                    return;
                }
                if (earlier.InsidePrefix.Overlaps(p.InsidePrefix))
                {
                    Error("insidePrefix", $"Inside prefix: {p.InsidePrefix} overlaps the inside prefix {earlier.InsidePrefix} of the earlier rule '{earlier.Name}', which translates those hosts first");
                    return;
                }
            }
        }
    }

    /// <summary>Shortest prefix a 1:1 map takes (IPv4) — a /7 would be half a class-A block of hosts.</summary>
    public const int MinPrefixLength4 = 8;
    /// <summary>Shortest prefix NPTv6 takes.</summary>
    public const int MinPrefixLength6 = 16;

    /// <summary>
    /// True when the inbound half of <paramref name="map"/> takes every packet of <paramref name="forward"/>: a specific
    /// destination address inside the outside prefix, arriving only on the map's outside interfaces (any interface when
    /// the map reflects: its hairpin half takes the others).
    /// </summary>
    private static bool PrefixMapTakes(PrefixMapRule map, ForwardMatch forward) =>
        forward.DestinationAddress is { } address && !forward.AnyDestination && map.Family == forward.Family
        && map.OutsidePrefix.Contains(address)
        && (map.Hairpin || (forward.InInterfaces.Count > 0 && forward.InInterfaces.All(map.OutsideInterfaces.Contains)));

    /// <summary>Longest rule name, in characters.</summary>
    public const int MaxNameLength = 64;
    public const int MaxDescriptionLength = 1000;

    /// <summary>Name checks, shared by the JSON reader (so they come with every other field error) and <see cref="Validate"/>.</summary>
    public static IEnumerable<ValidationIssue> NameIssues(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) yield return new ValidationIssue("name", "Name is required");
        else if (name.Length > MaxNameLength) yield return new ValidationIssue("name", $"Name is longer than {MaxNameLength} characters ({name.Length})");
        else if (name.Any(char.IsControl)) yield return new ValidationIssue("name", "Name must be one line of text (no line breaks, tabs or control characters)");
        else if (HasLoneSurrogate(name)) yield return new ValidationIssue("name", "Name contains a broken Unicode character (a lone surrogate)");
    }

    public static IEnumerable<ValidationIssue> DescriptionIssues(string? description)
    {
        if (description is { Length: > MaxDescriptionLength })
            yield return new ValidationIssue("description", $"Description is longer than {MaxDescriptionLength} characters ({description.Length})");
        else if (description is not null && HasLoneSurrogate(description))
            yield return new ValidationIssue("description", "Description contains a broken Unicode character (a lone surrogate)");
    }

    /// <summary>Text that cannot be written as UTF-8 (JSON, SQLite): a high surrogate without its low half, or a low one alone.</summary>
    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return true;
        }
        return false;
    }

    /// <summary>
    /// Rule names are unique, ignoring case: "Web" clashes with "web". <paramref name="id"/> is the rule being named
    /// (it never clashes with itself), <see cref="Guid.Empty"/> for a rule not saved yet.
    /// </summary>
    public static ValidationIssue? NameClash(Guid id, string name, IEnumerable<NatRule> others) =>
        string.IsNullOrWhiteSpace(name) ? null
        : others.FirstOrDefault(o => o.Id != id && SameName(o.Name, name)) is { } other
            ? new ValidationIssue("name", $"Name '{name}' is already used by another rule ('{other.Name}'); names must be unique, ignoring case")
            : null;

    public static bool SameName(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    /// <summary>Interface list checks (kernel name rules, wildcards, at least one, no repeats), shared by the JSON reader and <see cref="Validate"/>.</summary>
    public static IEnumerable<ValidationIssue> InterfaceIssues(string field, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
            yield return new ValidationIssue(field, $"{RuleFieldLabels.Of(field)}: name at least one interface (a prefix wildcard such as 'eth*' is allowed)");
        for (var i = 0; i < names.Count; i++)
        {
            var item = $"{field}[{i}]";
            if (InterfaceName.Problem(names[i]) is { } problem) yield return new ValidationIssue(item, $"{RuleFieldLabels.Of(item)}: {problem}");
            else if (names.Take(i).Contains(names[i])) yield return new ValidationIssue(item, $"{RuleFieldLabels.Of(item)}: '{names[i]}' is listed twice");
        }
    }

    /// <summary>
    /// A DNAT target must be unicast host addresses: one address or a range of them. Refused: a network prefix (0.0.0.0/0
    /// is not a host), the unspecified address, loopback (a forwarded packet is never routed there), multicast and
    /// the reserved/broadcast block. A range is refused when it reaches into one of those blocks.
    /// </summary>
    public static string? TargetAddressProblem(AddressPool pool)
    {
        if (pool.PrefixLength is { } length && length < (pool.Family == NatFamily.Ipv6 ? 128 : 32))
            return $"'{pool}' is a network, not a host: give one address (e.g. {pool.From}) or a range a-b";
        var (from, to) = (IpMath.ToNumber(pool.From), IpMath.ToNumber(pool.To));
        foreach (var (block, what) in pool.Family == NatFamily.Ipv6 ? Ipv6NonUnicast : Ipv4NonUnicast)
            if (block.Overlaps(from, to))
                return pool.IsSingle
                    ? $"'{pool}' is {what}, not a unicast host address"
                    : $"the range '{pool}' includes {what} ({block}); a target must be unicast host addresses";
        return null;
    }

    private static readonly (NonUnicastBlock Block, string What)[] Ipv4NonUnicast =
    [
        (new("0.0.0.0/8"), "the unspecified/\"this network\" block"),
        (new("127.0.0.0/8"), "a loopback address"),
        (new("224.0.0.0/4"), "a multicast address"),
        (new("240.0.0.0/4"), "a reserved or broadcast address"),
    ];

    private static readonly (NonUnicastBlock Block, string What)[] Ipv6NonUnicast =
    [
        (new("::/128"), "the unspecified address"),
        (new("::1/128"), "the loopback address"),
        (new("ff00::/8"), "a multicast address"),
    ];

    /// <summary>A block's ends as numbers, worked out once: every target address of a 10,000-rule list is checked against each (issue 12).</summary>
    private sealed class NonUnicastBlock
    {
        private readonly IpPrefix _prefix;
        private readonly System.Numerics.BigInteger _first, _last;

        public NonUnicastBlock(string cidr)
        {
            _prefix = IpPrefix.Parse(cidr);
            (_first, _last) = (IpMath.ToNumber(_prefix.First), IpMath.ToNumber(_prefix.Last));
        }

        /// <summary>Whether the addresses <paramref name="from"/>..<paramref name="to"/> (of the block's family) reach into the block.</summary>
        public bool Overlaps(System.Numerics.BigInteger from, System.Numerics.BigInteger to) => from <= _last && _first <= to;

        public override string ToString() => _prefix.ToString();
    }

    private static bool SameMatch(ForwardMatch a, ForwardMatch b) =>
        a.Protocols.SetEquals(b.Protocols) && a.DestinationPort == b.DestinationPort && Equals(a.DestinationAddress, b.DestinationAddress)
        && a.AnyDestination == b.AnyDestination
        && a.InInterfaces.Order().SequenceEqual(b.InInterfaces.Order())
        && a.SourceCidrs.Select(c => c.ToString()).Order().SequenceEqual(b.SourceCidrs.Select(c => c.ToString()).Order());

    /// <summary>A prefix reaching into a block that is not unicast hosts (loopback, multicast, …).</summary>
    private static string? NonUnicastProblem(IpPrefix prefix)
    {
        var (first, last) = (IpMath.ToNumber(prefix.First), IpMath.ToNumber(prefix.Last));
        foreach (var (block, what) in prefix.Family == NatFamily.Ipv6 ? Ipv6NonUnicast : Ipv4NonUnicast)
            if (block.Overlaps(first, last))
                return $"{prefix} includes {what} ({block}); a map must be unicast host addresses";
        return null;
    }

    private static void AddWarnings(NatRule rule, IHostFacts host, Action<string, string> warn)
    {
        var (field, interfaces) = rule switch
        {
            MasqueradeRule m => ("outInterfaces", m.OutInterfaces),
            SnatRule s => ("outInterfaces", s.OutInterfaces),
            DnatRule d => ("inInterfaces", d.InInterfaces),
            RedirectRule r => ("inInterfaces", r.InInterfaces),
            PrefixMapRule p => ("outsideInterfaces", p.OutsideInterfaces),
            _ => ("", (IReadOnlyList<string>)[]),
        };
        var matched = new List<(int Index, List<HostInterface> Nics)>();
        for (var i = 0; i < interfaces.Count; i++)
        {
            var item = $"{field}[{i}]";
            var nics = host.Interfaces.Where(n => InterfaceName.Matches(interfaces[i], n.Name)).ToList();
            matched.Add((i, nics));
            if (!InterfaceName.IsWildcard(interfaces[i]))
            {
                if (nics.Count == 0)
                    warn(item, $"{RuleFieldLabels.Of(item)}: no interface '{interfaces[i]}' on this host (the rule applies once it appears)");
            }
            else if (nics.Count == 0)
                warn(item, $"{RuleFieldLabels.Of(item)}: the wildcard '{interfaces[i]}' matches no current interface (the rule applies to matching interfaces once they appear)");
            else
                warn(item, $"{RuleFieldLabels.Of(item)}: the wildcard '{interfaces[i]}' matches {nics.Count} current interface(s): {string.Join(", ", nics.Select(n => n.Name))}, and any that appear later");
        }

        switch (rule)
        {
            case SnatRule s:
                var local = host.Interfaces.SelectMany(i => i.Addresses).ToList();
                foreach (var address in new[] { s.TranslateTo.From, s.TranslateTo.To }.Distinct())
                    if (!local.Any(a => a.Equals(address)))
                    {
                        warn("translateTo", $"Translate to: {address} is not an address of this host; replies reach the gateway only if the network routes it here");
                        break;
                    }
                break;
            // A redirect ends in the gateway itself: it needs no forwarding.
            case DnatRule or PrefixMapRule when rule.Enabled:
                var forwarding = rule.Family == NatFamily.Ipv6 ? host.Ipv6ForwardingEnabled : host.Ipv4ForwardingEnabled;
                if (!forwarding)
                    warn("enabled", rule.Family == NatFamily.Ipv6
                        ? "IPv6 forwarding is off (net.ipv6.conf.all.forwarding=0): forwarded traffic is dropped"
                        : "IPv4 forwarding is off (net.ipv4.ip_forward=0): forwarded traffic is dropped");
                break;
            case MasqueradeRule m:
                foreach (var (i, nics) in matched)
                    foreach (var nic in nics.Where(n => !n.Addresses.Any(a => IpMath.FamilyOf(a) == m.Family && !IsLinkLocal(a))))
                        warn($"outInterfaces[{i}]", $"{RuleFieldLabels.Of($"outInterfaces[{i}]")}: '{nic.Name}' has no {Text(m.Family)} address to masquerade to");
                break;
        }
    }

    private static bool IsLinkLocal(IPAddress a) => a.IsIPv6LinkLocal;

    private static string Text(NatFamily family) => family == NatFamily.Ipv6 ? "IPv6" : "IPv4";
}
