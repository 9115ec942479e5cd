using System.Globalization;

namespace NatGateway.Nat;

/// <summary>
/// Structural checks of load-balanced forwards and of conntrack timeout policies (any kind may carry one), called by
/// <see cref="NatRuleValidator.Validate"/>. Field names are the REST shape's: "backends[1].address", "timeouts.udpReplied".
/// </summary>
public static class BalanceValidation
{
    /// <summary>A balanced forward spreads over at least two backends; one backend is a plain forward.</summary>
    public const int MinBackends = 2;

    /// <summary>
    /// Upper bound on backends: every backend is an nft chain and a verdict-map element, and past a few dozen the list stops
    /// being something an operator reads; a bigger pool belongs behind a real load balancer.
    /// </summary>
    public const int MaxBackends = 32;

    public const int MinWeight = 1;
    public const int MaxWeight = 100;

    /// <summary>
    /// Longest timeout, in seconds: 30 days. The kernel keeps a policy's timeouts as u32 jiffies (seconds × HZ,
    /// tcp_timeout_nlattr_to_obj()/udp_timeout_nlattr_to_obj()), which overflow past 2^32/HZ s (49.7 days at HZ=1000).
    /// </summary>
    public const int MaxTimeoutSeconds = 30 * 24 * 3600;

    public static IEnumerable<ValidationIssue> LoadBalanceIssues(LoadBalanceRule rule)
    {
        foreach (var issue in NatRuleValidator.InterfaceIssues("inInterfaces", rule.InInterfaces)) yield return issue;
        if (rule.Backends.Count < MinBackends)
            yield return new ValidationIssue("backends",
                $"Backends: a load-balanced forward needs at least {MinBackends} backends ({rule.Backends.Count} given); for one target use a port forward (dnat)");
        else if (rule.Backends.Count > MaxBackends)
            yield return new ValidationIssue("backends", $"Backends: at most {MaxBackends} backends ({rule.Backends.Count} given)");
        for (var i = 0; i < rule.Backends.Count; i++)
        {
            var backend = rule.Backends[i];
            var label = $"Backend {(i + 1).ToString(CultureInfo.InvariantCulture)}";
            if (NatRuleValidator.TargetAddressProblem(AddressPool.Single(backend.Address)) is { } problem)
                yield return new ValidationIssue($"backends[{i}].address", $"{label} address: {problem}");
            if (backend.Port is { } port && port is < 1 or > 65535)
                yield return new ValidationIssue($"backends[{i}].port", $"{label} port: {port} is not a port 1..65535");
            if (backend.Weight is < MinWeight or > MaxWeight)
                yield return new ValidationIssue($"backends[{i}].weight", $"{label} weight: {backend.Weight} is outside {MinWeight}..{MaxWeight}");
            for (var j = 0; j < i; j++)
                if (rule.Backends[j].Address.Equals(backend.Address) && rule.Backends[j].Port == backend.Port)
                {
                    yield return new ValidationIssue($"backends[{i}].address",
                        $"{label} address: the same backend as backend {j + 1}; give that one a higher weight instead");
                    break;
                }
        }
    }

    /// <summary>
    /// Bounds of a timeout policy, and no timeout for a protocol the rule never translates (it would silently do nothing).
    /// </summary>
    public static IEnumerable<ValidationIssue> TimeoutIssues(NatRule rule)
    {
        if (rule.Timeouts is not { } policy) yield break;
        var protocols = ProtocolsOf(rule);
        foreach (var (field, value, isTcp) in new[]
                 {
                     ("tcpEstablished", policy.TcpEstablished, true),
                     ("udpUnreplied", policy.UdpUnreplied, false),
                     ("udpReplied", policy.UdpReplied, false),
                 })
        {
            if (value is not { } seconds) continue;
            var path = $"timeouts.{field}";
            var label = RuleFieldLabels.Of(path);
            if (seconds is < 1 or > MaxTimeoutSeconds)
                yield return new ValidationIssue(path, $"{label}: {seconds} s is outside 1..{MaxTimeoutSeconds} s (30 days)");
            else if (isTcp && protocols == NatProtocol.Udp)
                yield return new ValidationIssue(path, $"{label}: this rule translates only UDP, so a TCP timeout would never apply");
            else if (!isTcp && protocols == NatProtocol.Tcp)
                yield return new ValidationIssue(path, $"{label}: this rule translates only TCP, so a UDP timeout would never apply");
        }
    }

    /// <summary>The protocols a rule's flows can have: Both when it matches any (source NAT without a protocol, prefix maps).</summary>
    private static NatProtocol ProtocolsOf(NatRule rule) => rule switch
    {
        DnatRule d => d.Protocol,
        RedirectRule r => r.Protocol,
        LoadBalanceRule l => l.Protocol,
        MasqueradeRule { Protocol: { } p } => p,
        SnatRule { Protocol: { } p } => p,
        _ => NatProtocol.Both,
    };
}
