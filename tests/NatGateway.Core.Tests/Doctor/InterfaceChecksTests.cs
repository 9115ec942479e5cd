using NatGateway.Core.Doctor;
using NatGateway.Core.Doctor.Checks;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Core.Tests.Doctor;

/// <summary>LRO, MTU, interface errors and softnet on hand-made snapshots.</summary>
public sealed class InterfaceChecksTests
{
    [Fact]
    public void Lro_is_not_applicable_without_forwarding_warns_when_on_and_is_critical_on_a_rule_interface()
    {
        var check = new LroCheck();
        var snapshot = Snap.Empty() with
        {
            Settings = Snap.Known(Snap.Settings(forwarding: false)),
            Offloads = Snap.Known<IReadOnlyList<InterfaceOffloads>>([new("eth0", true, true)]),
        };
        Assert.Equal(CheckStatus.NotApplicable, check.Evaluate(snapshot).Status);
        var forwarding = snapshot with { Settings = Snap.Known(Snap.Settings(forwarding: true)) };
        var off = check.Evaluate(forwarding with { Offloads = Snap.Known<IReadOnlyList<InterfaceOffloads>>([new("eth0", false, true)]) });
        Assert.Equal(CheckStatus.Ok, off.Status);
        Assert.Equal("off", off.Find("LRO on eth0").Value);

        var on = check.Evaluate(forwarding);
        Assert.Equal(CheckStatus.Warning, on.Status);
        var fix = Assert.Single(on.Fixes);
        Assert.Equal((FixKind.DisableLro, "eth0"), (fix.Kind, fix.Target.Interface));

        var onRule = check.Evaluate(forwarding with { Rules = Snap.Known<IReadOnlyList<NatRule>>([Snap.Masquerade("out", "eth0")]) });
        Assert.Equal(CheckStatus.Critical, onRule.Status);
        var fixedByDriver = check.Evaluate(forwarding with { Offloads = Snap.Known<IReadOnlyList<InterfaceOffloads>>([new("eth0", true, false)]) });
        Assert.Empty(fixedByDriver.Fixes);
        Assert.Equal("on (fixed by the driver)", fixedByDriver.Find("LRO on eth0").Value);
    }

    [Fact]
    public void Mtu_finds_a_rule_path_mismatch_an_overlay_without_headroom_and_an_unclamped_tunnel_behind_masquerade()
    {
        var check = new MtuCheck();
        Assert.Equal(CheckStatus.NotApplicable, check.Evaluate(Snap.Empty()).Status);

        IReadOnlyList<NetworkInterfaceInfo> Links(int lan, int vxlan) =>
        [
            Snap.Nic("lo", 1, 65536), Snap.Nic("eth0", 2, 1500, address: "10.0.0.1/24"), Snap.Nic("lan0", 3, lan, LinkKind.Veth, address: "192.168.1.1/24"),
            Snap.Nic("vx0", 6, vxlan, LinkKind.Vxlan, lower: 2),
        ];
        // Masquerade of the LAN behind lan0 (a veth whose other end is in a container's namespace) out of eth0.
        var rules = Snap.Known<IReadOnlyList<NatRule>>([Snap.Masquerade("out", "eth0", "192.168.1.0/24")]);
        var ok = check.Evaluate(Snap.Empty() with { Interfaces = Snap.Known(Links(1500, 1450)), Rules = rules });
        Assert.Equal(CheckStatus.Ok, ok.Status);
        Assert.Equal("lan0 (MTU 1500) → eth0 (MTU 1500)", ok.Find("path of rule 'out'").Value);
        Assert.Equal("MTU 1450 + 50 B overhead = 1500; eth0 (its underlay device) MTU 1500", ok.Find("vxlan vx0").Value);

        var veth = check.Evaluate(Snap.Empty() with { Interfaces = Snap.Known(Links(1400, 1450)), Rules = rules });
        Assert.Equal(CheckStatus.Warning, veth.Status);
        Assert.Contains("rule 'out' forwards between lan0 (1400) and eth0 (1500)", veth.Summary);

        var vxlan = check.Evaluate(Snap.Empty() with { Interfaces = Snap.Known(Links(1500, 1500)) });
        Assert.Equal(CheckStatus.Warning, vxlan.Status);
        Assert.Contains("vx0 needs 1550 B on eth0 (MTU 1500): lower its MTU to 1450", vxlan.Summary);
        Assert.Empty(vxlan.Fixes);

        // A DNAT rule from eth1 to a server on eth0's subnet, with eth1 at 9000: a path mismatch.
        IReadOnlyList<NetworkInterfaceInfo> jumbo = [Snap.Nic("eth0", 2, 1500, address: "10.0.0.1/24"), Snap.Nic("eth1", 3, 9000, address: "192.168.1.1/24")];
        var path = check.Evaluate(Snap.Empty() with
        {
            Interfaces = Snap.Known(jumbo),
            Rules = Snap.Known<IReadOnlyList<NatRule>>([Snap.Dnat("web", "eth1", "10.0.0.20")]),
        });
        Assert.Equal(CheckStatus.Warning, path.Status);
        Assert.Equal("eth1 (MTU 9000) → eth0 (MTU 1500)", path.Find("path of rule 'web'").Value);

        // Masquerade out of a WireGuard tunnel (no underlay device: compared with the default route's device).
        var tunnel = check.Evaluate(Snap.Empty() with
        {
            Interfaces = Snap.Known<IReadOnlyList<NetworkInterfaceInfo>>([Snap.Nic("eth0", 2, 1500, address: "10.0.0.1/24"), Snap.Nic("wg0", 7, 1420, LinkKind.Wireguard)]),
            Routes = Snap.Known<IReadOnlyList<RouteInfo>>([new("0.0.0.0", 0, "10.0.0.254", "eth0")]),
            Rules = Snap.Known<IReadOnlyList<NatRule>>([Snap.Masquerade("vpn", "wg0", "10.0.0.0/24")]),
        });
        Assert.Equal(CheckStatus.Warning, tunnel.Status);
        Assert.Contains("1420 + 60 B overhead = 1480; eth0 (no underlay device", tunnel.Find("wireguard wg0").Value);
        var fix = Assert.Single(tunnel.Fixes);
        Assert.Equal((FixKind.ClampMss, "wg0"), (fix.Kind, fix.Target.Interface));
    }

    [Fact]
    public void Mtu_does_not_flag_a_tunnel_behind_masquerade_that_the_revision_in_force_clamps_and_offers_the_clamp_otherwise()
    {
        var check = new MtuCheck();
        var snapshot = Snap.Empty() with
        {
            Interfaces = Snap.Known<IReadOnlyList<NetworkInterfaceInfo>>([Snap.Nic("eth0", 2, 1500, address: "10.0.0.1/24"), Snap.Nic("wg0", 7, 1420, LinkKind.Wireguard)]),
            Routes = Snap.Known<IReadOnlyList<RouteInfo>>([new("0.0.0.0", 0, "10.0.0.254", "eth0")]),
            Rules = Snap.Known<IReadOnlyList<NatRule>>([Snap.Masquerade("vpn", "wg0", "10.0.0.0/24")]),
        };

        // A clamp on another interface does not count for wg0: the fix is still offered.
        var other = check.Evaluate(snapshot with { InterfaceFixes = Snap.Known(new InterfaceFixes([], ["eth0"])) });
        Assert.Equal(CheckStatus.Warning, other.Status);
        Assert.Equal("wireguard wg0 (MTU 1420), no MSS clamp", other.Find("rule 'vpn' leaves through").Value);
        Assert.Equal((FixKind.ClampMss, "wg0"), (Assert.Single(other.Fixes).Kind, other.Fixes[0].Target.Interface));

        var clamped = check.Evaluate(snapshot with { InterfaceFixes = Snap.Known(new InterfaceFixes([], ["wg0"]), DoctorSnapshot.InterfaceFixesSource) });
        Assert.Equal(CheckStatus.Ok, clamped.Status);
        Assert.Empty(clamped.Fixes);
        var evidence = clamped.Find("rule 'vpn' leaves through");
        Assert.Equal("wireguard wg0 (MTU 1420), MSS clamped by natgw", evidence.Value);
        Assert.StartsWith(DoctorSnapshot.InterfaceFixesSource, evidence.Source);

        // The fixes could not be read: the tunnel is not taken as clamped.
        var unknown = check.Evaluate(snapshot with { InterfaceFixes = Fact<InterfaceFixes>.Missing("test", "database locked") });
        Assert.Equal(CheckStatus.Warning, unknown.Status);
        Assert.Single(unknown.Fixes);
    }

    [Fact]
    public void Lro_notes_an_interface_natgw_keeps_off_and_one_turned_back_on_since()
    {
        var check = new LroCheck();
        var forwarding = Snap.Empty() with
        {
            Settings = Snap.Known(Snap.Settings(forwarding: true)),
            InterfaceFixes = Snap.Known(new InterfaceFixes(["eth0"], []), DoctorSnapshot.InterfaceFixesSource),
        };
        var kept = check.Evaluate(forwarding with { Offloads = Snap.Known<IReadOnlyList<InterfaceOffloads>>([new("eth0", false, true), new("eth1", false, true)]) });
        Assert.Equal(CheckStatus.Ok, kept.Status);
        Assert.Equal("off (kept off by natgw)", kept.Find("LRO on eth0").Value);
        Assert.Contains(DoctorSnapshot.InterfaceFixesSource, kept.Find("LRO on eth0").Source);
        Assert.Equal("off", kept.Find("LRO on eth1").Value);

        // A driver reset turned it on again: still a problem, still offered (the fix re-applies it).
        var back = check.Evaluate(forwarding with { Offloads = Snap.Known<IReadOnlyList<InterfaceOffloads>>([new("eth0", true, true)]) });
        Assert.Equal(CheckStatus.Warning, back.Status);
        Assert.Equal("on although natgw keeps it off (turned back on since)", back.Find("LRO on eth0").Value);
        Assert.Equal(FixKind.DisableLro, Assert.Single(back.Fixes).Kind);
    }

    [Fact]
    public void Interface_errors_need_two_samples_and_warn_on_any_rising_drop_or_error_column()
    {
        var check = new InterfaceErrorsCheck();
        var first = Snap.Empty() with { Interfaces = Snap.Known<IReadOnlyList<NetworkInterfaceInfo>>([Snap.Nic("eth0", 2, counters: new(0, 0, 0, 0, 5, 0) { RxErrors = 1 })]) };
        Assert.Equal(CheckStatus.NotApplicable, check.Evaluate(first).Status);
        var steady = check.Evaluate(first.Then(s => s));
        Assert.Equal(CheckStatus.Ok, steady.Status);
        Assert.Equal("rx drops 5, rx errors 1, tx drops 0, tx errors 0", steady.Find("eth0").Value);

        var rising = check.Evaluate(first.Then(s => s with
        {
            Interfaces = Snap.Known<IReadOnlyList<NetworkInterfaceInfo>>([Snap.Nic("eth0", 2, counters: new(0, 0, 0, 0, 25, 3) { RxErrors = 1, TxErrors = 10 })]),
        }));
        Assert.Equal(CheckStatus.Warning, rising.Status);
        Assert.Equal("rx drops 25, rx errors 1, tx drops 3, tx errors 10; rising: rx drops 2/s, tx drops 0.3/s, tx errors 1/s", rising.Find("eth0").Value);
        Assert.Contains("eth0 (rx drops, tx drops, tx errors)", rising.Summary);
    }

    [Fact]
    public void Softnet_warns_on_rising_drops_or_squeeze_and_on_a_nic_whose_interrupts_all_hit_one_cpu_with_rps_off()
    {
        var check = new SoftnetCheck();
        Assert.Equal(CheckStatus.NotApplicable, check.Evaluate(Snap.Empty()).Status);
        IReadOnlyList<SoftnetCpu> Softnet(ulong dropped, ulong squeeze) => [new(0, 1000, dropped, squeeze, 0, 0), new(1, 1000, 0, 0, 0, 0)];
        var spread = new InterruptTable(2, [new InterruptLine("24", [500, 0], "PCI-MSI eth0-rx-0"), new InterruptLine("25", [0, 480], "PCI-MSI eth0-rx-1")]);
        var quiet = Snap.Empty() with
        {
            Softnet = Snap.Known(Softnet(0, 0)),
            Interrupts = Snap.Known(spread),
            Interfaces = Snap.Known<IReadOnlyList<NetworkInterfaceInfo>>([Snap.Nic("lo", 1), Snap.Nic("eth0", 2)]),
            Rps = Snap.Known<IReadOnlyList<RpsQueue>>([new("eth0", "rx-0", "0"), new("eth0", "rx-1", "0")]),
        };
        var ok = check.Evaluate(quiet.Then(s => s));
        Assert.Equal(CheckStatus.Ok, ok.Status);
        Assert.Equal("2 vector(s), 980 interrupts on CPU(s) 0,1; RPS off", ok.Find("eth0 interrupts").Value);

        var dropping = check.Evaluate(quiet.Then(s => s with { Softnet = Snap.Known(Softnet(40, 10)) }));
        Assert.Equal(CheckStatus.Warning, dropping.Status);
        Assert.Equal("40 total, 4/s", dropping.Find("backlog drops").Value);
        Assert.Equal("+40 dropped, +10 time_squeeze", dropping.Find("CPU 0").Value);
        Assert.Empty(dropping.Fixes);

        var oneCpu = quiet with { Interrupts = Snap.Known(new InterruptTable(2, [new InterruptLine("24", [900, 0], "PCI-MSI eth0")])) };
        var single = check.Evaluate(oneCpu);
        Assert.Equal(CheckStatus.Warning, single.Status);
        Assert.Contains("all of eth0's interrupts land on CPU 0 and RPS is off", single.Summary);
        var withRps = check.Evaluate(oneCpu with { Rps = Snap.Known<IReadOnlyList<RpsQueue>>([new("eth0", "rx-0", "3")]) });
        Assert.Equal(CheckStatus.Ok, withRps.Status);
    }
}
