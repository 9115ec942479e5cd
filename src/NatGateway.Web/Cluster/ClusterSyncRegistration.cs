using NatGateway.Core.Cluster;
using NatGateway.Core.Cluster.Sync;
using NatGateway.Data.Entities;
using NatGateway.Web.Access;

namespace NatGateway.Web.Cluster;

/// <summary>Configuration sync between the two nodes of an HA pair (issue 15, deliver 4).</summary>
public static class ClusterSyncRegistration
{
    public static void AddClusterSync(this IServiceCollection services)
    {
        services.AddSingleton<StoredClusterSyncSettings>();
        services.AddSingleton<IClusterSyncSettingsProvider>(sp => sp.GetRequiredService<StoredClusterSyncSettings>());
        services.AddHostedService<SyncSettingsLoader>();
        services.AddSingleton(new ConfigSyncOptions());
        services.AddSingleton<ClusterRoleGate>();
        services.AddSingleton<PeerStatusTracker>();
        services.AddSingleton<IClusterPeerStatus>(sp => sp.GetRequiredService<PeerStatusTracker>());
        services.AddSingleton<ReplicationReceiver>();
        services.AddSingleton<PeerSignatureHolder>();
        services.AddSingleton<PeerSyncServer>();
        services.AddHostedService(sp => sp.GetRequiredService<PeerSyncServer>());
        services.AddSingleton<ConfigSyncService>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfigSyncService>());
    }

    /// <summary>The operator's resync: <c>POST /api/v1/cluster/resync</c> (admin) sends the revision in force to the peer with permission to replace what it holds.</summary>
    public static void MapClusterSyncApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/cluster/resync", (ClusterRoleGate role, ConfigSyncService sync) =>
            {
                if (!role.Configured)
                    return Results.Problem(title: "Cluster sync is not configured", detail: "this node has no peer", statusCode: StatusCodes.Status409Conflict);
                if (role.Current() != SyncRole.Primary)
                    return Results.Problem(title: "Only the primary resyncs its peer",
                        detail: "a resync replaces the backup's configuration with the primary's; run it on the primary", statusCode: StatusCodes.Status409Conflict);
                sync.RequestResync();
                return Results.Accepted(value: new ResyncRequested(true));
            })
            .DisableAntiforgery()
            .AddEndpointFilter(NatGateway.Web.Api.JsonBody.NoBodyUnlessJson)
            .RequireRole(Role.Admin)
            .WithSummary("Replace the backup's configuration with this primary's revision in force (after a divergence)")
            .Produces<ResyncRequested>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
    }
}

/// <summary>Reads the stored secret once at start (the cluster configuration in force is loaded by <c>AddCluster</c>'s loader).</summary>
internal sealed class SyncSettingsLoader(StoredClusterSyncSettings settings) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => settings.LoadAsync(cancellationToken);
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The answer of <c>POST /api/v1/cluster/resync</c>: the next sync round sends the revision in force with the resync flag.</summary>
public sealed record ResyncRequested(bool Requested);
