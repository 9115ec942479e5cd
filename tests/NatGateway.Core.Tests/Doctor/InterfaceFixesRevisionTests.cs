using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests.Doctor;

/// <summary>The doctor's LRO-off fix as desired state: applied through the revision pipeline, kept by later applies,
/// re-applied by recovery, undone, refused all-or-nothing; in the diff like a setting; old documents read as no fixes.</summary>
public sealed class InterfaceFixesRevisionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-ifix-").FullName;
    private readonly InMemoryKernel _kernel = new("lan0", "wan0");
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly TestDbFactory _db;
    private readonly NatRulesService _rules;
    private readonly RevisionService _revisions;

    public InterfaceFixesRevisionTests()
    {
        _db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        _kernel.PersistTo(_dir);
        _rules = new NatRulesService(_kernel, _db, new NatCompileOptions(), _clock);
        var settings = new KernelSettingsService(_kernel, _db, _clock);
        _revisions = RevisionsHost.Create(_rules, settings, new RuleFlowService(_kernel, new NatCompileOptions()), _db, _clock);
        _kernel.FakeDiagnostics.Offloads.Add(new InterfaceOffloads("wan0", LroActive: true, LroChangeable: true));
        _kernel.FakeDiagnostics.Offloads.Add(new InterfaceOffloads("lan0", LroActive: false, LroChangeable: true));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private async Task AddForwardAsync()
    {
        var parsed = NatRuleJson.Parse("""
            {"kind": "dnat", "name": "web", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "8080", "targetAddress": "10.0.0.2", "targetPort": "80"}
            """);
        Assert.True((await _rules.CreateAsync(parsed.Rule!, "test")).Saved);
    }

    [Fact]
    public async Task Lro_off_is_applied_as_a_revision_kept_by_later_applies_and_reapplied_by_recovery()
    {
        await AddForwardAsync();
        var first = await _revisions.ApplyRulesAsync("rules", "test");
        Assert.DoesNotContain("interfaceFixes", first.SettingsDocument); // no fixes: the document as before

        var fixResult = await _revisions.ApplyOffloadsAsync("wan0", lroOff: true, "doctor", TimeSpan.FromSeconds(60));
        var fix = fixResult.Revision;
        Assert.Equal(RevisionState.PendingConfirmation, fix.State);
        Assert.Equal([("wan0", false)], _kernel.FakeDiagnostics.LroChanges);
        Assert.Equal(["wan0"], fixResult.Interfaces.LroTurnedOff);
        Assert.Contains("interface lroOff.wan0: ∅ → off", fix.Diff);
        Assert.Contains("\"interfaceFixes\"", fix.SettingsDocument);
        Assert.True(await _revisions.ConfirmAsync(fix.Id, "doctor"));
        Assert.Contains("lroOff.wan0: ∅ → off", (await _revisions.DiffAsync(first.Id, fix.Id))!.Settings);

        // A later rules apply keeps the fix (it is not read back from the kernel).
        var later = await _revisions.ApplyRulesAsync("again", "test");
        Assert.Contains("\"wan0\"", later.SettingsDocument);
        Assert.Single(_kernel.FakeDiagnostics.LroChanges);

        // A driver reset turned LRO on again: recovery sees the mismatch and re-applies the revision in force.
        _kernel.FakeDiagnostics.SetLro("wan0", true);
        _kernel.FakeDiagnostics.LroChanges.Clear();
        var report = await _revisions.RecoverAsync();
        Assert.StartsWith("re-applied revision", report);
        Assert.Equal([("wan0", false)], _kernel.FakeDiagnostics.LroChanges);
        // LRO is off now: a second recovery (the in-memory tables always show drift) leaves LRO alone.
        _kernel.FakeDiagnostics.LroChanges.Clear();
        await _revisions.RecoverAsync();
        Assert.Empty(_kernel.FakeDiagnostics.LroChanges);

        // Undo: no longer forced, LRO given back.
        _kernel.FakeDiagnostics.LroChanges.Clear();
        var undo = await _revisions.ApplyOffloadsAsync("wan0", lroOff: false, "doctor");
        Assert.Equal([("wan0", true)], _kernel.FakeDiagnostics.LroChanges);
        Assert.Contains("interface lroOff.wan0: off → ∅", undo.Revision.Diff);
    }

    [Fact]
    public async Task A_driver_that_cannot_change_lro_fails_the_revision_and_changes_nothing()
    {
        await AddForwardAsync();
        var first = await _revisions.ApplyRulesAsync("rules", "test");
        _kernel.FakeDiagnostics.Offloads[0] = new InterfaceOffloads("wan0", LroActive: true, LroChangeable: false);

        await Assert.ThrowsAsync<InterfaceFixApplyException>(() => _revisions.ApplyOffloadsAsync("wan0", true, "doctor"));

        Assert.Empty(_kernel.FakeDiagnostics.LroChanges);
        Assert.Equal(first.Id, (await _revisions.ActiveAsync())!.Id);
        Assert.Equal(RevisionState.Failed, (await _revisions.ListAsync(1)).Single().State);
        await Assert.ThrowsAsync<ArgumentException>(() => _revisions.ApplyOffloadsAsync("eth*", true, "doctor"));
        await Assert.ThrowsAsync<ArgumentException>(() => _revisions.ApplyOffloadsAsync("a/b", true, "doctor"));
    }

    [Fact]
    public async Task The_mss_clamp_is_compiled_into_the_rules_transaction_kept_by_later_applies_and_removed_by_its_undo()
    {
        await AddForwardAsync();
        await _revisions.ApplyRulesAsync("rules", "test");
        var before = _kernel.RecordingNftables.Batches.Count;

        var clamp = (await _revisions.ApplyMssClampAsync("wg0", clamp: true, "doctor", TimeSpan.FromSeconds(60))).Revision;

        Assert.Equal(before + 1, _kernel.RecordingNftables.Batches.Count); // one transaction with the rules
        var batch = _kernel.RecordingNftables.Batches[^1];
        Assert.Contains("\"mssclamp\"", batch);
        Assert.Contains("\"tcp option\"", batch);
        Assert.Contains("\"dnat\"", batch);
        Assert.Contains("oifname \"wg0\" tcp flags syn tcp option maxseg size set rt mtu", clamp.RulesetText);
        Assert.Contains("interface mssClamp.wg0: ∅ → clamp", clamp.Diff);
        Assert.True(await _revisions.ConfirmAsync(clamp.Id, "doctor"));

        // A rules apply keeps it; the draft's pending ruleset shows no spurious clamp removal.
        var again = await _revisions.ApplyRulesAsync("again", "test");
        Assert.Contains("mssclamp", again.RulesetText);
        Assert.DoesNotContain((await _rules.GetPendingAsync()).RulesetDiff, l => l.Contains("maxseg"));

        var undo = (await _revisions.ApplyMssClampAsync("wg0", clamp: false, "doctor")).Revision;
        Assert.DoesNotContain("mssclamp", _kernel.RecordingNftables.Batches[^1]);
        Assert.Contains("interface mssClamp.wg0: clamp → ∅", undo.Diff);
        await Assert.ThrowsAsync<ArgumentException>(() => _revisions.ApplyMssClampAsync("wg\"0", true, "doctor"));
    }

    [Fact]
    public async Task Export_carries_the_interface_fixes_in_force_and_import_reads_them_back_validated()
    {
        await AddForwardAsync();
        await _revisions.ApplyRulesAsync("rules", "test");
        Assert.DoesNotContain("interfaceFixes", await _revisions.ExportAsync()); // none in force: the document as before
        Assert.True(await _revisions.ConfirmAsync((await _revisions.ApplyOffloadsAsync("wan0", lroOff: true, "doctor", TimeSpan.FromSeconds(60))).Revision.Id, "doctor"));
        Assert.True(await _revisions.ConfirmAsync((await _revisions.ApplyMssClampAsync("lan0", clamp: true, "doctor", TimeSpan.FromSeconds(60))).Revision.Id, "doctor"));

        var exported = await _revisions.ExportAsync();
        Assert.Contains("\"interfaceFixes\"", exported);
        var (state, errors) = await _revisions.ImportAsync(exported);
        Assert.Empty(errors);
        Assert.Equal(new InterfaceFixes(["wan0"], ["lan0"]), state!.Interfaces);

        var bad = exported.Replace("\"lan0\"\n", "\"wg*\"\n").Replace("\"mssClamp\": [", "\"mssClamp\": [\"wg*\", ");
        var (refused, problems) = await _revisions.ImportAsync(bad);
        Assert.Null(refused);
        Assert.Contains(problems, p => p.Key.StartsWith("interfaceFixes.mssClamp[", StringComparison.Ordinal) && p.Value[0].Contains("wildcard"));
    }
}
