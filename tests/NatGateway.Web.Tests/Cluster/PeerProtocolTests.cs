using System.Net;
using System.Text;
using NatGateway.Core.Cluster;
using NatGateway.Core.Cluster.Sync;
using NatGateway.Core.Revisions;
using NatGateway.Core.Settings;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Web.Tests.Cluster;

/// <summary>The peer protocol's pure parts: request/answer signatures and the replicated revision document.</summary>
public sealed class PeerProtocolTests
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef");

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_signed_request_verifies_once_and_any_change_to_method_path_time_nonce_or_body_fails()
    {
        var clock = new FixedClock(DateTimeOffset.Parse("2026-12-06T18:00:00Z"));
        var sender = new PeerSignature(Secret, clock);
        var body = """{"id": 5}"""u8.ToArray();
        var (time, nonce, signature) = sender.SignRequest("POST", "/peer/v1/revisions", body);

        // Each tampered request on a fresh receiver (a good one would otherwise spend the nonce).
        PeerAuthFailure Check(string method, string path, string t, string n, string s, byte[] b) =>
            new PeerSignature(Secret, clock).VerifyRequest(method, path, t, n, s, b);
        Assert.Equal(PeerAuthFailure.BadSignature, Check("PUT", "/peer/v1/revisions", time, nonce, signature, body));
        Assert.Equal(PeerAuthFailure.BadSignature, Check("POST", "/peer/v1/state", time, nonce, signature, body));
        Assert.Equal(PeerAuthFailure.BadSignature, Check("POST", "/peer/v1/revisions", (long.Parse(time) + 1).ToString(), nonce, signature, body));
        Assert.Equal(PeerAuthFailure.BadSignature, Check("POST", "/peer/v1/revisions", time, new string('0', 32), signature, body));
        Assert.Equal(PeerAuthFailure.BadSignature, Check("POST", "/peer/v1/revisions", time, nonce, signature, """{"id": 6}"""u8.ToArray()));
        Assert.Equal(PeerAuthFailure.BadSignature, new PeerSignature(new byte[32], clock).VerifyRequest("POST", "/peer/v1/revisions", time, nonce, signature, body));
        Assert.Equal(PeerAuthFailure.MissingHeaders, Check("POST", "/peer/v1/revisions", time, nonce, null!, body));
        Assert.Equal(PeerAuthFailure.MalformedHeaders, Check("POST", "/peer/v1/revisions", "-1", nonce, signature, body));
        Assert.Equal(PeerAuthFailure.MalformedHeaders, Check("POST", "/peer/v1/revisions", time, "xyz", signature, body));

        var receiver = new PeerSignature(Secret, clock);
        Assert.Equal(PeerAuthFailure.None, receiver.VerifyRequest("POST", "/peer/v1/revisions", time, nonce, signature.ToUpperInvariant(), body));
        Assert.Equal(PeerAuthFailure.Replayed, receiver.VerifyRequest("POST", "/peer/v1/revisions", time, nonce, signature, body));

        // Outside the window either way: stale, also with a valid signature.
        clock.Now += PeerSignature.Window + TimeSpan.FromSeconds(1);
        Assert.Equal(PeerAuthFailure.Stale, new PeerSignature(Secret, clock).VerifyRequest("POST", "/peer/v1/revisions", time, nonce, signature, body));
        clock.Now -= 2 * (PeerSignature.Window + TimeSpan.FromSeconds(1));
        Assert.Equal(PeerAuthFailure.Stale, new PeerSignature(Secret, clock).VerifyRequest("POST", "/peer/v1/revisions", time, nonce, signature, body));
    }

    [Fact]
    public void An_answer_is_bound_to_its_status_the_request_nonce_and_its_body()
    {
        var signer = new PeerSignature(Secret, TimeProvider.System);
        var body = """{"outcome": "Applied"}"""u8.ToArray();
        var nonce = new string('a', 32);
        var signature = signer.Sign(PeerSignature.ResponseText(200, nonce, body));
        Assert.True(signer.VerifyResponse(200, nonce, signature, body));
        Assert.False(signer.VerifyResponse(409, nonce, signature, body));
        Assert.False(signer.VerifyResponse(200, new string('b', 32), signature, body));
        Assert.False(signer.VerifyResponse(200, nonce, signature, """{"outcome": "Diverged"}"""u8.ToArray()));
        Assert.False(signer.VerifyResponse(200, nonce, null, body));
    }

    private static NatRule Rule(string name, int mark)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(
            $$"""{"kind": "dnat", "name": "{{name}}", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "{{8000 + mark}}", "targetAddress": "10.0.0.2", "targetPort": "80"}""");
        return NatRuleJson.Parse(doc.RootElement).Rule! with { Id = Guid.NewGuid(), MarkId = mark };
    }

    [Fact]
    public void A_replicated_revision_round_trips_with_rule_ids_and_mark_ids_and_leaves_per_node_values_out()
    {
        var settings = new SettingsUpdate { Ipv4Forwarding = true, RpFilterAll = 2, RpFilterInterfaces = new Dictionary<string, int> { ["lan0"] = 1 } };
        var gateway = new GatewayState([Rule("web", 7), Rule("mail", 9)], settings,
            new NatGateway.Core.Capacity.CapacityApplyRequest { Timeouts = new Dictionary<string, int> { ["nf_conntrack_udp_timeout"] = 30 } },
            InterfaceFixes.None.WithLroOff("wan0", true), NatGateway.Core.Tests.Cluster.ClusterSamples.Config());
        var shared = SharedState.Of(gateway);
        Assert.Empty(shared.Settings.RpFilterInterfaces);

        var sent = new ReplicatedRevision(42, RevisionKind.Apply, "admin", "add web", shared);
        var (back, errors) = ReplicatedRevision.Parse(sent.Serialize());
        Assert.Empty(errors);
        Assert.NotNull(back);
        Assert.Equal(42, back.Id);
        Assert.Equal(RevisionKind.Apply, back.Kind);
        Assert.Equal(gateway.Rules.Select(r => (r.Id, r.Name, r.MarkId)), back.State.Rules.Select(r => (r.Id, r.Name, r.MarkId)));
        Assert.Equal(shared.ContentHash(), back.State.ContentHash());
        Assert.Equal(30, back.State.Conntrack!.Timeouts["nf_conntrack_udp_timeout"]);
        Assert.True(back.State.Cluster!.SameAs(gateway.Cluster!.Shared));

        // On the backup: the shared values over its own per-interface rp_filter and its own node part of the cluster
        // configuration; its interface fixes are left to the journal.
        var primary = gateway.Cluster!;
        var backupCluster = primary with
        {
            VirtualRouterId = primary.VirtualRouterId + 1, AdvertInterval = TimeSpan.FromSeconds(1), VirtualAddresses = [primary.VirtualAddresses[0]],
            Local = primary.Local with { Name = "gw2", Role = ClusterNodeRole.Backup, Priority = 100, StandDown = true },
            Peer = primary.Peer with { Name = "gw1" },
        };
        var onNode = back.State.OnNode(new SettingsUpdate { RpFilterInterfaces = new Dictionary<string, int> { ["eth7"] = 2 } }, backupCluster);
        Assert.Equal(2, onNode.Settings!.RpFilterInterfaces["eth7"]);
        Assert.True(onNode.Settings.Ipv4Forwarding);
        Assert.Null(onNode.Interfaces);
        Assert.Equal(backupCluster.Local, onNode.Cluster!.Local);
        Assert.Equal(backupCluster.Peer, onNode.Cluster.Peer);
        Assert.True(onNode.Cluster.Shared.SameAs(primary.Shared));
        // The backup's node part does not make its content differ from the primary's.
        Assert.Equal(shared.ContentHash(), SharedState.Of(gateway with { Cluster = onNode.Cluster }).ContentHash());
        Assert.NotEqual(shared.ContentHash(), SharedState.Of(gateway with { Cluster = backupCluster }).ContentHash());

        // Per-node values do not change the content hash; a shared one does.
        var otherNode = gateway with { Settings = settings with { RpFilterInterfaces = new Dictionary<string, int> { ["eth1"] = 0 } }, Interfaces = InterfaceFixes.None };
        Assert.Equal(shared.ContentHash(), SharedState.Of(otherNode).ContentHash());
        Assert.NotEqual(shared.ContentHash(), SharedState.Of(gateway with { Settings = settings with { Ipv4Forwarding = false } }).ContentHash());
    }

    [Theory]
    [InlineData("[]", "body")]
    [InlineData("""{"format": "x", "version": 1}""", "format")]
    [InlineData("""{"format": "natgw-replicated-revision", "version": 2}""", "version")]
    [InlineData("""{"format": "natgw-replicated-revision", "version": 1, "id": 0, "kind": "apply"}""", "id")]
    [InlineData("""{"format": "natgw-replicated-revision", "version": 1, "id": 3, "kind": "baseline", "rules": [], "settings": {}}""", "kind")]
    [InlineData("""{"format": "natgw-replicated-revision", "version": 1, "id": 3, "kind": "apply", "rules": {}, "settings": {}}""", "rules")]
    [InlineData("""{"format": "natgw-replicated-revision", "version": 1, "id": 3, "kind": "apply", "rules": [{"kind": "dnat", "name": "x"}], "settings": {}}""", "rules[0]")]
    [InlineData("""{"format": "natgw-replicated-revision", "version": 1, "id": 3, "kind": "apply", "rules": [], "settings": {"ipv4Forwarding": "yes"}}""", "settings.")]
    [InlineData("""{"format": "natgw-replicated-revision", "version": 1, "id": 3, "kind": "apply", "rules": [], "settings": {}, "conntrack": {"conntrackMax": "many"}}""", "conntrack")]
    [InlineData("""{"format": "natgw-replicated-revision", "version": 1, "id": 3""", "body")]
    [InlineData("""{"format": "natgw-replicated-revision", "version": 1, "id": 3, "kind": "apply", "rules": [], "settings": {}, "cluster": {"enabled": true, "local": {}}}""", "cluster.")]
    public void A_malformed_replicated_revision_is_refused_naming_the_field(string json, string field)
    {
        var (revision, errors) = ReplicatedRevision.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Null(revision);
        Assert.Contains(errors.Keys, k => k.StartsWith(field, StringComparison.Ordinal));
    }

    [Fact]
    public void Sync_settings_from_the_cluster_model_listen_on_the_sync_address_and_refuse_a_short_secret()
    {
        var config = new ClusterConfig
        {
            Enabled = true, VirtualRouterId = 51, AdvertInterval = TimeSpan.FromMilliseconds(100), VirtualAddresses = [],
            Local = new ClusterNode
            {
                Name = "gw1", Role = ClusterNodeRole.Primary, Priority = 150, InsideInterface = "lan0", OutsideInterface = "wan0", SyncInterface = "sync0",
                SyncAddress = new NatGateway.Core.Kernel.InterfaceAddress(IPAddress.Parse("10.77.3.1"), 30),
            },
            Peer = new ClusterPeer { Name = "gw2", SyncAddress = IPAddress.Parse("10.77.3.2"), SyncPort = 5081 },
        };
        var settings = ClusterSyncSettings.From(config, new byte[32]);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.77.3.1"), 5081), settings.Listen);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.77.3.2"), 5081), settings.Peer);
        Assert.Empty(settings.Problems());
        Assert.Contains(ClusterSyncSettings.From(config, new byte[16]).Problems(), p => p.Contains("at least 32 bytes"));
        Assert.Contains((settings with { Listen = new IPEndPoint(IPAddress.Any, 5081) }).Problems(), p => p.Contains("wildcard"));
    }
}
