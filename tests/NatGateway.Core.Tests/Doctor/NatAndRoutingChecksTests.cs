using NatGateway.Core.Doctor;
using NatGateway.Core.Doctor.Checks;
using NatGateway.Core.Kernel;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Core.Tests.Doctor;

/// <summary>SNAT ports and rp_filter on hand-made snapshots.</summary>
public sealed class NatAndRoutingChecksTests
{
    private static readonly SnatPortsCheck Snat = new();
    private static readonly RpFilterStrictCheck RpFilter = new();

    private static SnatPortUse Use(int inUse, int available, Guid? rule) => new(System.Net.IPAddress.Parse("192.0.2.1"),
        System.Net.IPAddress.Parse("198.51.100.7"), 443, NatGateway.Conntrack.IPProtocol.Tcp, inUse, available, rule, "out");

    [Fact]
    public void Snat_ports_by_fill_and_insert_failed_with_fully_random_and_wider_range_fixes_for_the_rule_that_fills()
    {
        Assert.Equal(CheckStatus.NotApplicable, Snat.Evaluate(Snap.Empty()).Status); // no SNAT rule, no translated flows

        var narrow = Snap.Masquerade("out", "wan0", "10.0.0.0/24", ports: "40000-40099");
        var rules = Snap.Known<IReadOnlyList<NatRule>>([narrow]);
        var baseline = Snap.Empty() with { Rules = rules, CpuStats = Snap.Known(Snap.Cpu()), SnatPorts = Snap.Known<IReadOnlyList<SnatPortUse>>([Use(50, 100, narrow.Id)]) };
        var ok = Snat.Evaluate(baseline.Then(s => s));
        Assert.Equal(CheckStatus.Ok, ok.Status);
        Assert.Equal("50 of 100 (50%), rule 'out'", ok.Find("ports of 192.0.2.1 → 198.51.100.7:443/tcp").Value);
        Assert.Equal("ports 40000-40099, not fully-random", ok.Find("rule 'out'").Value);

        var warning = Snat.Evaluate(baseline.Then(s => s with { SnatPorts = Snap.Known<IReadOnlyList<SnatPortUse>>([Use(85, 100, narrow.Id)]) }));
        Assert.Equal(CheckStatus.Warning, warning.Status);
        Assert.Equal([FixKind.SnatFullyRandom, FixKind.SnatWiderPortRange], warning.Fixes.Select(f => f.Kind));
        Assert.All(warning.Fixes, f => Assert.Equal(narrow.Id, f.Target.RuleId));
        Assert.Equal("1024-65535", warning.Fixes[1].Target.Ports);

        var full = Snat.Evaluate(baseline.Then(s => s with { SnatPorts = Snap.Known<IReadOnlyList<SnatPortUse>>([Use(100, 100, narrow.Id)]) }));
        Assert.Equal(CheckStatus.Critical, full.Status);
        Assert.Contains("198.51.100.7:443", full.Summary);

        // insert_failed rising without the meter (it is unavailable): critical, fixes for every SNAT rule that lacks them.
        var wide = Snap.Masquerade("wide", "wan0", options: NatOptions.FullyRandom);
        var clashing = Snap.Empty() with { Rules = Snap.Known<IReadOnlyList<NatRule>>([wide]), CpuStats = Snap.Known(Snap.Cpu()) };
        var clashes = Snat.Evaluate(clashing.Then(s => s with { CpuStats = Snap.Known(Snap.Cpu(insertFailed: 30, clash: 10)) }));
        Assert.Equal(CheckStatus.Critical, clashes.Status);
        Assert.Equal("30 total, 3/s", clashes.Find("insert_failed").Value);
        Assert.Equal("10 total, 1/s", clashes.Find("clash_resolve").Value);
        Assert.StartsWith("unavailable", clashes.Find("SNAT port meter").Value);
        Assert.Empty(clashes.Fixes); // already fully-random over the kernel's whole range: more addresses is the way (explained)
        Assert.Contains("more", clashes.Explanation);
    }

    [Fact]
    public void Rp_filter_strict_warns_only_with_two_default_routes_or_policy_rules_and_offers_loose_per_interface_or_all()
    {
        Assert.Equal(CheckStatus.NotApplicable, RpFilter.Evaluate(Snap.Empty()).Status);
        RouteInfo Default(string dev, string gw) => new("0.0.0.0", 0, gw, dev);
        var oneRoute = Snap.Empty() with
        {
            Settings = Snap.Known(Snap.Settings(true, 0, ("wan0", 1), ("wan1", 1))),
            Routes = Snap.Known<IReadOnlyList<RouteInfo>>([Default("wan0", "10.0.0.1")]),
            RoutingRules = Snap.Known<IReadOnlyList<RoutingRule>>([new(NatGateway.Conntrack.IPFamily.IPv4, 0, 255, null), new(NatGateway.Conntrack.IPFamily.IPv4, 32766, 254, null)]),
        };
        var ok = RpFilter.Evaluate(oneRoute);
        Assert.Equal(CheckStatus.Ok, ok.Status);
        Assert.Equal("via 10.0.0.1 dev wan0", ok.Find("IPv4 default routes").Value);

        var twoRoutes = RpFilter.Evaluate(oneRoute with { Routes = Snap.Known<IReadOnlyList<RouteInfo>>([Default("wan0", "10.0.0.1"), Default("wan1", "10.1.0.1")]) });
        Assert.Equal(CheckStatus.Warning, twoRoutes.Status);
        Assert.Equal("1 (strict; own 1)", twoRoutes.Find("rp_filter effective on wan1").Value);
        Assert.Equal(["wan0", "wan1"], twoRoutes.Fixes.Select(f => f.Target.Interface));
        Assert.All(twoRoutes.Fixes, f => Assert.Equal(FixKind.LooseRpFilter, f.Kind));

        var policy = RpFilter.Evaluate(oneRoute with
        {
            Settings = Snap.Known(Snap.Settings(true, 1, ("wan0", 0))),
            RoutingRules = Snap.Known<IReadOnlyList<RoutingRule>>([new(NatGateway.Conntrack.IPFamily.IPv4, 100, 200, "from 10.9.0.0/16")]),
        });
        Assert.Equal(CheckStatus.Warning, policy.Status);
        Assert.Equal("100: from 10.9.0.0/16 lookup 200", policy.Find("policy routing").Value);
        Assert.Equal("all", Assert.Single(policy.Fixes).Target.Interface); // conf/all = 1 makes every interface strict

        var loose = RpFilter.Evaluate(oneRoute with
        {
            Settings = Snap.Known(Snap.Settings(true, 0, ("wan0", 2), ("wan1", 2))),
            Routes = Snap.Known<IReadOnlyList<RouteInfo>>([Default("wan0", "10.0.0.1"), Default("wan1", "10.1.0.1")]),
        });
        Assert.Equal(CheckStatus.Ok, loose.Status);
    }

    [Fact]
    public void Forwarding_off_with_a_dnat_rule_is_critical_with_the_enable_fix_and_ok_once_on()
    {
        var check = new ForwardingOffCheck();
        var rules = Snap.Known<IReadOnlyList<NatRule>>([Snap.Dnat("web", "eth0", "10.0.0.20")]);
        Assert.Equal(CheckStatus.NotApplicable, check.Evaluate(Snap.Empty() with { Settings = Snap.Known(Snap.Settings(forwarding: false)) }).Status);
        var off = check.Evaluate(Snap.Empty() with { Settings = Snap.Known(Snap.Settings(forwarding: false)), Rules = rules });
        Assert.Equal(CheckStatus.Critical, off.Status);
        Assert.Equal("off", off.Find("IPv4 forwarding").Value);
        Assert.Equal((FixKind.EnableForwarding, NatFamily.Ipv4), (off.Fixes[0].Kind, off.Fixes[0].Target.Family!.Value));
        Assert.Equal(CheckStatus.Ok, check.Evaluate(Snap.Empty() with { Settings = Snap.Known(Snap.Settings(forwarding: true)), Rules = rules }).Status);
    }
}
