using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>Revisions, commit-confirmed applies and rollback over an in-memory kernel and a fake clock.</summary>
public sealed class RevisionServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-revisions-").FullName;
    private readonly InMemoryKernel _kernel = new("lan0", "wan0");
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly TestDbFactory _db;
    private readonly NatRulesService _rules;
    private readonly KernelSettingsService _settings;
    private readonly RevisionService _revisions;

    public RevisionServiceTests()
    {
        _db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        _rules = new NatRulesService(_kernel, _db, new NatCompileOptions(), _clock);
        _kernel.PersistTo(_dir);
        _settings = new KernelSettingsService(_kernel, _db, _clock);
        _revisions = new RevisionService(_rules, _settings, new RuleFlowService(_kernel, new NatCompileOptions()), _db, _clock, NullLogger<RevisionService>.Instance);
    }

    private async Task<NatRule> AddForwardAsync(string name, int port)
    {
        var parsed = NatRuleJson.Parse($$"""
            {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "80"}
            """);
        var outcome = await _rules.CreateAsync(parsed.Rule!, "test");
        Assert.True(outcome.Saved);
        return outcome.Rule!;
    }

    [Fact]
    public async Task An_unconfirmed_apply_is_reverted_when_its_window_ends_and_not_before()
    {
        await AddForwardAsync("web", 8080);
        var first = await _revisions.ApplyRulesAsync("first", "test");
        await AddForwardAsync("mail", 2525);
        var second = await _revisions.ApplyRulesAsync("second", "test", TimeSpan.FromSeconds(60));
        Assert.Equal(RevisionStates.PendingConfirmation, second.State);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(60), second.ConfirmBy);
        var batchesBefore = _kernel.RecordingNftables.Batches.Count;

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Null(await _revisions.RevertExpiredAsync());
        Assert.Equal(second.Id, (await _revisions.PendingAsync())!.RevisionId);

        _clock.Advance(TimeSpan.FromSeconds(1));
        var revert = await _revisions.RevertExpiredAsync();

        Assert.NotNull(revert);
        Assert.Equal("auto-revert", revert.Kind);
        Assert.Equal(RevisionStates.Reverted, (await _revisions.GetAsync(second.Id))!.State);
        Assert.Null(await _revisions.PendingAsync());
        // The kernel got the first revision's ruleset back, in one batch.
        Assert.Equal(batchesBefore + 1, _kernel.RecordingNftables.Batches.Count);
        Assert.Equal(first.RulesetJson, _kernel.RecordingNftables.Batches[^1]);
        Assert.Equal(first.RulesDocument, revert.RulesDocument);
    }

    [Fact]
    public async Task A_confirmed_apply_stays()
    {
        await AddForwardAsync("web", 8080);
        var pending = await _revisions.ApplyRulesAsync(null, "test", TimeSpan.FromSeconds(30));
        Assert.True(await _revisions.ConfirmAsync(pending.Id, "operator"));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await _revisions.RevertExpiredAsync());
        var confirmed = (await _revisions.GetAsync(pending.Id))!;
        Assert.Equal(RevisionStates.Applied, confirmed.State);
        Assert.Contains("confirmed by operator", confirmed.Outcome);
        Assert.False(await _revisions.ConfirmAsync(pending.Id, "operator")); // nothing left to confirm
    }

    [Fact]
    public async Task An_unconfirmed_settings_change_puts_the_old_values_back()
    {
        await _revisions.ApplySettingsAsync(new SettingsUpdate { Ipv4Forwarding = true }, "web", TimeSpan.FromSeconds(60));
        Assert.Equal("1", _kernel.Memory.Values["net.ipv4.ip_forward"]);

        _clock.Advance(TimeSpan.FromSeconds(61));
        await _revisions.RevertExpiredAsync();

        Assert.Equal("0", _kernel.Memory.Values["net.ipv4.ip_forward"]);
        var history = await _settings.HistoryAsync();
        Assert.Contains(history, h => h is { Key: "net.ipv4.ip_forward", OldValue: "1", NewValue: "0", ChangedBy: "natgw" });
    }

    [Fact]
    public async Task Another_apply_while_one_is_pending_is_refused()
    {
        await AddForwardAsync("web", 8080);
        var pending = await _revisions.ApplyRulesAsync(null, "test", TimeSpan.FromSeconds(60));
        var e = await Assert.ThrowsAsync<ConfirmationPendingException>(() => _revisions.ApplyRulesAsync(null, "test"));
        Assert.Equal(pending.Id, e.RevisionId);
    }

    [Fact]
    public async Task Rollback_applies_an_old_revision_as_a_new_one_and_restores_the_draft()
    {
        var web = await AddForwardAsync("web", 8080);
        var first = await _revisions.ApplyRulesAsync("one rule", "test");
        await AddForwardAsync("mail", 2525);
        await _revisions.ApplyRulesAsync("two rules", "test");

        var rollback = await _revisions.RollbackAsync(first.Id, "operator", null);

        Assert.NotNull(rollback);
        Assert.Equal("rollback", rollback.Kind);
        Assert.True(rollback.Id > first.Id);
        Assert.Equal(first.RulesetJson, rollback.RulesetJson);
        Assert.Equal([web.Id], (await _rules.ListAsync()).Select(r => r.Id).ToArray());
        Assert.Contains("removed mail", rollback.Diff);

        var diff = (await _revisions.DiffAsync(first.Id, first.Id + 1))!;
        Assert.Contains(diff.Rules, c => c is { Change: "added", Name: "mail" });
        Assert.NotEmpty(diff.Ruleset);
    }

    [Fact]
    public async Task Per_rule_history_lists_the_revisions_that_changed_the_rule()
    {
        var web = await AddForwardAsync("web", 8080);
        var a = await _revisions.ApplyRulesAsync(null, "test");
        await AddForwardAsync("mail", 2525);
        await _revisions.ApplyRulesAsync(null, "test");
        await _rules.SetEnabledAsync(web.Id, false, "test");
        var c = await _revisions.ApplyRulesAsync(null, "test");

        var history = await _revisions.RuleHistoryAsync(web.Id);
        Assert.Equal([a.Id, c.Id], history.Select(h => h.Revision.Id).ToArray());
        Assert.Equal(["added", "changed"], history.Select(h => h.Change.Change).ToArray());
        Assert.Contains("enabled: true → false", history[1].Change.Details);
    }

    [Fact]
    public async Task Export_then_import_round_trips_and_bad_documents_name_the_field()
    {
        await AddForwardAsync("web", 8080);
        await _revisions.ApplySettingsAsync(new SettingsUpdate { Ipv4Forwarding = true }, "test");
        await _revisions.ApplyRulesAsync(null, "test");
        var exported = await _revisions.ExportAsync();
        Assert.Contains("\"format\": \"natgw-state\"", exported);

        await _rules.ReplaceDraftAsync([]);
        var (state, errors) = await _revisions.ImportAsync(exported);
        Assert.Empty(errors);
        Assert.True(state!.Settings!.Ipv4Forwarding);
        Assert.Equal(["web"], (await _rules.ListAsync()).Select(r => r.Name).ToArray());

        var broken = exported.Replace("\"8080\"", "\"80800\"").Replace("\"version\": 1", "\"version\": 9");
        var (none, problems) = await _revisions.ImportAsync(broken);
        Assert.Null(none);
        Assert.Contains("version", problems.Keys);
        Assert.Contains("rules[0].destinationPort", problems.Keys);
        Assert.Equal(["web"], (await _rules.ListAsync()).Select(r => r.Name).ToArray()); // nothing replaced
    }

    [Fact]
    public async Task Start_up_marks_an_interrupted_apply_and_re_applies_the_revision_in_force()
    {
        await AddForwardAsync("web", 8080);
        var good = await _revisions.ApplyRulesAsync(null, "test");
        await using (var db = _db.CreateDbContext())
        {
            // What a crash between journal and commit leaves behind.
            db.Revisions.Add(new Revision
            {
                CreatedAt = _clock.GetUtcNow(), Kind = "apply", State = RevisionStates.Applying, RulesDocument = "[]", RulesetJson = "{}",
                PreviousRevisionId = good.Id,
            });
            await db.SaveChangesAsync();
        }
        _kernel.RecordingNftables.Batches.Clear();

        var report = await _revisions.RecoverAtStartupAsync();

        Assert.Contains($"re-applied revision {good.Id}", report);
        Assert.Equal(good.RulesetJson, Assert.Single(_kernel.RecordingNftables.Batches));
        var list = await _revisions.ListAsync();
        Assert.Contains(list, r => r.State == RevisionStates.Interrupted);
        Assert.Equal(good.Id, (await _revisions.ActiveAsync())!.Id);
    }

    [Fact]
    public async Task A_conntrack_timeout_change_is_a_revision_and_reverts_when_unconfirmed()
    {
        const string key = "net.netfilter.nf_conntrack_udp_timeout";
        _kernel.Memory.Values[key] = "30";
        var capacity = new NatGateway.Core.Capacity.CapacityService(_kernel, new Capacity.FakeCapacityReader(), _db, _clock);
        var revisions = new RevisionService(_rules, _settings, new RuleFlowService(_kernel, new NatCompileOptions()), _db, _clock,
            NullLogger<RevisionService>.Instance, capacity);

        var (revision, result) = await revisions.ApplyCapacityAsync(
            new NatGateway.Core.Capacity.CapacityApplyRequest { Timeouts = new Dictionary<string, int> { ["nf_conntrack_udp_timeout"] = 10 } },
            "web", TimeSpan.FromSeconds(60));

        Assert.Equal("10", _kernel.Memory.Values[key]);
        Assert.Equal("capacity", revision.Kind);
        Assert.Contains("conntrack nf_conntrack_udp_timeout: 30 → 10", revision.Diff);
        Assert.Single(result!.Changes);

        _clock.Advance(TimeSpan.FromSeconds(61));
        var revert = await revisions.RevertExpiredAsync();
        Assert.NotNull(revert);
        Assert.Equal("30", _kernel.Memory.Values[key]);
    }

    /// <summary>Issue 9 finding 1's start: 2 rules in force, then a rollback to the baseline (0 rules) waiting for confirmation.</summary>
    private async Task<(Revision TwoRules, Revision Rollback)> RollBackToNoRulesUnconfirmedAsync()
    {
        await AddForwardAsync("web", 8080);
        await AddForwardAsync("mail", 2525);
        var two = await _revisions.ApplyRulesAsync("two rules", "test");
        var baseline = (await _revisions.ListAsync()).Single(r => r.Kind == "baseline");
        Assert.Equal(0, baseline.RuleCount);
        var rollback = (await _revisions.RollbackAsync(baseline.Id, "web", null, TimeSpan.FromSeconds(60)))!;
        Assert.Empty(await _rules.ListAsync());
        return (two, rollback);
    }

    [Fact]
    public async Task An_unconfirmed_rollback_that_reverts_leaves_the_draft_equal_to_the_revision_in_force_and_says_so()
    {
        var (two, rollback) = await RollBackToNoRulesUnconfirmedAsync();
        var notices = new List<AutoRevertNotice>();
        using var subscription = _revisions.SubscribeReverts(notices.Add);

        _clock.Advance(TimeSpan.FromSeconds(60));
        var revert = (await _revisions.RevertExpiredAsync())!;

        // The kernel has both rules back, and so does the draft: nothing pending, the next apply changes nothing.
        Assert.Equal(two.RulesetJson, _kernel.RecordingNftables.Batches[^1]);
        Assert.Equal(["web", "mail"], (await _rules.ListAsync()).Select(r => r.Name).ToArray());
        var pending = await _rules.GetPendingAsync(withRuleset: false);
        Assert.False(pending.HasChanges, string.Join("; ", pending.RuleChanges.Select(c => $"{c.Change} {c.Name}")));
        Assert.Equal(revert.Id, pending.BasedOnRevision);

        // Announced once, with the real window and time; History keeps it as the revert's outcome.
        var notice = Assert.Single(notices);
        Assert.Equal($"Revision {rollback.Id} was not confirmed within 60 s and was reverted at 12:01:00 UTC.", notice.Text(TimeZoneInfo.Utc));
        var history = await _revisions.ListAsync();
        Assert.Contains(history, r => r.Id == revert.Id && r.Kind == "auto-revert" && r.Outcome == notice.Text(TimeZoneInfo.Utc));
        Assert.Equal(RevisionStates.Reverted, history.Single(r => r.Id == rollback.Id).State);
    }

    [Fact]
    public async Task An_edit_made_while_a_rollback_waited_is_kept_by_the_revert_and_named()
    {
        var (_, rollback) = await RollBackToNoRulesUnconfirmedAsync();
        await AddForwardAsync("ssh", 2222);

        _clock.Advance(TimeSpan.FromSeconds(61));
        var revert = (await _revisions.RevertExpiredAsync())!;

        var draft = await _rules.ListAsync();
        Assert.Equal(["web", "mail", "ssh"], draft.Select(r => r.Name).ToArray());
        Assert.Equal(3, draft.Select(r => r.MarkId).Distinct().Count());
        var pending = await _rules.GetPendingAsync(withRuleset: false);
        var change = Assert.Single(pending.RuleChanges);
        Assert.Equal(("added", "ssh"), (change.Change, change.Name));
        Assert.Contains("1 unapplied edit(s) kept in the draft: added 'ssh'", revert.Outcome);
        Assert.StartsWith($"Revision {rollback.Id} was not confirmed within 60 s", revert.Outcome);
    }

    [Fact]
    public async Task A_confirmed_rollback_leaves_the_draft_equal_to_the_revision_in_force()
    {
        var (_, rollback) = await RollBackToNoRulesUnconfirmedAsync();
        Assert.True(await _revisions.ConfirmAsync(rollback.Id, "operator"));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await _revisions.RevertExpiredAsync());
        Assert.Empty(await _rules.ListAsync());
        Assert.False((await _rules.GetPendingAsync(withRuleset: false)).HasChanges);
    }

    [Fact]
    public async Task Start_up_after_an_expired_rollback_reverts_it_and_restores_the_draft()
    {
        var (two, rollback) = await RollBackToNoRulesUnconfirmedAsync();
        _clock.Advance(TimeSpan.FromHours(1)); // natgw was down when the window ended

        var report = await _revisions.RecoverAtStartupAsync();

        Assert.Contains("reverted an unconfirmed change", report);
        Assert.Equal(RevisionStates.Reverted, (await _revisions.GetAsync(rollback.Id))!.State);
        Assert.Equal(two.RulesDocument, (await _revisions.ActiveAsync())!.RulesDocument);
        Assert.Equal(["web", "mail"], (await _rules.ListAsync()).Select(r => r.Name).ToArray());
        Assert.False((await _rules.GetPendingAsync(withRuleset: false)).HasChanges);
    }

    [Fact]
    public async Task A_reverted_apply_leaves_no_stale_pending_change()
    {
        await AddForwardAsync("web", 8080);
        await _revisions.ApplyRulesAsync(null, "test");
        await AddForwardAsync("mail", 2525);
        await _revisions.ApplyRulesAsync(null, "test", TimeSpan.FromSeconds(30));

        _clock.Advance(TimeSpan.FromSeconds(30));
        var revert = (await _revisions.RevertExpiredAsync())!;

        Assert.Equal(["web"], (await _rules.ListAsync()).Select(r => r.Name).ToArray());
        Assert.False((await _rules.GetPendingAsync(withRuleset: false)).HasChanges);
        Assert.Contains("not confirmed within 30 s", revert.Outcome);
    }

    [Fact]
    public async Task A_rollback_keeps_unapplied_edits_and_names_them_in_its_outcome()
    {
        await AddForwardAsync("web", 8080);
        var one = await _revisions.ApplyRulesAsync(null, "test");
        await AddForwardAsync("mail", 2525);
        await _revisions.ApplyRulesAsync(null, "test");
        await AddForwardAsync("ssh", 2222); // not applied

        var rollback = (await _revisions.RollbackAsync(one.Id, "operator", null))!;

        Assert.Equal(["web", "ssh"], (await _rules.ListAsync()).Select(r => r.Name).ToArray());
        Assert.Equal("1 unapplied edit(s) kept in the draft: added 'ssh'", rollback.Outcome);
        Assert.Equal(rollback.Outcome, (await _revisions.GetAsync(rollback.Id))!.Outcome);
    }

    [Fact]
    public async Task Discard_puts_the_draft_back_to_the_revision_in_force()
    {
        var web = await AddForwardAsync("web", 8080);
        await _revisions.ApplyRulesAsync(null, "test");
        await AddForwardAsync("mail", 2525);
        await _rules.SetEnabledAsync(web.Id, false, "test");
        Assert.Equal(2, (await _rules.GetPendingAsync(withRuleset: false)).RuleChanges.Count);

        Assert.Equal(2, await _rules.DiscardDraftAsync());

        var draft = Assert.Single(await _rules.ListAsync());
        Assert.True(draft.Enabled);
        Assert.False((await _rules.GetPendingAsync(withRuleset: false)).HasChanges);
    }

    [Fact]
    public async Task Reapply_with_a_window_waits_for_confirmation_like_apply()
    {
        await AddForwardAsync("web", 8080);
        var applied = await _revisions.ApplyRulesAsync(null, "test");

        var reapply = (await _revisions.ReapplyActiveAsync("web", TimeSpan.FromSeconds(60)))!;

        Assert.Equal(RevisionStates.PendingConfirmation, reapply.State);
        Assert.Equal(reapply.Id, (await _revisions.PendingAsync())!.RevisionId);
        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.NotNull(await _revisions.RevertExpiredAsync());
        Assert.Equal(applied.RulesDocument, (await _revisions.ActiveAsync())!.RulesDocument);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
