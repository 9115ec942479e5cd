using NatGateway.Capacity.Kernel;

namespace NatGateway.Capacity.Planning;

/// <summary>
/// The part of the connection rates that goes through one NAT rule carrying a conntrack timeout policy (the rule's
/// "timeouts"), so the plan counts its entries with the policy's timeouts instead of the sysctls. Its rates are a share of
/// <see cref="CapacityPlanRequest.Rates"/>, not added to them. Seconds null = the rule keeps the sysctl for that state.
/// </summary>
/// <param name="Rule">The rule's name, shown in the plan.</param>
/// <param name="TcpPerSecond">New TCP flows per second through the rule.</param>
/// <param name="UdpPerSecond">New UDP flows per second through the rule.</param>
/// <param name="TcpEstablishedSeconds">The policy's tcpEstablished.</param>
/// <param name="UdpUnrepliedSeconds">The policy's udpUnreplied.</param>
/// <param name="UdpRepliedSeconds">The policy's udpReplied.</param>
/// <param name="TcpIdleOutFraction">
/// Share of the rule's TCP flows that end by going silent (a peer vanished, a NAT or firewall on the path forgot them)
/// rather than by FIN/RST: only those wait out the established timeout, which is what a long tcpEstablished policy
/// lengthens. 0 (every flow closes) leaves TCP unchanged.
/// </param>
public sealed record RuleTimeoutLoad(
    string Rule,
    double TcpPerSecond,
    double UdpPerSecond,
    int? TcpEstablishedSeconds = null,
    int? UdpUnrepliedSeconds = null,
    int? UdpRepliedSeconds = null,
    double TcpIdleOutFraction = 0);

/// <summary>
/// How one rule's timeout policy changes the estimate, for one conntrack state: entries ≈ rate × timeout (Little's law),
/// with the policy's seconds against the sysctl the flows would otherwise keep.
/// </summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="Sysctl">The sysctl the policy replaces for these flows (nf_conntrack_udp_timeout, …).</param>
/// <param name="PolicySeconds">The rule's timeout.</param>
/// <param name="SysctlSeconds">What the flows would keep without the policy.</param>
/// <param name="Entries">Peak-time entries these flows hold with the policy.</param>
/// <param name="EntriesWithoutPolicy">The same flows' entries with the sysctl.</param>
public sealed record PolicyContribution(string Rule, string Sysctl, int PolicySeconds, int SysctlSeconds, long Entries, long EntriesWithoutPolicy)
{
    /// <summary>Entries the policy adds (negative: saves) at peak.</summary>
    public long Change => Entries - EntriesWithoutPolicy;
}

/// <summary>Applies rules' timeout policies to a rate-based estimate.</summary>
public static class PolicyEstimator
{
    public const string TcpEstablished = "nf_conntrack_tcp_timeout_established";

    /// <summary>
    /// Each state a policy sets, for the rule's share of the flows: rate × (policy seconds) instead of rate × (sysctl seconds).
    /// UDP splits into unreplied and stream (replied) flows by the request's <see cref="ConnectionRates.UdpStreamFraction"/>,
    /// as <see cref="FlowEstimator"/> does. Entries are average (before the peak factor).
    /// </summary>
    /// <remarks>
    /// <see cref="FlowEstimator"/> already counts every UDP flow with the sysctls, so a UDP policy changes the total by
    /// With − Without. It assumes every TCP flow closes (no entry waits out the established timeout), so idle-out TCP flows
    /// are new to the total: they add With, and Without shows what the same flows would hold under the sysctl.
    /// </remarks>
    public static IReadOnlyList<PolicyChange> Changes(IReadOnlyList<RuleTimeoutLoad> loads, ConnectionRates rates, ConntrackTimeouts timeouts)
    {
        var result = new List<PolicyChange>();
        foreach (var load in loads)
        {
            if (load.TcpPerSecond < 0 || load.UdpPerSecond < 0) throw new ArgumentException($"rule '{load.Rule}': rates cannot be negative");
            if (load.TcpIdleOutFraction is < 0 or > 1) throw new ArgumentException($"rule '{load.Rule}': the idle-out fraction is between 0 and 1");
            var idle = load.TcpPerSecond * load.TcpIdleOutFraction;
            var unreplied = load.UdpPerSecond * (1 - rates.UdpStreamFraction);
            var streams = load.UdpPerSecond * rates.UdpStreamFraction;
            void Add(string sysctl, int? policy, int sysctlSeconds, double rate, bool counted)
            {
                if (policy is { } seconds && rate > 0)
                    result.Add(new PolicyChange(load.Rule, sysctl, seconds, sysctlSeconds, rate * seconds, rate * sysctlSeconds, counted));
            }
            Add(TcpEstablished, load.TcpEstablishedSeconds, timeouts.TcpEstablished, idle, counted: false);
            Add(FlowEstimator.Udp, load.UdpUnrepliedSeconds, timeouts.Udp, unreplied, counted: true);
            Add(FlowEstimator.UdpStream, load.UdpRepliedSeconds, timeouts.UdpStream, streams, counted: true);
        }
        return result;
    }
}

/// <summary>One state of one rule's policy: average entries with the policy and with the sysctl.</summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="Sysctl">The sysctl the policy replaces for these flows.</param>
/// <param name="PolicySeconds">The rule's timeout.</param>
/// <param name="SysctlSeconds">The sysctl's value.</param>
/// <param name="With">Average entries with the policy.</param>
/// <param name="Without">Average entries of the same flows with the sysctl.</param>
/// <param name="CountedByBase">Whether <see cref="FlowEstimator"/> already counts these entries (with the sysctl).</param>
public sealed record PolicyChange(string Rule, string Sysctl, int PolicySeconds, int SysctlSeconds, double With, double Without, bool CountedByBase)
{
    /// <summary>What the policy changes in the rate-based total.</summary>
    public double Delta => With - (CountedByBase ? Without : 0);
}
