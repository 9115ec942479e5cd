using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Core.Cluster;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests.Cluster;

/// <summary>
/// The cluster configuration as desired state: a change is a revision of kind cluster handed to the cluster services,
/// commit-confirmed (an unconfirmed one is reverted and the services get the previous configuration back), rollback
/// restores it, rule applies leave keepalived alone, masquerade is refused in cluster mode (at the rule and at apply)
/// and converts to SNAT, "fail over now" stands the node down, and the shared secret never reaches a revision.
/// </summary>
public sealed class ClusterRevisionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-cluster-").FullName;
    private readonly InMemoryKernel _kernel = new("lan0", "wan0", "sync0");
    private readonly FakeClusterServices _services = new() { StateOnStart = VrrpState.Backup };
    private readonly SettablePeerStatus _peer = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly TestDbFactory _db;
    private readonly ClusterMode _mode = new();
    private readonly NatRulesService _rules;
    private readonly RevisionService _revisions;
    private readonly RevisionStore _store;
    private readonly ClusterService _cluster;
    private readonly ClusterSecretStore _secrets;

    public ClusterRevisionTests()
    {
        _db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        _kernel.PersistTo(_dir);
        _kernel.Cluster = _services;
        var sp = RevisionsHost.Build(_rules = new NatRulesService(_kernel, _db, new NatCompileOptions(), _clock, clusterMode: _mode),
            new KernelSettingsService(_kernel, _db, _clock), new RuleFlowService(_kernel, new NatCompileOptions()), _db, _clock, clusterMode: _mode);
        _revisions = sp.GetRequiredService<RevisionService>();
        _store = sp.GetRequiredService<RevisionStore>();
        _secrets = new ClusterSecretStore(_db, _clock);
        _cluster = new ClusterService(_revisions, _store, _rules, _secrets, _mode, _kernel, _peer, _clock, NullLogger<ClusterService>.Instance);
    }

    public void Dispose()
    {
        _rules.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static ClusterConfig Config(bool enabled = true, int priority = 150) =>
        ClusterSamples.Config() with { Enabled = enabled, Local = ClusterSamples.Config().Local with { Priority = priority } };

    private async Task<NatRule> AddMasqueradeAsync()
    {
        var parsed = NatRuleJson.Parse("""{"kind": "masquerade", "name": "lan out", "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}""");
        var saved = await _rules.CreateAsync(parsed.Rule!, "test");
        Assert.True(saved.Saved, string.Join("; ", saved.Issues));
        return saved.Rule!;
    }

    [Fact]
    public async Task A_cluster_change_is_a_revision_handed_to_the_services_and_reverted_when_not_confirmed()
    {
        var first = (await _cluster.ApplyAsync(Config(), "admin", null)).Revision;
        Assert.Equal(RevisionKind.Cluster, first.Kind);
        Assert.Equal(RevisionState.Applied, first.State);
        Assert.Equal([150], _services.Applied.Select(c => c.Local.Priority));
        Assert.Contains("cluster enabled: ∅ → true", first.Diff);
        Assert.True(_mode.Enabled);

        var second = await _cluster.ApplyAsync(Config(priority: 100), "admin", TimeSpan.FromSeconds(60));
        Assert.True(second.Cluster.Applied);
        Assert.Equal(RevisionState.PendingConfirmation, second.Revision.State);
        Assert.Contains("cluster local.priority: 150 → 100", second.Revision.Diff);
        Assert.Equal([150, 100], _services.Applied.Select(c => c.Local.Priority));

        _clock.Advance(TimeSpan.FromSeconds(61));
        var revert = await _revisions.RevertExpiredAsync();
        Assert.NotNull(revert);
        Assert.Equal([150, 100, 150], _services.Applied.Select(c => c.Local.Priority));
        Assert.Equal(150, (await _revisions.ClusterInForceAsync()).Config!.Local.Priority);

        var diff = await _revisions.DiffAsync(first.Id, second.Revision.Id);
        Assert.Contains("cluster local.priority: 150 → 100", diff!.Settings);
    }

    [Fact]
    public async Task Rule_applies_keep_keepalived_running_as_it_is_and_rollback_to_before_cluster_mode_turns_it_off()
    {
        var parsed = NatRuleJson.Parse("""{"kind": "dnat", "name": "web", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "8080", "targetAddress": "10.77.1.2", "targetPort": "80"}""");
        Assert.True((await _rules.CreateAsync(parsed.Rule!, "test")).Saved);
        var beforeCluster = await _revisions.ApplyRulesAsync("rules", "test");
        await _cluster.ApplyAsync(Config(), "admin", null);
        var rulesAgain = await _revisions.ApplyRulesAsync("same rules again", "test");
        Assert.Single(_services.Applied);
        Assert.True((await _store.ContentAsync(rulesAgain.Id))!.Gateway.Cluster!.Enabled); // carried over, not re-applied

        await _revisions.RollbackAsync(beforeCluster.Id, "admin", null);
        Assert.Equal(2, _services.Applied.Count);
        Assert.False(_services.Applied[^1].Enabled); // the services are told to stop
        Assert.False(_mode.Enabled);
    }

    [Fact]
    public async Task Recovery_restarts_the_services_when_cluster_mode_is_on_and_they_are_not_running()
    {
        await _cluster.ApplyAsync(Config(), "admin", null);
        // (The in-memory nftables always reports drift, so recovery always re-applies: the services are what is checked.)
        await _revisions.RecoverAsync();
        Assert.Single(_services.Applied); // running and unchanged: keepalived is not restarted
        _services.Lose(); // as after an agent restart: keepalived and conntrackd are gone
        Assert.Contains("re-applied", await _revisions.RecoverAsync());
        Assert.Equal(2, _services.Applied.Count);
        Assert.True(_services.Status().KeepalivedRunning);
    }

    [Fact]
    public async Task Services_that_refuse_leave_the_configuration_in_force_as_it_was()
    {
        await _cluster.ApplyAsync(Config(), "admin", null);
        _services.ApplyFailure = new InvalidOperationException("keepalived exited with status 1");
        var e = await Assert.ThrowsAsync<ClusterApplyException>(() => _cluster.ApplyAsync(Config(priority: 90), "admin", null));
        Assert.Contains("keepalived exited", e.Message);
        Assert.Equal(150, (await _revisions.ClusterInForceAsync()).Config!.Local.Priority);
        var failed = (await _revisions.ListAsync()).First();
        Assert.Equal(RevisionState.Failed, failed.State);
    }

    [Fact]
    public async Task Masquerade_is_refused_in_cluster_mode_at_the_rule_and_at_apply_and_converts_to_snat_to_the_outside_vip()
    {
        var masquerade = await AddMasqueradeAsync();
        await _revisions.ApplyRulesAsync("masquerade", "test");

        // Enabling cluster mode with masquerade in force: refused with the reason, by the check and by the journal.
        var check = await _cluster.CheckAsync(Config());
        Assert.Contains("lan out", Assert.Single(check["enabled"]));
        var refused = await Assert.ThrowsAsync<RulesInvalidException>(() => _cluster.ApplyAsync(Config(), "admin", null));
        Assert.Equal("kind", Assert.Single(refused.Problems).Issue.Field);
        Assert.Empty(_services.Applied);

        // Saved disabled (it holds the VIPs), convert, apply the rules, then enable.
        await _cluster.ApplyAsync(Config(enabled: false), "admin", null);
        Assert.Empty(_services.Applied); // never enabled: nothing to start or stop
        var converted = await _cluster.ConvertMasqueradeAsync(null, "admin");
        Assert.True(converted.Succeeded);
        var snat = Assert.IsType<SnatRule>(Assert.Single(await _rules.ListAsync()));
        Assert.Equal((masquerade.Id, masquerade.MarkId), (snat.Id, snat.MarkId));
        Assert.Equal("10.77.2.1", snat.TranslateTo.ToString());
        await _revisions.ApplyRulesAsync("snat to the VIP", "test");
        Assert.Empty(await _cluster.CheckAsync(Config()));
        await _cluster.ApplyAsync(Config(), "admin", null);

        // In cluster mode a new masquerade rule is refused at its field.
        var again = await _rules.CreateAsync(NatRuleJson.Parse("""{"kind": "masquerade", "name": "other", "outInterfaces": ["wan0"]}""").Rule!, "test");
        Assert.False(again.Saved);
        Assert.Contains(again.Errors, i => i.Field == "kind" && i.Message.Contains("cluster mode", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fail_over_now_stands_the_node_down_commit_confirmed_and_the_revert_gives_the_priority_back()
    {
        await Assert.ThrowsAsync<ClusterActionRefusedException>(() => _cluster.FailoverAsync(true, "admin", TimeSpan.FromSeconds(60)));
        await _cluster.ApplyAsync(Config(), "admin", null);
        var failover = await _cluster.FailoverAsync(true, "admin", TimeSpan.FromSeconds(60));
        Assert.Equal(RevisionState.PendingConfirmation, failover.Revision.State);
        Assert.Contains("fail over now", failover.Revision.Comment);
        Assert.Equal(ClusterNode.StandDownPriority, _services.Applied[^1].Local.EffectivePriority);
        await Assert.ThrowsAsync<ClusterActionRefusedException>(() => _cluster.FailoverAsync(true, "admin", TimeSpan.FromSeconds(60)));

        _clock.Advance(TimeSpan.FromSeconds(61));
        Assert.NotNull(await _revisions.RevertExpiredAsync());
        Assert.Equal(150, _services.Applied[^1].Local.EffectivePriority);
        Assert.False((await _revisions.ClusterInForceAsync()).Config!.Local.StandDown);
    }

    [Fact]
    public async Task The_shared_secret_lives_in_its_own_store_and_never_in_a_revision_a_diff_or_the_view()
    {
        const string secret = "a-shared-secret-of-at-least-32-bytes!!";
        Assert.NotNull(ClusterSecretStore.Problem("too short"));
        Assert.Null(ClusterSecretStore.Problem(ClusterSecretStore.Generate()));
        Assert.False((await _secrets.InfoAsync()).IsSet);
        await _secrets.SetAsync(secret, "admin");
        var first = (await _cluster.ApplyAsync(Config(), "admin", null)).Revision;
        var second = (await _cluster.ApplyAsync(Config(priority: 120), "admin", null)).Revision;

        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(secret), await _secrets.ReadAsync());
        var stored = await _revisions.GetAsync(second.Id);
        Assert.DoesNotContain(secret, stored!.ClusterDocument);
        Assert.DoesNotContain(secret, stored.Diff);
        Assert.DoesNotContain(secret, string.Join("\n", (await _revisions.DiffAsync(first.Id, second.Id))!.Settings));
        var view = await _cluster.ViewAsync();
        Assert.True(view.Secret.IsSet);
        Assert.Equal("admin", view.Secret.SetBy);
        Assert.DoesNotContain(secret, ClusterViewJson.Serialize(view));
        Assert.DoesNotContain(secret, await _revisions.ExportAsync());
    }

    [Fact]
    public async Task The_view_shows_both_nodes_and_its_findings_feed_the_doctor()
    {
        await _cluster.ApplyAsync(Config(), "admin", null);
        _services.Time = _clock;
        _services.Notify(VrrpState.Primary, "keepalived notify: became master");
        _services.Sync = new ConntrackdStats(120, 80, 5000, 4000, 40, 1);
        _peer.Set(new ClusterPeerStatus
        {
            State = PeerReplicationState.InSync, Reachable = true, PeerName = "gw2", PeerRevisionId = 1,
            PeerServices = new ClusterServicesStatus { KeepalivedRunning = true, ConntrackdRunning = true, State = VrrpState.Primary },
        });
        var view = await _cluster.ViewAsync();
        Assert.Equal(("gw1", VrrpState.Primary, "gw2", VrrpState.Primary), (view.Local.Name, view.Local.State, view.Peer.Name, view.Peer.State));
        Assert.Equal("keepalived notify: became master", view.Local.LastTransition!.Reason);
        Assert.Contains(view.Findings, f => f.Kind == ClusterFindingKind.BothPrimary && f.Severity == ClusterFindingSeverity.Critical);
        Assert.Contains(view.Findings, f => f.Kind == ClusterFindingKind.SyncLosses);
        Assert.Contains(view.Findings, f => f.Kind == ClusterFindingKind.RevisionMismatch);
        Assert.Contains(view.Findings, f => f.Kind == ClusterFindingKind.SecretMissing);

        var snapshot = NatGateway.Core.Tests.Doctor.Snap.Empty() with { Cluster = new NatGateway.Core.Doctor.Fact<ClusterView>(view, "test") };
        var results = NatGateway.Core.Doctor.Checks.ClusterCheck.All.ToDictionary(c => c.Id, c => c.Evaluate(snapshot));
        Assert.Equal(NatGateway.Core.Doctor.CheckStatus.Critical, results[NatGateway.Core.Doctor.CheckId.BothPrimary].Status);
        Assert.Equal(NatGateway.Core.Doctor.CheckStatus.Warning, results[NatGateway.Core.Doctor.CheckId.ClusterSync].Status);
        Assert.Equal(NatGateway.Core.Doctor.CheckStatus.Warning, results[NatGateway.Core.Doctor.CheckId.PeerRevision].Status);
        Assert.Equal(NatGateway.Core.Doctor.CheckStatus.Ok, results[NatGateway.Core.Doctor.CheckId.VrrpState].Status);
        Assert.Equal(NatGateway.Core.Doctor.CheckStatus.Ok, results[NatGateway.Core.Doctor.CheckId.ClusterMasquerade].Status);
        Assert.Contains(results[NatGateway.Core.Doctor.CheckId.ClusterSync].Evidence, e => e.Value.Contains("40 lost", StringComparison.Ordinal));

        var off = NatGateway.Core.Doctor.Checks.ClusterCheck.All[0].Evaluate(NatGateway.Core.Tests.Doctor.Snap.Empty());
        Assert.Equal(NatGateway.Core.Doctor.CheckStatus.NotApplicable, off.Status);
    }

    [Fact]
    public async Task An_snat_rule_for_any_source_and_protocol_is_no_cluster_finding_because_the_compiled_ruleset_spares_vrrp()
    {
        await _cluster.ApplyAsync(Config(), "admin", null);
        // Out of the outside interface (wan0 in the sample), any source, any protocol: it matches keepalived's adverts too,
        // and a converted masquerade for any source looks exactly like it.
        var parsed = NatRuleJson.Parse("""{"kind": "snat", "name": "to vip", "outInterfaces": ["wan*"], "translateTo": "10.77.2.1"}""");
        var saved = await _rules.CreateAsync(parsed.Rule!, "test");
        Assert.True(saved.Saved, string.Join("; ", saved.Issues));
        await _revisions.ApplyRulesAsync("test", "admin");

        var view = await _cluster.ViewAsync();
        Assert.DoesNotContain(view.Findings, f => f.Message.Contains("to vip") || f.Message.Contains("VRRP advert"));
        var snapshot = NatGateway.Core.Tests.Doctor.Snap.Empty() with { Cluster = new NatGateway.Core.Doctor.Fact<ClusterView>(view, "test") };
        var bothPrimary = NatGateway.Core.Doctor.Checks.ClusterCheck.All.Single(c => c.Id == NatGateway.Core.Doctor.CheckId.BothPrimary).Evaluate(snapshot);
        Assert.Equal(NatGateway.Core.Doctor.CheckStatus.Ok, bothPrimary.Status);

        // Why that is true: the ruleset in force accepts protocol 112 untranslated before the SNAT rule.
        var listing = NftListingText.Render(NatRulesetCompiler.Compile(await _rules.ListAsync()));
        var postrouting = listing.Split('\n').SkipWhile(l => !l.Contains("chain postrouting")).ToList();
        var exemption = postrouting.FindIndex(l => l.Contains("meta l4proto vrrp counter accept"));
        var snat = postrouting.FindIndex(l => l.Contains("snat to 10.77.2.1"));
        Assert.True(exemption >= 0 && snat > exemption, listing);
    }
}
