using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NatGateway.Core.Cluster;
using NatGateway.Core.Cluster.Sync;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Web.Tests.Cluster;

/// <summary>
/// Configuration sync between two natgw apps (issue 15, deliver 4): an apply on the primary is in force on the backup as
/// the same revision; the backup refuses local edits with 409 and the reason; a backup that was down gets what it missed;
/// a wrong secret, an unsigned request and a replayed request are refused; the peer endpoints answer only on the sync
/// listener. One pair for the class (tests run one at a time, each from whatever revision the last one left).
/// </summary>
public sealed class ConfigSyncTests(SyncPair pair, ITestOutputHelper output) : IClassFixture<SyncPair>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Forward(string name, int port) =>
        $$"""{"kind": "dnat", "name": "{{name}}", "enabled": true, "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.1.0.{{port % 250 + 1}}", "targetPort": "80"}""";

    /// <summary>Adds a forward to the primary's draft and applies it; returns the new revision's id.</summary>
    private static async Task<long> ApplyOnPrimaryAsync(SyncNode primary, string name, int port)
    {
        using (var created = await primary.Admin.PostAsync("api/v1/rules", Json(Forward(name, port))))
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"create: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        using var applied = await primary.Admin.PostAsync("api/v1/rules/apply", Json($$"""{"comment": "add {{name}}"}"""));
        var body = await applied.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(applied.StatusCode == HttpStatusCode.OK, $"apply: {(int)applied.StatusCode} {body}");
        return body.GetProperty("revisionId").GetInt64();
    }

    private static Task<RevisionContent?> InForceAsync(SyncNode node) => node.Services.GetRequiredService<RevisionStore>().InForceAsync();

    /// <summary>Polls until the node's revision in force is <paramref name="id"/> (a state, with a generous deadline).</summary>
    private static async Task<RevisionContent> WaitForRevisionAsync(SyncNode node, long id)
    {
        var watch = Stopwatch.StartNew();
        RevisionContent? now = null;
        while (watch.Elapsed < Deadline)
        {
            now = await InForceAsync(node);
            if (now?.Id == id) return now;
            await Task.Delay(20);
        }
        throw new Xunit.Sdk.XunitException($"{node.Settings.NodeName}: revision {id} not in force after {Deadline}; in force: {now?.Id}; " +
                                           $"peer status: {node.PeerStatus.Current}");
    }

    private static async Task<ClusterPeerStatus> WaitForPeerStateAsync(SyncNode node, PeerReplicationState state)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Deadline)
        {
            if (node.PeerStatus.Current is { } s && s.State == state) return s;
            await Task.Delay(20);
        }
        throw new Xunit.Sdk.XunitException($"{node.Settings.NodeName}: peer state not {state} after {Deadline}: {node.PeerStatus.Current}");
    }

    [Fact]
    public async Task An_apply_on_the_primary_is_in_force_on_the_backup_as_the_same_revision_with_the_same_rules_and_mark_ids()
    {
        var watch = Stopwatch.StartNew();
        var id = await ApplyOnPrimaryAsync(pair.Primary, $"web-{Guid.NewGuid():N}"[..16], 8000 + Random.Shared.Next(1000));
        var applied = watch.Elapsed;
        var onBackup = await WaitForRevisionAsync(pair.Backup, id);
        output.WriteLine($"revision {id}: applied on the primary in {applied.TotalMilliseconds:0} ms, in force on the backup {(watch.Elapsed - applied).TotalMilliseconds:0} ms later");

        var onPrimary = (await InForceAsync(pair.Primary))!;
        Assert.Equal(id, onPrimary.Id);
        Assert.Equal(onPrimary.Gateway.Rules.Select(r => (r.Id, r.Name, r.MarkId)), onBackup.Gateway.Rules.Select(r => (r.Id, r.Name, r.MarkId)));
        Assert.Equal(SharedState.Of(onPrimary.Gateway).ContentHash(), SharedState.Of(onBackup.Gateway).ContentHash());
        Assert.Equal(onPrimary.RulesetJson, onBackup.RulesetJson);
        // Through the backup's own pipeline: its kernel got the same nftables batch.
        Assert.Equal(pair.Primary.Kernel.RecordingNftables.Batches[^1], pair.Backup.Kernel.RecordingNftables.Batches[^1]);
        // The backup's history names where it came from, and its draft follows (nothing pending there).
        var revision = await pair.Backup.Admin.GetFromJsonAsync<JsonElement>($"api/v1/revisions/{id}");
        Assert.Contains("replicated from gw1", revision.GetProperty("summary").GetProperty("outcome").GetString());
        var pending = await pair.Backup.Admin.GetFromJsonAsync<JsonElement>("api/v1/rules/pending");
        Assert.False(pending.GetProperty("hasChanges").GetBoolean());

        var status = await WaitForPeerStateAsync(pair.Primary, PeerReplicationState.InSync);
        Assert.Equal(id, status.PeerRevisionId);
        Assert.Equal(0, status.BehindBy);
        Assert.Equal("gw2", status.PeerName);
        Assert.True(status.Reachable);
    }

    [Fact]
    public async Task The_backup_refuses_local_rule_settings_and_apply_changes_with_409_and_the_reason()
    {
        var before = (await InForceAsync(pair.Backup))?.Id;

        using var create = await pair.Backup.Admin.PostAsync("api/v1/rules", Json(Forward("local-edit", 9999)));
        var problem = await create.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Conflict, create.StatusCode);
        Assert.Contains("backup", problem.GetProperty("reason").GetString());
        Assert.Contains("primary", problem.GetProperty("detail").GetString());

        using var settings = await pair.Backup.Admin.PutAsync("api/v1/settings", Json("""{"ipv4Forwarding": true}"""));
        Assert.Equal(HttpStatusCode.Conflict, settings.StatusCode);
        using var apply = await pair.Backup.Admin.PostAsync("api/v1/rules/apply", Json("{}"));
        Assert.Equal(HttpStatusCode.Conflict, apply.StatusCode);
        using var import = await pair.Backup.Admin.PostAsync("api/v1/config/import", Json("""{"format": "natgw-state", "version": 1, "rules": []}"""));
        Assert.Equal(HttpStatusCode.Conflict, import.StatusCode);

        // Every other caller (the pages call the services) is refused by the pipeline itself.
        var service = pair.Backup.Services.GetRequiredService<RevisionService>();
        var refused = await Assert.ThrowsAsync<BackupNodeRefusesChangesException>(() => service.ApplyRulesAsync("from a page", "admin"));
        Assert.Contains("backup", refused.Message);

        // Reading still works, and nothing changed.
        using var read = await pair.Backup.Admin.GetAsync("api/v1/rules");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(before, (await InForceAsync(pair.Backup))?.Id);
        Assert.DoesNotContain((await pair.Backup.Admin.GetFromJsonAsync<JsonElement>("api/v1/rules")).EnumerateArray(),
            r => r.GetProperty("name").GetString() == "local-edit");

        // The primary is not refused.
        using var onPrimary = await pair.Primary.Admin.PutAsync("api/v1/settings", Json("""{"ipv4Forwarding": true}"""));
        Assert.Equal(HttpStatusCode.OK, onPrimary.StatusCode);
    }

    [Fact]
    public async Task A_backup_that_was_down_gets_the_revisions_it_missed_when_it_comes_back()
    {
        // In sync first.
        var start = await ApplyOnPrimaryAsync(pair.Primary, $"pre-{Guid.NewGuid():N}"[..16], 7000 + Random.Shared.Next(500));
        await WaitForRevisionAsync(pair.Backup, start);

        await pair.Backup.StopAsync();
        try
        {
            await ApplyOnPrimaryAsync(pair.Primary, $"miss1-{Guid.NewGuid():N}"[..16], 7500 + Random.Shared.Next(200));
            var missed = await ApplyOnPrimaryAsync(pair.Primary, $"miss2-{Guid.NewGuid():N}"[..16], 7700 + Random.Shared.Next(200));
            var down = await WaitForPeerStateAsync(pair.Primary, PeerReplicationState.Unreachable);
            Assert.False(down.Reachable);
            Assert.NotNull(down.LastError);
            Assert.True(down.IsWarning);
            Assert.Equal(start, down.PeerRevisionId);

            await pair.Backup.StartAsync();
            var onBackup = await WaitForRevisionAsync(pair.Backup, missed);
            var onPrimary = (await InForceAsync(pair.Primary))!;
            Assert.Equal(onPrimary.Gateway.Rules.Select(r => (r.Id, r.MarkId)), onBackup.Gateway.Rules.Select(r => (r.Id, r.MarkId)));
            var back = await WaitForPeerStateAsync(pair.Primary, PeerReplicationState.InSync);
            Assert.Equal(missed, back.PeerRevisionId);
            Assert.Null(back.LastError);
        }
        finally
        {
            if (!pair.Backup.Running) await pair.Backup.StartAsync();
        }
    }

    [Fact]
    public async Task A_wrong_secret_and_an_unsigned_request_are_refused_and_change_nothing()
    {
        var before = (await InForceAsync(pair.Backup))?.Id;
        var wrong = pair.Primary.Settings with { Secret = Enumerable.Repeat((byte)0x42, 32).ToArray() };
        using (var client = new PeerClient(wrong, TimeProvider.System))
        {
            var e = await Assert.ThrowsAsync<PeerRequestException>(() => client.StateAsync(CancellationToken.None));
            Assert.Equal(PeerReplicationState.AuthenticationFailed, e.State);
            var state = (await InForceAsync(pair.Primary))!;
            var sent = new ReplicatedRevision(state.Id + 1000, RevisionKind.Apply, "intruder", null, SharedState.Of(state.Gateway with { Rules = [] }));
            e = await Assert.ThrowsAsync<PeerRequestException>(() => client.SendAsync(sent, CancellationToken.None));
            Assert.Equal(PeerReplicationState.AuthenticationFailed, e.State);
        }

        using var raw = new HttpClient { BaseAddress = new Uri($"http://{pair.Backup.Settings.Listen}/") };
        using var unsigned = await raw.GetAsync("peer/v1/state");
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Contains("MissingHeaders", await unsigned.Content.ReadAsStringAsync());
        Assert.Equal(before, (await InForceAsync(pair.Backup))?.Id);
    }

    [Fact]
    public async Task A_replayed_or_stale_request_is_refused()
    {
        var signer = new PeerSignature(SyncPair.Secret, TimeProvider.System);
        var (time, nonce, signature) = signer.SignRequest("GET", PeerClient.StatePath, []);
        using var raw = new HttpClient { BaseAddress = new Uri($"http://{pair.Backup.Settings.Listen}/") };
        HttpRequestMessage Request(string t, string n, string s)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "peer/v1/state");
            request.Headers.Add(PeerHeaders.Time, t);
            request.Headers.Add(PeerHeaders.Nonce, n);
            request.Headers.Add(PeerHeaders.Signature, s);
            return request;
        }

        using (var first = await raw.SendAsync(Request(time, nonce, signature)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var body = await first.Content.ReadAsByteArrayAsync();
            Assert.True(signer.VerifyResponse(200, nonce, first.Headers.GetValues(PeerHeaders.Signature).Single(), body), "the answer is signed");
            Assert.Equal("gw2", JsonSerializer.Deserialize<PeerNodeState>(body, PeerClient.Json)!.Node);
        }
        using (var replay = await raw.SendAsync(Request(time, nonce, signature)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
            Assert.Contains("Replayed", await replay.Content.ReadAsStringAsync());
        }

        // Signed correctly, but two minutes old: outside the replay window.
        var old = new PeerSignature(SyncPair.Secret, new ShiftedClock(TimeSpan.FromMinutes(-2)));
        var (oldTime, oldNonce, oldSignature) = old.SignRequest("GET", PeerClient.StatePath, []);
        using var stale = await raw.SendAsync(Request(oldTime, oldNonce, oldSignature));
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Contains("Stale", await stale.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Peer_endpoints_answer_only_on_the_sync_listener_and_the_sync_listener_serves_nothing_else()
    {
        using var main = await pair.Backup.Admin.GetAsync("peer/v1/state");
        Assert.Equal(HttpStatusCode.NotFound, main.StatusCode);

        using var sync = new HttpClient { BaseAddress = new Uri($"http://{pair.Backup.Settings.Listen}/") };
        foreach (var path in new[] { "api/v1/rules", "healthz", "login", "" })
        {
            using var response = await sync.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path} on the sync listener: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task After_a_failover_the_roles_follow_VRRP_and_a_diverged_backup_is_kept_until_a_resync()
    {
        var (gw1, gw2) = (pair.Primary, pair.Backup);
        var common = await ApplyOnPrimaryAsync(gw1, $"common-{Guid.NewGuid():N}"[..16], 6000 + Random.Shared.Next(300));
        await WaitForRevisionAsync(gw2, common);
        try
        {
            // Failover while gw1 is down: keepalived makes gw2 primary, and changes are made there.
            await gw1.StopAsync();
            gw2.Kernel.Cluster = new FakeClusterServices().RunAs(VrrpState.Primary);
            var onlyOnGw2 = await ApplyOnPrimaryAsync(gw2, $"gw2-{Guid.NewGuid():N}"[..16], 6400 + Random.Shared.Next(300));
            Assert.True(onlyOnGw2 > common);

            // gw1 comes back and preempts with its older configuration: gw2's is not overwritten, the pair is diverged.
            gw2.Kernel.Cluster = new FakeClusterServices().RunAs(VrrpState.Backup);
            gw1.Kernel.Cluster = new FakeClusterServices().RunAs(VrrpState.Primary);
            await gw1.StartAsync();
            var diverged = await WaitForPeerStateAsync(gw1, PeerReplicationState.Diverged);
            Assert.Equal(onlyOnGw2, diverged.PeerRevisionId);
            Assert.Contains("resync", diverged.LastError);
            // More rounds pass; gw2 still has its own revision in force.
            var rounds = gw1.PeerStatus.Current.LastContact;
            await WaitUntilAsync(() => gw1.PeerStatus.Current.LastContact > rounds);
            Assert.Equal(onlyOnGw2, (await InForceAsync(gw2))?.Id);
            using (var refused = await gw2.Admin.PostAsync("api/v1/cluster/resync", Json("{}")))
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

            // The operator's resync on the primary replaces gw2's configuration with gw1's, under gw1's id.
            using (var resync = await gw1.Admin.PostAsync("api/v1/cluster/resync", Json("{}")))
                Assert.Equal(HttpStatusCode.Accepted, resync.StatusCode);
            var replaced = await WaitForRevisionAsync(gw2, common);
            Assert.Equal(SharedState.Of((await InForceAsync(gw1))!.Gateway).ContentHash(), SharedState.Of(replaced.Gateway).ContentHash());
            Assert.Null(await gw2.Services.GetRequiredService<RevisionStore>().ContentAsync(onlyOnGw2));
            await WaitForPeerStateAsync(gw1, PeerReplicationState.InSync);

            // New revisions on gw1 get ids above everything gw2 held, and replicate again.
            var next = await ApplyOnPrimaryAsync(gw1, $"after-{Guid.NewGuid():N}"[..16], 6800 + Random.Shared.Next(300));
            Assert.True(next > onlyOnGw2);
            await WaitForRevisionAsync(gw2, next);
        }
        finally
        {
            if (!gw1.Running) await gw1.StartAsync();
            gw1.Kernel.Cluster = new UnbuiltClusterServices();
            gw2.Kernel.Cluster = new UnbuiltClusterServices();
        }
    }

    /// <summary>PUT /api/v1/cluster with <paramref name="config"/>; returns the answer's status and body.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body)> PutClusterAsync(SyncNode node, ClusterConfig config)
    {
        using var response = await node.Admin.PutAsync("api/v1/cluster", Json(ClusterJson.Serialize(config)));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task The_clusters_shared_part_is_replicated_over_the_backups_own_node_part_and_only_the_primary_changes_it()
    {
        var (gw1, gw2) = (pair.Primary, pair.Backup);
        var (services1, services2) = (new FakeClusterServices(), new FakeClusterServices());
        (gw1.Kernel.Cluster, gw2.Kernel.Cluster) = (services1, services2);
        var (primary, backup) = (NatGateway.Core.Tests.Cluster.ClusterSamples.Gw1, NatGateway.Core.Tests.Cluster.ClusterSamples.Gw2);
        try
        {
            // The backup is configured first (its own node part, and the shared part as the operator typed it there).
            var (status, body) = await PutClusterAsync(gw2, backup with { VirtualRouterId = 77 });
            Assert.True(status == HttpStatusCode.OK, $"PUT on the backup: {(int)status} {body}");
            var backupOwn = body.GetProperty("revisionId").GetInt64();

            // The primary's configuration: its shared part (VRID 51, adverts 0.2 s) reaches the backup as a revision in force
            // there under the primary's id, over the backup's own node part. The backup's first cluster revision holds an id
            // the primary had not reserved: the primary puts its state in force again under a new id, and sends that.
            (status, body) = await PutClusterAsync(gw1, primary with { AdvertInterval = TimeSpan.FromMilliseconds(200) });
            Assert.True(status == HttpStatusCode.OK, $"PUT on the primary: {(int)status} {body}");
            await WaitUntilAsync(() => InForceAsync(gw2).Result?.Gateway.Cluster?.VirtualRouterId == 51);
            var onPrimary = (await InForceAsync(gw1))!;
            var onBackup = (await InForceAsync(gw2))!;
            Assert.Equal(onPrimary.Id, onBackup.Id);
            Assert.True(onPrimary.Id > backupOwn);
            await WaitUntilAsync(() => gw1.PeerStatus.Current is { State: PeerReplicationState.InSync } s && s.PeerRevisionId == onPrimary.Id);
            Assert.Equal(51, onBackup.Gateway.Cluster!.VirtualRouterId);
            Assert.Equal(TimeSpan.FromMilliseconds(200), onBackup.Gateway.Cluster.AdvertInterval);
            Assert.Equal(backup.Local, onBackup.Gateway.Cluster.Local);
            Assert.Equal(backup.Peer, onBackup.Gateway.Cluster.Peer);
            // ... and the backup's keepalived got it: its own priority and interfaces, the pair's VRID and adverts.
            var given = services2.Applied[^1];
            Assert.Equal((51, TimeSpan.FromMilliseconds(200), backup.Local.Priority, backup.Local.InsideInterface),
                (given.VirtualRouterId, given.AdvertInterval, given.Local.Priority, given.Local.InsideInterface));

            // On the backup the shared part is refused at its field, with the reason; its own part is its own to change.
            (status, body) = await PutClusterAsync(gw2, onBackup.Gateway.Cluster with { VirtualRouterId = 52 });
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("primary", body.GetProperty("errors").GetProperty("virtualRouterId")[0].GetString());
            (status, body) = await PutClusterAsync(gw2, onBackup.Gateway.Cluster with { Local = backup.Local with { Priority = 90 } });
            Assert.True(status == HttpStatusCode.OK, $"priority change on the backup: {(int)status} {body}");
            Assert.Equal(90, services2.Applied[^1].Local.Priority);
            // Its own part does not make the pair differ.
            var stillInSync = gw1.PeerStatus.Current.LastContact;
            await WaitUntilAsync(() => gw1.PeerStatus.Current.LastContact > stillInSync);
            Assert.Equal(PeerReplicationState.InSync, gw1.PeerStatus.Current.State);

            // Cluster mode off on the primary turns it off on the backup (its services are stopped).
            (status, body) = await PutClusterAsync(gw1, primary with { Enabled = false });
            Assert.True(status == HttpStatusCode.OK, $"disable: {(int)status} {body}");
            var off = await WaitForRevisionAsync(gw2, body.GetProperty("revisionId").GetInt64());
            Assert.False(off.Gateway.Cluster!.Enabled);
            Assert.Equal(90, off.Gateway.Cluster.Local.Priority);
            Assert.False(services2.Status().KeepalivedRunning);
            Assert.False(services2.Applied[^1].Enabled);
        }
        finally
        {
            gw1.Kernel.Cluster = new UnbuiltClusterServices();
            gw2.Kernel.Cluster = new UnbuiltClusterServices();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > Deadline) throw new Xunit.Sdk.XunitException($"condition not met after {Deadline}");
            await Task.Delay(20);
        }
    }

    /// <summary>keepalived as the notify hook would have reported it: only the VRRP state matters to configuration sync.</summary>
    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
