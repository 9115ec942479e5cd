using NatGateway.Core.Doctor;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Core.Tests.Doctor;

/// <summary>
/// Fixes through the revision pipeline over the in-memory kernel: each is one commit-confirmed revision named after its
/// author, re-validated against the current report, and a SNAT rule fix never applies someone's pending draft edits.
/// </summary>
public sealed class DoctorFixServiceTests : IDisposable
{
    private readonly FixedCheck _snat = new(CheckId.SnatPorts, CheckArea.Nat);
    private readonly DoctorHost _host;

    public DoctorFixServiceTests() =>
        _host = new DoctorHost([new NatGateway.Core.Doctor.Checks.ForwardingOffCheck(), _snat]);

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Enable_forwarding_becomes_one_revision_pending_confirmation_by_its_author()
    {
        await _host.ForwardInForceAsync();
        var report = await _host.Doctor.RunAsync(CheckId.ForwardingOff);
        var check = Assert.Single(report.Checks);
        Assert.Equal(CheckStatus.Critical, check.Status);
        var revisionsBefore = (await _host.Revisions.ListAsync()).Count;

        var outcome = await _host.Fixes.ApplyAsync(CheckId.ForwardingOff, check.Fixes[0], "alice");

        Assert.Equal(FixKind.EnableForwarding, outcome.Fix.Kind);
        Assert.Equal(RevisionState.PendingConfirmation, outcome.Revision.State);
        Assert.Equal(RevisionKind.Settings, outcome.Revision.Kind);
        Assert.Equal("alice", outcome.Revision.Author);
        // The window is the browser's default when the request gives none.
        // (ConfirmBy counts from the commit, a moment after CreatedAt: compare windows, 90 s here against 30 s below.)
        AssertWindow(_host.SafeApply.ConfirmWindow, outcome.Revision);
        Assert.Equal("1", _host.Kernel.Memory.Values["net.ipv4.ip_forward"]);
        Assert.Equal(revisionsBefore + 1, (await _host.Revisions.ListAsync()).Count);
        Assert.Equal(CheckStatus.Ok, Assert.Single((await _host.Doctor.RunAsync(CheckId.ForwardingOff)).Checks).Status);
    }

    private static void AssertWindow(TimeSpan window, Revision revision) =>
        Assert.InRange(revision.ConfirmBy!.Value - revision.CreatedAt, window, window + TimeSpan.FromSeconds(20));

    [Fact]
    public async Task A_fix_the_check_no_longer_offers_is_refused_and_nothing_is_applied()
    {
        await _host.ForwardInForceAsync();
        var shown = Assert.Single((await _host.Doctor.RunAsync(CheckId.ForwardingOff)).Checks).Fixes[0];
        // Someone turned forwarding on meanwhile: the page's report is stale.
        _host.Kernel.Memory.Values["net.ipv4.ip_forward"] = "1";
        var revisionsBefore = (await _host.Revisions.ListAsync()).Count;

        var e = await Assert.ThrowsAsync<DoctorFixUnavailableException>(() => _host.Fixes.ApplyAsync(CheckId.ForwardingOff, shown, "alice"));
        Assert.Contains("offers no fix now", e.Message);
        await Assert.ThrowsAsync<DoctorFixUnavailableException>(() => _host.Fixes.ApplyAsync(CheckId.ForwardingOff, FixKind.EnableForwarding, "alice"));
        Assert.Equal(revisionsBefore, (await _host.Revisions.ListAsync()).Count);
    }

    private async Task<NatRule> MasqueradeInForceWithFixAsync(FixKind kind, string? ports = null)
    {
        var masq = await _host.AddAsync("""{"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"], "protocol": "tcp", "sourceCidrs": ["10.0.0.0/8"]}""");
        await _host.Revisions.ApplyRulesAsync("masquerade", "test");
        _snat.Result = new CheckResult(CheckId.SnatPorts, CheckArea.Nat, CheckStatus.Warning, "SNAT ports", "ports 97% used", "…", [],
            [new DoctorFix(kind, "fix it", "changes rule 'out'", new FixTarget { RuleId = masq.Id, Ports = ports })]);
        return masq;
    }

    [Fact]
    public async Task A_snat_rule_fix_is_refused_while_the_draft_has_other_pending_changes()
    {
        var masq = await MasqueradeInForceWithFixAsync(FixKind.SnatFullyRandom);
        // Someone's half-done edit in the draft.
        await _host.AddAsync("""{"kind": "dnat", "name": "half-done", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "2222", "targetAddress": "10.0.0.3"}""");
        var revisionsBefore = (await _host.Revisions.ListAsync()).Count;

        var e = await Assert.ThrowsAsync<DoctorFixRefusedException>(() => _host.Fixes.ApplyAsync(CheckId.SnatPorts, FixKind.SnatFullyRandom, "alice"));

        Assert.Contains("apply or discard the pending changes first", e.Message);
        Assert.Equal(revisionsBefore, (await _host.Revisions.ListAsync()).Count);
        // The draft is as the operator left it: the rule unchanged, the edit still there.
        Assert.Equal(NatOptions.None, ((MasqueradeRule)(await _host.Rules.GetAsync(masq.Id))!).Options);
        Assert.Equal(2, (await _host.Rules.ListAsync()).Count);
    }

    [Fact]
    public async Task Snat_fully_random_and_a_wider_range_change_the_rule_in_one_confirmed_revision()
    {
        var masq = await MasqueradeInForceWithFixAsync(FixKind.SnatFullyRandom);

        var random = await _host.Fixes.ApplyAsync(CheckId.SnatPorts, 0, "alice", TimeSpan.FromSeconds(30));

        Assert.Equal(RevisionState.PendingConfirmation, random.Revision.State);
        Assert.Equal(RevisionKind.Apply, random.Revision.Kind);
        AssertWindow(TimeSpan.FromSeconds(30), random.Revision);
        Assert.Equal(NatOptions.FullyRandom, ((MasqueradeRule)(await _host.Rules.GetAsync(masq.Id))!).Options);
        Assert.False((await _host.Rules.GetPendingAsync(withRuleset: false)).HasChanges);
        Assert.True(await _host.Revisions.ConfirmAsync(random.Revision.Id, "alice"));

        _snat.Result = _snat.Result! with { Fixes = [new DoctorFix(FixKind.SnatWiderPortRange, "wider", "1024-65535", new FixTarget { RuleId = masq.Id, Ports = "1024-65535" })] };
        var wider = await _host.Fixes.ApplyAsync(CheckId.SnatPorts, FixKind.SnatWiderPortRange, "alice");
        Assert.Equal(RevisionState.PendingConfirmation, wider.Revision.State);
        Assert.Equal(new PortRange(1024, 65535), ((MasqueradeRule)(await _host.Rules.GetAsync(masq.Id))!).Ports);
    }

    [Fact]
    public async Task Lro_fix_from_the_real_check_turns_lro_off_in_one_pending_revision_and_the_check_then_notes_it_kept_off()
    {
        using var host = new DoctorHost([new NatGateway.Core.Doctor.Checks.LroCheck()]);
        host.Kernel.Memory.Values["net.ipv4.ip_forward"] = "1";
        host.Kernel.FakeDiagnostics.Offloads.Add(new NatGateway.Core.Kernel.InterfaceOffloads("wan0", LroActive: true, LroChangeable: true));
        await host.ForwardInForceAsync();
        var check = Assert.Single((await host.Doctor.RunAsync(CheckId.Lro)).Checks);
        Assert.Equal(CheckStatus.Critical, check.Status); // wan0 is the DNAT rule's in-interface

        var outcome = await host.Fixes.ApplyAsync(CheckId.Lro, FixKind.DisableLro, "alice", TimeSpan.FromSeconds(45));

        Assert.Equal("wan0", outcome.Fix.Target.Interface);
        Assert.Equal(RevisionState.PendingConfirmation, outcome.Revision.State);
        Assert.Equal("alice", outcome.Revision.Author);
        AssertWindow(TimeSpan.FromSeconds(45), outcome.Revision);
        Assert.Equal([("wan0", false)], host.Kernel.FakeDiagnostics.LroChanges);
        Assert.Contains("lroOff.wan0: ∅ → off", outcome.Revision.Diff);
        Assert.True(await host.Revisions.ConfirmAsync(outcome.Revision.Id, "alice"));

        var after = Assert.Single((await host.Doctor.RunAsync(CheckId.Lro)).Checks);
        Assert.Equal(CheckStatus.Ok, after.Status);
        Assert.Equal("off (kept off by natgw)", after.Find("LRO on wan0").Value);
    }

    [Fact]
    public async Task Mss_clamp_fix_from_the_real_check_puts_the_mssclamp_chain_into_the_rules_transaction_and_the_check_reads_ok()
    {
        using var host = new DoctorHost([new NatGateway.Core.Doctor.Checks.MtuCheck()]);
        host.Kernel.Interfaces.Add(new NatGateway.Core.Kernel.NetworkInterfaceInfo("wg0", 40, "up", true, 1420, null,
            [], new NatGateway.Core.Kernel.InterfaceCounters(0, 0, 0, 0, 0, 0)) { Kind = NatGateway.Core.Kernel.LinkKind.Wireguard });
        host.Kernel.Memory.Values["net.ipv4.conf.wg0.rp_filter"] = "0";
        await host.AddAsync("""{"kind": "masquerade", "name": "vpn", "outInterfaces": ["wg0"], "sourceCidrs": ["10.0.0.0/24"]}""");
        await host.Revisions.ApplyRulesAsync("vpn", "test");
        var check = Assert.Single((await host.Doctor.RunAsync(CheckId.Mtu)).Checks);
        Assert.Equal(CheckStatus.Warning, check.Status);
        var batches = host.Kernel.RecordingNftables.Batches.Count;

        var outcome = await host.Fixes.ApplyAsync(CheckId.Mtu, check.Fixes.Single(f => f.Kind == FixKind.ClampMss), "alice");

        Assert.Equal(RevisionState.PendingConfirmation, outcome.Revision.State);
        Assert.Equal(batches + 1, host.Kernel.RecordingNftables.Batches.Count); // one transaction: the rules with the clamp
        var batch = host.Kernel.RecordingNftables.Batches[^1];
        Assert.Contains("\"mssclamp\"", batch);
        Assert.Contains("wg0", batch);
        Assert.True(await host.Revisions.ConfirmAsync(outcome.Revision.Id, "alice"));

        var after = Assert.Single((await host.Doctor.RunAsync(CheckId.Mtu)).Checks);
        Assert.DoesNotContain(after.Fixes, f => f.Kind == FixKind.ClampMss);
        Assert.Equal("wireguard wg0 (MTU 1420), MSS clamped by natgw", after.Find("rule 'vpn' leaves through").Value);
    }

    [Fact]
    public async Task An_interface_fix_the_driver_refuses_fails_naming_the_interface_and_leaves_nothing_pending()
    {
        using var host = new DoctorHost([_snat]);
        host.Kernel.FakeDiagnostics.Offloads.Add(new NatGateway.Core.Kernel.InterfaceOffloads("wan0", LroActive: true, LroChangeable: false));
        _snat.Result = new CheckResult(CheckId.SnatPorts, CheckArea.Nat, CheckStatus.Warning, "t", "s", "e", [],
            [new DoctorFix(FixKind.DisableLro, "LRO off", "ethtool -K wan0 lro off", new FixTarget { Interface = "wan0" }),
             new DoctorFix(FixKind.ClampMss, "clamp", "wildcard", new FixTarget { Interface = "wg*" })]);

        var refused = await Assert.ThrowsAsync<NatGateway.Core.Revisions.InterfaceFixApplyException>(() => host.Fixes.ApplyAsync(CheckId.SnatPorts, 0, "alice"));
        Assert.Equal("wan0", refused.Interface);
        Assert.Null(await host.Revisions.PendingAsync());
        var wildcard = await Assert.ThrowsAsync<ArgumentException>(() => host.Fixes.ApplyAsync(CheckId.SnatPorts, 1, "alice"));
        Assert.Contains("wg*", wildcard.Message);
    }
}
