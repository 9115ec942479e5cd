using System.Net;

namespace NatGateway.Nat;

/// <summary>
/// Checks one rule in the context of the rules before it. Errors block saving/applying; warnings
/// (which need <see cref="IHostFacts"/>) are advice. Field names are the JSON property names of the REST shape.
/// </summary>
public static class NatRuleValidator
{
    /// <summary>Validates every rule of an ordered list against the rules before it.</summary>
    public static IReadOnlyDictionary<Guid, ValidationResult> ValidateAll(IReadOnlyList<NatRule> orderedRules, IHostFacts? host = null) =>
        orderedRules.Select((rule, index) => (rule, index))
            .ToDictionary(x => x.rule.Id, x => Validate(x.rule, orderedRules.Take(x.index).ToArray(), host));

    /// <summary>Parses the REST JSON and validates the result: one list of issues for both stages.</summary>
    public static ValidationResult ValidateJson(string json, IReadOnlyList<NatRule> earlierRules, IHostFacts? host = null)
    {
        var parsed = NatRuleJson.Parse(json);
        return parsed.Success ? Validate(parsed.Rule!, earlierRules, host) : new ValidationResult(parsed.Errors);
    }

    /// <param name="rule">The rule to check.</param>
    /// <param name="earlierRules">The rules before it in list order (for duplicate/shadow detection).</param>
    /// <param name="host">Host facts for warnings; null skips them.</param>
    public static ValidationResult Validate(NatRule rule, IReadOnlyList<NatRule> earlierRules, IHostFacts? host = null)
    {
        var issues = new List<ValidationIssue>();
        void Error(string field, string message) => issues.Add(new ValidationIssue(field, message));
        void Warn(string field, string message) => issues.Add(new ValidationIssue(field, message, IssueSeverity.Warning));

        if (string.IsNullOrWhiteSpace(rule.Name)) Error("name", "is required");
        else if (rule.Name.Length > 64) Error("name", "must be at most 64 characters");
        if (rule.Description is { Length: > 1000 }) Error("description", "must be at most 1000 characters");

        foreach (var (field, family) in RuleAddresses.Fields(rule))
            if (family != rule.Family)
                Error(field, $"is an {Text(family)} address but the rule's family is {Text(rule.Family)}");

        switch (rule)
        {
            case MasqueradeRule m:
                CheckInterfaces("outInterfaces", m.OutInterfaces);
                CheckSourceNatPorts(m.Protocol, m.Ports);
                break;
            case SnatRule s:
                CheckInterfaces("outInterfaces", s.OutInterfaces);
                CheckSourceNatPorts(s.Protocol, s.Ports);
                break;
            case DnatRule d:
                CheckInterfaces("inInterfaces", d.InInterfaces);
                CheckDnat(d);
                break;
        }

        if (host is not null) AddWarnings(rule, host, Warn);
        return new ValidationResult(issues);

        void CheckInterfaces(string field, IReadOnlyList<string> names)
        {
            if (names.Count == 0) Error(field, "name at least one interface");
            for (var i = 0; i < names.Count; i++)
            {
                if (!InterfaceName.IsValid(names[i])) Error($"{field}[{i}]", $"'{names[i]}' is not a valid interface name");
                if (names.Take(i).Contains(names[i])) Error($"{field}[{i}]", $"'{names[i]}' is listed twice");
            }
        }

        void CheckSourceNatPorts(NatProtocol? protocol, PortRange? ports)
        {
            if (ports is not null && protocol is null) Error("ports", "a port range needs a protocol (tcp, udp or both)");
        }

        void CheckDnat(DnatRule d)
        {
            if (d.TargetPort is { } target && !target.IsSingle)
            {
                if (d.DestinationPort.IsSingle)
                    Error("targetPort", $"a target range {target} needs a destination port range of the same width ({target.Width} ports)");
                else if (d.DestinationPort.Width != target.Width)
                    Error("targetPort", $"range widths differ: destination {d.DestinationPort} has {d.DestinationPort.Width} ports, target {target} has {target.Width}");
            }
            if (!d.Enabled) return;
            var mine = ForwardMatch.Of(d);
            foreach (var earlier in earlierRules.OfType<DnatRule>().Where(e => e.Enabled && e.Id != d.Id))
            {
                if (!ForwardMatch.Of(earlier).Covers(mine)) continue;
                var same = ForwardMatch.Of(earlier) == mine || SameForward(earlier, d);
                Error("destinationPort", same
                    ? $"duplicates the earlier rule '{earlier.Name}': this forward can never match"
                    : $"is shadowed by the earlier rule '{earlier.Name}', which matches every packet this one would");
                break;
            }
        }
    }

    private static bool SameForward(DnatRule a, DnatRule b) =>
        a.Protocol == b.Protocol && a.DestinationPort == b.DestinationPort && Equals(a.DestinationAddress, b.DestinationAddress)
        && a.InInterfaces.Order().SequenceEqual(b.InInterfaces.Order())
        && a.SourceCidrs.Select(c => c.ToString()).Order().SequenceEqual(b.SourceCidrs.Select(c => c.ToString()).Order());

    private static void AddWarnings(NatRule rule, IHostFacts host, Action<string, string> warn)
    {
        var byName = host.Interfaces.ToDictionary(i => i.Name);
        IReadOnlyList<string> interfaces = rule switch
        {
            MasqueradeRule m => m.OutInterfaces,
            SnatRule s => s.OutInterfaces,
            DnatRule d => d.InInterfaces,
            _ => [],
        };
        var field = rule is DnatRule ? "inInterfaces" : "outInterfaces";
        for (var i = 0; i < interfaces.Count; i++)
            if (!byName.ContainsKey(interfaces[i]))
                warn($"{field}[{i}]", $"no interface '{interfaces[i]}' on this host (the rule applies once it appears)");

        switch (rule)
        {
            case SnatRule s:
                var local = host.Interfaces.SelectMany(i => i.Addresses).ToList();
                foreach (var address in new[] { s.TranslateTo.From, s.TranslateTo.To }.Distinct())
                    if (!local.Any(a => a.Equals(address)))
                    {
                        warn("translateTo", $"{address} is not an address of this host; replies reach the gateway only if the network routes it here");
                        break;
                    }
                break;
            case DnatRule when rule.Enabled:
                var forwarding = rule.Family == NatFamily.Ipv6 ? host.Ipv6ForwardingEnabled : host.Ipv4ForwardingEnabled;
                if (!forwarding)
                    warn("enabled", rule.Family == NatFamily.Ipv6
                        ? "IPv6 forwarding is off (net.ipv6.conf.all.forwarding=0): forwarded traffic is dropped"
                        : "IPv4 forwarding is off (net.ipv4.ip_forward=0): forwarded traffic is dropped");
                break;
            case MasqueradeRule m:
                for (var i = 0; i < m.OutInterfaces.Count; i++)
                    if (byName.TryGetValue(m.OutInterfaces[i], out var nic) && !nic.Addresses.Any(a => IpMath.FamilyOf(a) == m.Family && !IsLinkLocal(a)))
                        warn($"outInterfaces[{i}]", $"'{nic.Name}' has no {Text(m.Family)} address to masquerade to");
                break;
        }
    }

    private static bool IsLinkLocal(IPAddress a) => a.IsIPv6LinkLocal;

    private static string Text(NatFamily family) => family == NatFamily.Ipv6 ? "IPv6" : "IPv4";
}
