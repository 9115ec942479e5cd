using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NatGateway.Core.Capacity;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>The apply pipeline's typed steps, their undo and the agent-outage path, over the in-memory kernel.</summary>
public sealed class ApplyPipelineTests : IDisposable
{
    private const string UdpTimeout = "net.netfilter.nf_conntrack_udp_timeout";
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-pipeline-").FullName;
    private readonly InMemoryKernel _kernel = new("lan0", "wan0");
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly TestDbFactory _db;
    private readonly NatRulesService _rules;
    private readonly ServiceProvider _services;
    private readonly ApplyPipeline _pipeline;
    private readonly RevisionService _revisions;

    public ApplyPipelineTests()
    {
        _db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        _kernel.PersistTo(_dir);
        _kernel.Memory.Values[UdpTimeout] = "30";
        _rules = new NatRulesService(_kernel, _db, new NatCompileOptions(), _clock);
        var settings = new KernelSettingsService(_kernel, _db, _clock);
        var capacity = new CapacityService(_kernel, new Capacity.FakeCapacityReader(), _db, _clock);
        _services = RevisionsHost.Build(_rules, settings, new RuleFlowService(_kernel, new NatCompileOptions()), _db, _clock, capacity);
        _pipeline = _services.GetRequiredService<ApplyPipeline>();
        _revisions = _services.GetRequiredService<RevisionService>();
    }

    private static NatRule Forward(string name, int port, int markId = 0) =>
        NatRuleJson.Parse($$"""
            {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "80"}
            """).Rule! with { MarkId = markId };

    private async Task<NatRule> AddForwardAsync(string name, int port)
    {
        var outcome = await _rules.CreateAsync(Forward(name, port), "test");
        Assert.True(outcome.Saved);
        return outcome.Rule!;
    }

    [Fact]
    public async Task The_readable_diff_made_beside_the_kernel_step_is_stored_for_applied_failed_and_interrupted_revisions()
    {
        await AddForwardAsync("web", 8080);
        var applied = await _revisions.ApplyRulesAsync(null, "test");
        Assert.Contains("added web", applied.Diff);
        Assert.Contains("added web", (await _revisions.GetAsync(applied.Id))!.Diff); // stored, not only on the returned entity

        await AddForwardAsync("mail", 2525);
        _kernel.RecordingNftables.ApplyFailure = new NftablesException("refused", "Error: test");
        await Assert.ThrowsAsync<NftablesException>(() => _revisions.ApplyRulesAsync(null, "test"));
        var failed = (await _revisions.ListAsync())[0];
        Assert.Equal(RevisionState.Failed, failed.State);
        Assert.Contains("added mail", (await _revisions.GetAsync(failed.Id))!.Diff);

        _kernel.RecordingNftables.ApplyFailure = new KernelUnavailableException("agent socket closed");
        await Assert.ThrowsAsync<KernelUnavailableException>(() => _revisions.ApplyRulesAsync(null, "test"));
        var interrupted = (await _revisions.ListAsync())[0];
        Assert.Equal(RevisionState.Interrupted, interrupted.State);
        Assert.Contains("added mail", (await _revisions.GetAsync(interrupted.Id))!.Diff);
        _kernel.RecordingNftables.ApplyFailure = null;
    }

    [Fact]
    public async Task Each_step_returns_its_own_result()
    {
        var first = await _pipeline.RunAsync(new ApplyRequest(new GatewayState([Forward("web", 8080, 1)], null), RevisionKind.Apply, "first", "test"));
        var target = new GatewayState([Forward("web", 8080, 1)], new SettingsUpdate { Ipv4Forwarding = true },
            new CapacityApplyRequest { Timeouts = new Dictionary<string, int> { ["nf_conntrack_udp_timeout"] = 10 } });

        var result = await _pipeline.RunAsync(new ApplyRequest(target, RevisionKind.Apply, null, "test", TimeSpan.FromSeconds(60)));

        Assert.Equal(first.Revision.Id, result.Journal.Previous!.Id);
        Assert.Equal(RevisionKind.Apply, result.Revision.Kind);
        Assert.NotNull(result.Journal.Target.Settings); // captured when the change leaves them, so the revision holds a whole state
        Assert.True(result.Nftables.Applied);
        Assert.Contains(result.Sysctls.Settings!.Changes, c => c.Key == "net.ipv4.ip_forward" && c.NewValue == "1");
        Assert.Single(result.ConntrackSizing.Capacity!.Changes);
        Assert.Equal("10", _kernel.Memory.Values[UdpTimeout]);
        Assert.Equal(RevisionState.PendingConfirmation, result.Commit.State);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(60), result.Commit.ConfirmBy);
        Assert.Equal(RevisionState.PendingConfirmation, (await _revisions.GetAsync(result.Revision.Id))!.State);
    }

    [Fact]
    public async Task A_settings_only_change_skips_nftables_and_reports_no_sizing()
    {
        await AddForwardAsync("web", 8080);
        await _revisions.ApplyRulesAsync(null, "test");
        var batches = _kernel.RecordingNftables.Batches.Count;

        var result = await _pipeline.RunAsync(new ApplyRequest(
            new GatewayState(await _rules.ListAsync(), new SettingsUpdate { Ipv4Forwarding = true }), RevisionKind.Settings, null, "test"));

        Assert.True(result.Journal.RulesUnchanged);
        Assert.False(result.Nftables.Applied);
        Assert.Equal(batches, _kernel.RecordingNftables.Batches.Count);
        Assert.NotNull(result.Sysctls.Settings);
        Assert.Null(result.ConntrackSizing.Capacity);
        Assert.Equal(RevisionState.Applied, result.Commit.State);
    }

    [Fact]
    public async Task A_failing_sysctls_step_puts_the_rules_in_force_back_and_fails_the_revision()
    {
        await AddForwardAsync("web", 8080);
        var good = await _revisions.ApplyRulesAsync(null, "test");
        _kernel.Memory.Rejecting.Add("net.ipv4.ip_forward");

        var target = new GatewayState([.. await _rules.ListAsync(), Forward("mail", 2525, 9)], new SettingsUpdate { Ipv4Forwarding = true });
        await Assert.ThrowsAsync<SettingsApplyException>(() => _pipeline.RunAsync(new ApplyRequest(target, RevisionKind.Apply, null, "test")));

        Assert.Equal(good.RulesetJson, _kernel.RecordingNftables.Batches[^1]); // the new rules went in, then back out
        var failed = (await _revisions.ListAsync())[0];
        Assert.Equal(RevisionState.Failed, failed.State);
        Assert.Equal(good.Id, (await _revisions.ActiveAsync())!.Id);
        Assert.Equal("0", _kernel.Memory.Values["net.ipv4.ip_forward"]);
    }

    [Fact]
    public async Task The_agent_dying_in_nftables_interrupts_the_revision_and_recovery_restores_the_one_in_force()
    {
        await AddForwardAsync("web", 8080);
        var good = await _revisions.ApplyRulesAsync(null, "test");
        await AddForwardAsync("mail", 2525);
        _kernel.RecordingNftables.ApplyFailure = new KernelUnavailableException("agent socket closed");

        await Assert.ThrowsAsync<KernelUnavailableException>(() => _revisions.ApplyRulesAsync("during the outage", "test"));

        var interrupted = (await _revisions.ListAsync())[0];
        Assert.Equal(RevisionState.Interrupted, interrupted.State);
        Assert.Equal(ApplyPipeline.InterruptedOutcome, interrupted.Outcome);
        Assert.Equal(good.Id, (await _revisions.ActiveAsync())!.Id);

        // Still down: recovery fails the same way and changes nothing in force.
        await Assert.ThrowsAsync<KernelUnavailableException>(() => _revisions.RecoverAsync());
        Assert.Equal(good.Id, (await _revisions.ActiveAsync())!.Id);

        _kernel.RecordingNftables.ApplyFailure = null;
        var report = await _revisions.RecoverAsync();

        Assert.StartsWith($"re-applied revision {good.Id}", report);
        Assert.Equal(good.RulesetJson, _kernel.RecordingNftables.Batches[^1]);
        var startup = (await _revisions.ActiveAsync())!;
        Assert.Equal(RevisionKind.Startup, startup.Kind);
        Assert.Equal(good.RulesetJson, startup.RulesetJson);

        // Idempotent: called again (the agent reconnected twice), the same state goes back in.
        await _revisions.RecoverAsync();
        Assert.Equal(good.RulesetJson, _kernel.RecordingNftables.Batches[^1]);
        Assert.Equal(good.RulesetJson, (await _revisions.ActiveAsync())!.RulesetJson);
    }

    [Fact]
    public async Task The_agent_dying_in_sysctls_after_nftables_is_interrupted_and_recovery_puts_the_old_rules_back()
    {
        await AddForwardAsync("web", 8080);
        var good = await _revisions.ApplyRulesAsync(null, "test");
        _kernel.Memory.WriteFailure = new KernelUnavailableException("agent socket closed");
        var target = new GatewayState([.. await _rules.ListAsync(), Forward("mail", 2525, 9)], new SettingsUpdate { Ipv4Forwarding = true });

        await Assert.ThrowsAsync<KernelUnavailableException>(() => _pipeline.RunAsync(new ApplyRequest(target, RevisionKind.Apply, null, "test")));

        Assert.NotEqual(good.RulesetJson, _kernel.RecordingNftables.Batches[^1]); // half applied: the agent died after nftables
        Assert.Equal(RevisionState.Interrupted, (await _revisions.ListAsync())[0].State);

        _kernel.Memory.WriteFailure = null;
        await _revisions.RecoverAsync();
        Assert.Equal(good.RulesetJson, _kernel.RecordingNftables.Batches[^1]);
    }

    [Fact]
    public async Task Changed_mark_ids_come_from_the_rule_models_a_move_is_not_a_change_a_rename_is()
    {
        var web = await AddForwardAsync("web", 8080);
        var mail = await AddForwardAsync("mail", 2525);
        var dns = await AddForwardAsync("dns", 5353);
        await _revisions.ApplyRulesAsync(null, "test");

        Assert.True((await _rules.ReorderAsync([mail.Id, web.Id, dns.Id], "test")).Saved);
        Assert.Empty(await _revisions.ChangedMarkIdsAsync());

        Assert.True((await _rules.UpdateAsync(dns.Id, dns with { Name = "dns2" }, "test"))!.Saved);
        Assert.Equal([dns.MarkId], await _revisions.ChangedMarkIdsAsync());

        var inForce = await _services.GetRequiredService<RevisionStore>().RulesInForceAsync();
        var edits = RuleListDiff.Edits(inForce, await _rules.ListAsync());
        Assert.Equal(RuleEditKind.Moved, edits.Single(e => e.RuleId == web.Id).Kind);
        Assert.False(edits.Single(e => e.RuleId == web.Id).ChangesTraffic);
        var renamed = edits.Single(e => e.RuleId == dns.Id);
        Assert.Equal(RuleEditKind.Changed, renamed.Kind);
        Assert.Equal("name", Assert.Single(renamed.Fields).Field);
        // The readable form is unchanged: a moved rule is "changed" with a "moved from" line.
        Assert.Equal(["moved from position 1 to 2"], edits.Single(e => e.RuleId == web.Id).ToRuleChange().Details);
    }

    [Fact]
    public async Task Kinds_and_states_round_trip_through_the_database_by_their_names()
    {
        var kinds = Enum.GetValues<RevisionKind>();
        var states = Enum.GetValues<RevisionState>();
        await using (var db = _db.CreateDbContext())
        {
            for (var i = 0; i < Math.Max(kinds.Length, states.Length); i++)
                db.Revisions.Add(new Revision
                {
                    CreatedAt = _clock.GetUtcNow(), Kind = kinds[i % kinds.Length], State = states[i % states.Length], RulesDocument = "[]", RulesetJson = "{}",
                });
            await db.SaveChangesAsync();
        }
        await using (var db = _db.CreateDbContext())
        {
            var read = await db.Revisions.OrderBy(r => r.Id).Select(r => new { r.Kind, r.State }).ToListAsync();
            for (var i = 0; i < read.Count; i++)
            {
                Assert.Equal(kinds[i % kinds.Length], read[i].Kind);
                Assert.Equal(states[i % states.Length], read[i].State);
            }
            var stored = await db.Database.SqlQuery<string>($"SELECT \"Kind\" || '/' || \"State\" AS \"Value\" FROM \"Revisions\"").ToListAsync();
            Assert.Contains("auto-revert/applying", stored);
            Assert.Contains("settings/pending-confirmation", stored);
        }
        var page = await _revisions.PageAsync(1, 50);
        Assert.Equal(Math.Max(kinds.Length, states.Length), page.TotalCount);
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Assert.Contains("\"kind\":\"auto-revert\"", JsonSerializer.Serialize(page.Items.First(r => r.Kind == RevisionKind.AutoRevert), web));
        Assert.Contains("\"state\":\"pending-confirmation\"", JsonSerializer.Serialize(page.Items.First(r => r.State == RevisionState.PendingConfirmation), web));
    }

    public void Dispose()
    {
        _services.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
