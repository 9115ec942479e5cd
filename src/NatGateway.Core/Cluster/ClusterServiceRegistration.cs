using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace NatGateway.Core.Cluster;

/// <summary>
/// Registers the HA pair's configuration side: <see cref="ClusterService"/>, <see cref="ClusterSecretStore"/>,
/// <see cref="ClusterMode"/> (loaded at start) and <see cref="NoClusterPeer"/> unless the configuration sync
/// registered its own <see cref="IClusterPeerStatus"/> first. Needs <see cref="Revisions.RevisionServiceRegistration.AddRevisions"/>.
/// </summary>
public static class ClusterServiceRegistration
{
    public static IServiceCollection AddCluster(this IServiceCollection services)
    {
        services.TryAddSingleton<ClusterMode>();
        services.TryAddSingleton<IClusterPeerStatus, NoClusterPeer>();
        services.AddSingleton<ClusterSecretStore>();
        services.AddSingleton<ClusterService>();
        services.AddHostedService<ClusterModeLoader>();
        services.AddSingleton<ClusterMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterMonitor>());
        return services;
    }

    /// <summary>Reads the cluster configuration in force once at start, so the rule editor knows cluster mode from the first save.</summary>
    private sealed class ClusterModeLoader(ClusterService cluster) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => cluster.LoadModeAsync(cancellationToken);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
