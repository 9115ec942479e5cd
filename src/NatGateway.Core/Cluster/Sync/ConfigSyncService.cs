using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NatGateway.Core.Revisions;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Cluster.Sync;

/// <summary>How often the sync loop looks at the peer when nothing changed here (a new revision wakes it at once).</summary>
public sealed record ConfigSyncOptions
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The configuration sync loop, on both nodes. Each round asks the peer for its state (over the sync link, signed); on
/// the primary it then sends the revision in force when the peer lacks it. A revision is a whole state, so a peer that
/// missed several (down, the link cut) gets the newest one, stored under its id, and is in sync again. A peer whose
/// revision this node does not have (or has with other content) is diverged: reported, never overwritten, until the
/// operator asks for a resync (<see cref="RequestResync"/>). Wakes at once when a revision changes here, else every
/// <see cref="ConfigSyncOptions.PollInterval"/>.
/// </summary>
public sealed class ConfigSyncService(
    IClusterSyncSettingsProvider provider,
    ClusterRoleGate role,
    RevisionStore store,
    RevisionService revisions,
    PeerStatusTracker tracker,
    TimeProvider clock,
    ConfigSyncOptions options,
    ILogger<ConfigSyncService> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private volatile bool _resync;
    private PeerClient? _client;
    // Data hashes of this node's revisions by (id, created): a diverged peer is checked against up to 50 of them every round.
    private readonly Dictionary<(long Id, DateTimeOffset CreatedAt), string> _dataHashes = [];
    private ClusterSyncSettings? _clientFor;

    /// <summary>The next round sends the revision in force with the resync flag: the backup drops revisions the primary does not have.</summary>
    public void RequestResync()
    {
        _resync = true;
        Wake();
    }

    /// <summary>Runs a round now (a revision changed here).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount < 2) _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.Changed += Wake;
        provider.Changed += Wake;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RoundAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    logger.LogError(e, "configuration sync round failed");
                    tracker.Update(s => s with { LastError = e.Message });
                }
                try { await _wake.WaitAsync(options.PollInterval, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
        finally
        {
            store.Changed -= Wake;
            provider.Changed -= Wake;
            _client?.Dispose();
        }
    }

    /// <summary>One look at the peer and, on the primary, one send when it lacks the revision in force. Public for tests.</summary>
    public async Task RoundAsync(CancellationToken ct)
    {
        if (provider.Current is not { } settings)
        {
            tracker.Update(_ => ClusterPeerStatus.NotConfigured);
            return;
        }
        var client = ClientFor(settings);
        var inForce = await store.InForceAsync(ct);
        var localHash = inForce is null ? null : SharedState.Of(inForce.Gateway).ContentHash();
        PeerNodeState peer;
        try
        {
            peer = await client.StateAsync(ct);
        }
        catch (PeerRequestException e)
        {
            tracker.Update(s => s with { State = e.State, Reachable = false, LastError = e.Message, LocalRevisionId = inForce?.Id });
            return;
        }
        var now = clock.GetUtcNow();
        var me = role.Current();
        tracker.Update(s => s with
        {
            PeerName = peer.Node, Reachable = true, LastContact = now, PeerRevisionId = peer.RevisionId, PeerVrrpState = peer.Vrrp,
            PeerServices = peer.Services, LocalRevisionId = inForce?.Id,
        });
        if (me != SyncRole.Primary)
        {
            // The backup sends nothing; it reports what it receives, and whether it holds what the primary has.
            var same = peer.ContentHash is not null && peer.ContentHash == localHash;
            tracker.Update(s => s with
            {
                State = same ? PeerReplicationState.InSync : s.State == PeerReplicationState.Diverged ? s.State : PeerReplicationState.Receiving,
                BehindBy = 0, LastError = same ? null : s.LastError,
            });
            return;
        }

        // Ids the backup used for its own records (its baseline, a start-up recovery) are never handed out here again.
        await store.ReserveIdsThroughAsync(peer.MaxRevisionId, ct);
        if (inForce is null || !ReplicatedRevision.Replicates(inForce.Kind) || (peer.ContentHash == localHash && !_resync))
        {
            // Same content (a backup's own recovery re-applies it under a new id): in sync.
            tracker.Update(s => s with { State = PeerReplicationState.InSync, BehindBy = 0, LastError = null });
            return;
        }

        // The peer is behind when it holds nothing yet or one of this node's revisions with the same content; otherwise diverged.
        var known = peer.RevisionId is null || await HeldHereAsync(peer.RevisionId.Value, peer.DataHash, ct);
        var behind = await store.CountInForceSinceAsync(peer.RevisionId ?? 0, ct);
        if (!known && !_resync)
        {
            tracker.Update(s => s with
            {
                State = PeerReplicationState.Diverged, BehindBy = behind,
                LastError = $"{peer.Node} holds revision {peer.RevisionId} which this node does not have with that content; " +
                            "its configuration is kept until a resync replaces it with this node's",
            });
            return;
        }

        var resync = _resync;
        if (!resync && inForce.Id < (peer.FirstReplicableId ?? peer.MaxRevisionId + 1))
        {
            // The peer already uses this revision's id for one of its own that is more than a re-apply (a new backup's first
            // cluster configuration, or its own node part changed since): put the same state in force here again under an id above the peer's
            // (reserved above) and send that. The kernel gets the same ruleset in one transaction: no flow notices.
            tracker.Update(s => s with { State = PeerReplicationState.Behind, BehindBy = Math.Max(behind, 1), LastError = null });
            try
            {
                await revisions.ReapplyActiveAsync("cluster sync", null, ct,
                    $"revision {inForce.Id} again under a new id, which {peer.Node} can store (it holds ids up to {peer.MaxRevisionId})");
                Wake();
            }
            catch (ConfirmationPendingException e)
            {
                tracker.Update(s => s with { LastError = $"waiting for the change pending confirmation before sending to {peer.Node}: {e.Message}" });
            }
            return;
        }
        var content = await store.GetAsync(inForce.Id, ct);
        var revision = new ReplicatedRevision(inForce.Id, inForce.Kind, content?.Author, content?.Comment, SharedState.Of(inForce.Gateway), resync);
        tracker.Update(s => s with { State = PeerReplicationState.Behind, BehindBy = behind, LastError = null });
        ReplicationResult result;
        try
        {
            result = await client.SendAsync(revision, ct);
        }
        catch (PeerRequestException e)
        {
            tracker.Update(s => s with { State = e.State, Reachable = e.State != PeerReplicationState.Unreachable, LastError = e.Message });
            return;
        }
        if (resync && result.Outcome is ReplicationOutcome.Applied or ReplicationOutcome.AlreadyPresent) _resync = false;
        tracker.Update(s => result.Outcome switch
        {
            ReplicationOutcome.Applied or ReplicationOutcome.AlreadyPresent => s with
            {
                State = PeerReplicationState.InSync, BehindBy = 0, PeerRevisionId = result.RevisionId, LastError = null,
                LastReplicated = result.Outcome == ReplicationOutcome.Applied ? clock.GetUtcNow() : s.LastReplicated,
            },
            ReplicationOutcome.Diverged => s with { State = PeerReplicationState.Diverged, LastError = result.Reason },
            // NotBackup: both nodes think they are primary (split brain) or the peer's role is changing; Failed: its apply failed.
            _ => s with { State = PeerReplicationState.Behind, LastError = $"{peer.Node}: {result.Reason}" },
        });
        if (result.Outcome == ReplicationOutcome.Applied)
            logger.LogInformation("revision {Id} replicated to {Peer}{Resync}", inForce.Id, peer.Node, resync ? " (resync)" : "");
    }

    /// <summary>
    /// The peer's revision holds data this node put in force (<see cref="SharedState.DataHash"/>): the same id with the same
    /// data, or (a backup's own recovery re-applies a revision under a new id; a new backup's own first cluster
    /// configuration) the data of one of the newest revisions here.
    /// </summary>
    private async Task<bool> HeldHereAsync(long peerId, string? peerHash, CancellationToken ct)
    {
        if (peerHash is null) return false;
        if (await store.ContentAsync(peerId, ct) is { } same && SharedState.Of(same.Gateway).DataHash() == peerHash) return true;
        var page = (await store.PageAsync(1, 50, ct)).Items;
        foreach (var summary in page)
        {
            if (!(summary.State.IsInForce() || summary.State == RevisionState.Reverted)) continue;
            if (await DataHashAsync(summary, ct) == peerHash) return true;
        }
        // Ids are reused only after a resync deleted them (CreatedAt tells them apart); forget what left the page.
        if (_dataHashes.Count > 2 * page.Count)
            foreach (var key in _dataHashes.Keys.Where(k => !page.Any(p => p.Id == k.Id && p.CreatedAt == k.CreatedAt)).ToList())
                _dataHashes.Remove(key);
        return false;
    }

    private async Task<string?> DataHashAsync(RevisionSummary summary, CancellationToken ct)
    {
        if (_dataHashes.TryGetValue((summary.Id, summary.CreatedAt), out var known)) return known;
        if (await store.ContentAsync(summary.Id, ct) is not { } content) return null;
        return _dataHashes[(summary.Id, summary.CreatedAt)] = SharedState.Of(content.Gateway).DataHash();
    }

    private PeerClient ClientFor(ClusterSyncSettings settings)
    {
        if (_client is not null && ReferenceEquals(_clientFor, settings)) return _client;
        _client?.Dispose();
        _clientFor = settings;
        return _client = new PeerClient(settings, clock, TimeSpan.FromSeconds(30));
    }
}
