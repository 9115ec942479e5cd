using NatGateway.Core.Cluster;
using Prometheus;

namespace NatGateway.Web.Metrics;

/// <summary>
/// The HA pair on scrape, from the same <see cref="ClusterView"/> as the Cluster page: VRRP state per node (one series per
/// state, 1 for the current one), split brain, conntrackd's sync counters, the configuration sync's lag and each node's
/// revision. conntrackd's counters are exported as gauges: they restart from 0 with conntrackd, which a prometheus-net
/// counter cannot follow downwards.
/// </summary>
public sealed class ClusterMetrics : IScrapeCollector
{
    private readonly ClusterService _cluster;
    private readonly Gauge _enabled, _state, _bothPrimary, _messages, _entries, _resyncs, _reachable, _behind, _revision;

    public ClusterMetrics(CollectorRegistry registry, ClusterService cluster)
    {
        _cluster = cluster;
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _enabled = f.CreateGauge("natgw_cluster_enabled", "1 when cluster (HA pair) mode is on.");
        _state = f.CreateGauge("natgw_cluster_vrrp_state", "VRRP state per node: 1 for the node's current state (primary, backup, fault, stopped, unknown).",
            new GaugeConfiguration { LabelNames = ["node", "state"] });
        _bothPrimary = f.CreateGauge("natgw_cluster_both_primary", "1 when both nodes report VRRP primary (split brain).");
        _messages = f.CreateGauge("natgw_cluster_sync_messages", "conntrackd's sync messages on this node (conntrackd -s), by direction sent, received, lost.",
            new GaugeConfiguration { LabelNames = ["direction"] });
        _entries = f.CreateGauge("natgw_cluster_sync_entries", "Connections in conntrackd's caches on this node: internal (ours) and external (the peer's).",
            new GaugeConfiguration { LabelNames = ["cache"] });
        _resyncs = f.CreateGauge("natgw_cluster_sync_resyncs", "conntrackd resyncs on this node (conntrackd -s).");
        _reachable = f.CreateGauge("natgw_cluster_peer_reachable", "1 when the peer answers on the sync link.");
        _behind = f.CreateGauge("natgw_cluster_peer_revisions_behind", "How many revisions the peer lacks (the configuration sync's lag).");
        _revision = f.CreateGauge("natgw_cluster_revision", "The revision in force per node (local, peer).", new GaugeConfiguration { LabelNames = ["node"] });
    }

    public string Name => "cluster";

    public async Task CollectAsync(CancellationToken ct)
    {
        var v = await _cluster.ViewAsync(ct);
        _enabled.Set(v.Enabled ? 1 : 0);
        Gauge[] perNode = [_state, _messages, _entries, _revision];
        if (!v.Enabled)
        {
            foreach (var g in perNode) Series.RemoveOthers(g, []);
            _bothPrimary.Set(0);
            _reachable.Set(0);
            _behind.Set(0);
            _resyncs.Unpublish();
            return;
        }
        var states = new List<string[]>();
        foreach (var (node, view) in new[] { ("local", v.Local), ("peer", v.Peer) })
            foreach (var state in Enum.GetValues<VrrpState>())
            {
                _state.WithLabels(node, ClusterJson.Name(state)).Set(view.State == state ? 1 : 0);
                states.Add([node, ClusterJson.Name(state)]);
            }
        Series.RemoveOthers(_state, states);
        _bothPrimary.Set(v.Local.State == VrrpState.Primary && v.Peer.State == VrrpState.Primary ? 1 : 0);
        if (v.Local.Sync is { } s)
        {
            _messages.WithLabels("sent").Set(s.MessagesSent);
            _messages.WithLabels("received").Set(s.MessagesReceived);
            _messages.WithLabels("lost").Set(s.MessagesLost);
            _entries.WithLabels("internal").Set(s.EntriesInternalCache);
            _entries.WithLabels("external").Set(s.EntriesExternalCache);
            _resyncs.Set(s.Resyncs);
            _resyncs.Publish();
        }
        else
        {
            Series.RemoveOthers(_messages, []);
            Series.RemoveOthers(_entries, []);
            _resyncs.Unpublish();
        }
        _reachable.Set(v.Replication.State is PeerReplicationState.InSync or PeerReplicationState.Behind or PeerReplicationState.Diverged ? 1 : 0);
        _behind.Set(v.Replication.BehindBy);
        var revisions = new List<string[]>();
        if (v.Local.RevisionId is { } mine) { _revision.WithLabels("local").Set(mine); revisions.Add(["local"]); }
        if (v.Peer.RevisionId is { } theirs) { _revision.WithLabels("peer").Set(theirs); revisions.Add(["peer"]); }
        Series.RemoveOthers(_revision, revisions);
    }
}
