using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Cluster.Sync;

/// <summary>Where this node's configuration sync gets its settings (<see cref="StoredClusterSyncSettings"/>: the cluster
/// configuration in force and the stored secret); null: not configured.</summary>
public interface IClusterSyncSettingsProvider
{
    ClusterSyncSettings? Current { get; }

    /// <summary>Raised when <see cref="Current"/> may have changed (the sync listener rebinds).</summary>
    event Action? Changed;
}

/// <summary>This node's part in configuration sync right now.</summary>
public enum SyncRole
{
    /// <summary>No cluster sync: every change is local, nothing is refused.</summary>
    Standalone,
    /// <summary>Changes are made here and replicated to the peer.</summary>
    Primary,
    /// <summary>Changes arrive from the primary; local changes are refused.</summary>
    Backup,
}

/// <summary>
/// Decides whether this node is the primary or the backup for configuration sync: keepalived's VRRP state when it has
/// reported one (a fault counts as backup: a faulty node must not be the source of truth), else the configured role.
/// </summary>
public sealed class ClusterRoleGate(IClusterSyncSettingsProvider provider, IGatewayKernel kernel, ILogger<ClusterRoleGate>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<ClusterRoleGate>.Instance;

    public bool Configured => provider.Current is not null;

    /// <summary>The VRRP state keepalived last reported here (Unknown when the services cannot say).</summary>
    public VrrpState Vrrp()
    {
        try
        {
            return kernel.Cluster.Status().State;
        }
        catch (Exception e) when (e is KernelUnavailableException or NotSupportedException or InvalidOperationException)
        {
            _logger.LogDebug(e, "cluster status unavailable; using the configured role");
            return VrrpState.Unknown;
        }
    }

    public SyncRole Current()
    {
        if (provider.Current is not { } settings) return SyncRole.Standalone;
        return Vrrp() switch
        {
            VrrpState.Primary => SyncRole.Primary,
            VrrpState.Backup or VrrpState.Fault => SyncRole.Backup,
            _ => settings.Role == ClusterNodeRole.Primary ? SyncRole.Primary : SyncRole.Backup,
        };
    }

    /// <summary>Why a local change is refused here (null: allowed). The words go to the API's 409 and the pages.</summary>
    public string? LocalChangeRefusal()
    {
        if (Current() != SyncRole.Backup) return null;
        var settings = provider.Current!;
        return $"this node ({settings.NodeName}) is the backup of the HA pair (VRRP state {Vrrp()}): make changes on the primary " +
               $"({settings.Peer}); they are replicated here as the same revision";
    }
}

/// <summary>A local change refused because this node is the backup (the API answers 409 with <see cref="Exception.Message"/>).</summary>
public sealed class BackupNodeRefusesChangesException(string reason) : InvalidOperationException(reason);
