using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NatGateway.Core.Cluster;

/// <summary>
/// Rebuilds the <see cref="ClusterView"/> for live pages: every <see cref="Interval"/> while a page is subscribed (VRRP
/// state changes arrive through keepalived's notify into the cluster services, which raise no event here), and at once
/// when a revision changes or the peer's state changes. <see cref="Current"/> is the last view built (the metrics read it).
/// </summary>
public sealed class ClusterMonitor(ClusterService cluster, TimeProvider clock, ILogger<ClusterMonitor> logger) : BackgroundService
{
    public static TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    private readonly Live.SubscriberList<ClusterView> _subscribers = new(logger);
    private readonly SemaphoreSlim _wake = new(0, 1);

    public ClusterView? Current { get; private set; }

    public IDisposable Subscribe(Action<ClusterView> onView) => _subscribers.Add(onView);

    /// <summary>Builds the view now (the metrics scrape and the page's first render) and publishes it.</summary>
    public async Task<ClusterView> RefreshAsync(CancellationToken ct = default)
    {
        var view = await cluster.ViewAsync(ct);
        Current = view;
        _subscribers.Publish(view);
        return view;
    }

    private void Wake()
    {
        try { _wake.Release(); }
        catch (SemaphoreFullException) { }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Action onChange = Wake;
        Action onPeer = Wake;
        cluster.Changed += onChange;
        cluster.Peer.Changed += onPeer;
        var backoff = new Background.RetryBackoff("reading the cluster state", clock, logger);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try { await _wake.WaitAsync(Interval, stoppingToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
                if (_subscribers.Count == 0 || !backoff.IsDue) continue;
                try
                {
                    await RefreshAsync(stoppingToken);
                    backoff.Succeeded();
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    backoff.Failed(e);
                }
            }
        }
        finally
        {
            cluster.Changed -= onChange;
            cluster.Peer.Changed -= onPeer;
        }
    }
}
