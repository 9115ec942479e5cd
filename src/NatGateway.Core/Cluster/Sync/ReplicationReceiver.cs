using Microsoft.Extensions.Logging;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Nftables;

namespace NatGateway.Core.Cluster.Sync;

/// <summary>
/// The peer endpoints' side of configuration sync: answers the node's state, and on the backup puts a replicated
/// revision in force through its own <see cref="ApplyPipeline"/> (journal first, one nftables transaction, settings,
/// sizing) under the primary's revision id. A backup that holds revisions the primary does not have is never overwritten
/// unless the request is the operator's resync.
/// </summary>
public sealed class ReplicationReceiver(
    RevisionStore store,
    ApplyPipeline pipeline,
    NatRulesService rules,
    KernelSettingsService settings,
    ClusterRoleGate role,
    IClusterSyncSettingsProvider provider,
    PeerStatusTracker tracker,
    ClusterMode mode,
    ILogger<ReplicationReceiver> logger)
{
    public async Task<PeerNodeState> StateAsync(CancellationToken ct = default)
    {
        var config = provider.Current ?? throw new InvalidOperationException("cluster sync is not configured");
        var inForce = await store.InForceAsync(ct);
        ClusterServicesStatus? services = null;
        try { services = settings.Kernel.Cluster.Status(); }
        catch (Exception e) when (e is KernelUnavailableException or NotSupportedException or InvalidOperationException) { }
        return new PeerNodeState
        {
            Node = config.NodeName,
            ConfiguredRole = config.Role,
            Vrrp = services?.State ?? VrrpState.Unknown,
            RevisionId = inForce?.Id,
            ContentHash = inForce is null ? null : SharedState.Of(inForce.Gateway).ContentHash(),
            DataHash = inForce is null ? null : SharedState.Of(inForce.Gateway).DataHash(),
            MaxRevisionId = await store.MaxIdAsync(ct),
            FirstReplicableId = await store.FirstReplicableIdAsync(ct),
            Services = services,
        };
    }

    public async Task<ReplicationResult> AcceptAsync(ReplicatedRevision incoming, string peerName, CancellationToken ct = default)
    {
        if (role.Current() != SyncRole.Backup)
            return new ReplicationResult(ReplicationOutcome.NotBackup, null,
                $"this node is {role.Current().ToString().ToLowerInvariant()} (VRRP state {role.Vrrp()}), not the backup: it takes no revisions from its peer");
        var result = await pipeline.ExclusiveAsync(() => AcceptHeldAsync(incoming, peerName, ct), ct);
        if (result.Outcome == ReplicationOutcome.Applied)
        {
            // The draft follows the revision in force (this node may become primary: its draft must start from here).
            await rules.ReplaceDraftAsync(incoming.State.Rules, ct);
            rules.RaiseChanged();
        }
        tracker.NoteReceived(result);
        return result;
    }

    private async Task<ReplicationResult> AcceptHeldAsync(ReplicatedRevision incoming, string peerName, CancellationToken ct)
    {
        var hash = incoming.State.ContentHash();
        var inForce = await store.InForceAsync(ct);
        if (inForce?.Id == incoming.Id && SharedState.Of(inForce.Gateway).ContentHash() == hash)
            return new ReplicationResult(ReplicationOutcome.AlreadyPresent, incoming.Id, null);

        var maxId = await store.MaxIdAsync(ct);
        var replacesRecords = false;
        if (maxId >= incoming.Id)
        {
            replacesRecords = !incoming.Resync && incoming.Id >= await store.FirstReplicableIdAsync(ct);
            if (!incoming.Resync && !replacesRecords)
                return new ReplicationResult(ReplicationOutcome.Diverged, inForce?.Id,
                    $"this node already holds revision(s) up to {maxId} (in force: {inForce?.Id.ToString() ?? "none"}), so revision {incoming.Id} " +
                    "cannot be stored under its id; the nodes' histories differ. A resync from the primary replaces this node's newer revisions");
            var deleted = await store.DeleteFromAsync(incoming.Id, ct);
            if (replacesRecords)
                logger.LogInformation("revision {Id} from {Peer} replaces {Count} start-up/re-apply record(s) of this node from that id on (each re-applied an earlier state)",
                    incoming.Id, peerName, deleted);
            else
                logger.LogWarning("resync from {Peer}: deleted {Count} revision(s) from id {Id} on that this node held and the primary does not",
                    peerName, deleted, incoming.Id);
        }

        // This node's own cluster part: what its services run (a resync may just have deleted the revision that stored it).
        var localCluster = mode.InForce ?? inForce?.Gateway.Cluster;
        var target = incoming.State.OnNode(inForce?.Gateway.Settings ?? SettingsDocument.Capture(settings.Read()), localCluster);
        if (target.Cluster is { } merged && ClusterConfigValidator.Validate(merged) is { Count: > 0 } clusterErrors)
            return new ReplicationResult(ReplicationOutcome.Failed, inForce?.Id,
                "the primary's cluster configuration does not fit this node's: " + string.Join("; ", clusterErrors.Select(e => $"{e.Key} {e.Value[0]}")));
        try
        {
            var request = new ApplyRequest(target, incoming.Kind, incoming.Comment, incoming.Author) { ReplicatedId = incoming.Id };
            var applied = await pipeline.RunHeldAsync(request, ct);
            await store.SetOutcomeAsync(applied.Revision,
                $"replicated from {peerName} (its revision {incoming.Id}){(incoming.Resync ? " by a resync" : replacesRecords ? ", in place of this node's start-up re-apply record" : "")}", ct);
            store.NotifyChanged();
            logger.LogInformation("revision {Id} ({Kind}) replicated from {Peer} is in force", incoming.Id, incoming.Kind, peerName);
            return new ReplicationResult(ReplicationOutcome.Applied, applied.Revision.Id, null);
        }
        catch (Exception e) when (e is RulesInvalidException or NftablesException or SettingsApplyException or ConfirmationPendingException
                                      or InterfaceFixApplyException or KernelUnavailableException or ArgumentException)
        {
            logger.LogWarning("revision {Id} replicated from {Peer} was not applied: {Reason}", incoming.Id, peerName, e.Message);
            return new ReplicationResult(ReplicationOutcome.Failed, inForce?.Id, $"the backup's apply failed: {e.Message}");
        }
    }
}
