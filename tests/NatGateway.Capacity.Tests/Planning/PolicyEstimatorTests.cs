using NatGateway.Capacity.Output;
using NatGateway.Capacity.Planning;
using Xunit;

namespace NatGateway.Capacity.Tests.Planning;

/// <summary>Rules' conntrack timeout policies in the plan: entries ≈ rate × the policy's timeout for the rule's share of flows.</summary>
public sealed class PolicyEstimatorTests
{
    private static readonly ConnectionRates Rates = new()
    {
        TcpPerSecond = 100, TcpMeanDurationSeconds = 10, UdpPerSecond = 1000, UdpStreamFraction = 0.1, UdpStreamMeanDurationSeconds = 30,
    };

    [Fact]
    public void A_short_udp_policy_on_a_dns_forward_lowers_the_estimate_by_its_share()
    {
        var plan = new CapacityPlanner(SampleKernel.Facts()).Plan(new CapacityPlanRequest
        {
            Rates = Rates,
            RuleTimeouts = [new RuleTimeoutLoad("dns", 0, 500, UdpUnrepliedSeconds: 5, UdpRepliedSeconds: 10)],
        });
        // Without policies 55,000 (CapacityPlannerTests). The rule's 500 udp/s: 450/s unreplied 30 s → 5 s and
        // 50/s streams 120 s → 10 s: (13,500 − 2,250) + (6,000 − 500) = 16,750 fewer entries.
        Assert.Equal(55_000 - 16_750, plan.ExpectedEntries);
        var unreplied = plan.Policies.Single(p => p.Sysctl == FlowEstimator.Udp);
        Assert.Equal(("dns", 5, 30, 2_250L, 13_500L, -11_250L),
            (unreplied.Rule, unreplied.PolicySeconds, unreplied.SysctlSeconds, unreplied.Entries, unreplied.EntriesWithoutPolicy, unreplied.Change));
        Assert.Contains("dns", CapacityPlanTextRenderer.Render(plan));
    }

    [Fact]
    public void A_long_tcp_policy_adds_the_idle_out_flows_it_keeps()
    {
        var plan = new CapacityPlanner(SampleKernel.Facts()).Plan(new CapacityPlanRequest
        {
            Rates = Rates,
            RuleTimeouts = [new RuleTimeoutLoad("ssh", 2, 0, TcpEstablishedSeconds: 86_400, TcpIdleOutFraction: 0.5)],
        });
        // 1 idle-out flow/s held 86,400 s; the base model assumes every TCP flow closes, so all of it is new.
        Assert.Equal(55_000 + 86_400, plan.ExpectedEntries);
        var tcp = Assert.Single(plan.Policies);
        Assert.Equal((PolicyEstimator.TcpEstablished, 86_400L, 432_000L), (tcp.Sysctl, tcp.Entries, tcp.EntriesWithoutPolicy));
    }

    [Fact]
    public void Without_rates_or_policies_nothing_changes()
    {
        var planner = new CapacityPlanner(SampleKernel.Facts());
        Assert.Empty(planner.Plan(new CapacityPlanRequest { Rates = Rates }).Policies);
        var byEntries = planner.Plan(new CapacityPlanRequest { ExpectedEntries = 1000, RuleTimeouts = [new RuleTimeoutLoad("dns", 0, 500, UdpUnrepliedSeconds: 5)] });
        Assert.Equal(1000, byEntries.ExpectedEntries);
        Assert.Throws<ArgumentException>(() => planner.Plan(new CapacityPlanRequest { Rates = Rates, RuleTimeouts = [new RuleTimeoutLoad("x", -1, 0)] }));
    }
}
