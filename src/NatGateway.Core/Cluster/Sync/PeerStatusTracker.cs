using Microsoft.Extensions.Logging;

namespace NatGateway.Core.Cluster.Sync;

/// <summary>
/// The replication state as the sync loop (sender side) and the peer endpoints (receiver side) last saw it: the
/// <see cref="IClusterPeerStatus"/> the page, the API, the doctor and the metrics read.
/// </summary>
public sealed class PeerStatusTracker(IClusterSyncSettingsProvider provider, TimeProvider clock, ILogger<PeerStatusTracker> logger) : IClusterPeerStatus
{
    private readonly Live.SubscriberList<ClusterPeerStatus> _subscribers = new(logger);
    private readonly Lock _gate = new();
    private ClusterPeerStatus _current = provider.Current is null ? ClusterPeerStatus.NotConfigured : new() { State = PeerReplicationState.Unknown };

    public ClusterPeerStatus Current
    {
        get { lock (_gate) return _current; }
    }

    public event Action? Changed;

    /// <summary>Calls <paramref name="callback"/> with each new status until disposed.</summary>
    public IDisposable Subscribe(Action<ClusterPeerStatus> callback) => _subscribers.Add(callback);

    /// <summary>Replaces the status with <paramref name="change"/> of the current one; raises <see cref="Changed"/> when it differs.</summary>
    public void Update(Func<ClusterPeerStatus, ClusterPeerStatus> change)
    {
        ClusterPeerStatus before, after;
        lock (_gate)
        {
            before = _current;
            _current = after = change(before);
        }
        if (after == before) return;
        if (after.State != before.State)
            logger.Log(after.IsWarning ? LogLevel.Warning : LogLevel.Information, "cluster peer {Peer}: {From} → {To}{Error}",
                after.PeerName ?? provider.Current?.Peer.ToString(), before.State, after.State, after.LastError is { } e ? ": " + e : "");
        Changed?.Invoke();
        _subscribers.Publish(after);
    }

    /// <summary>The receiver's side: a revision arrived from the primary (applied, present already, or refused).</summary>
    public void NoteReceived(ReplicationResult result) => Update(s => s with
    {
        LastReplicated = result.Outcome is ReplicationOutcome.Applied ? clock.GetUtcNow() : s.LastReplicated,
        LocalRevisionId = result.RevisionId ?? s.LocalRevisionId,
        LastError = result.Outcome is ReplicationOutcome.Applied or ReplicationOutcome.AlreadyPresent ? null : result.Reason,
        State = result.Outcome == ReplicationOutcome.Diverged ? PeerReplicationState.Diverged : s.State,
    });
}
