using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Revisions;

/// <summary>The HA part of an apply could not be put into force (keepalived/conntrackd refused or did not start).</summary>
public sealed class ClusterApplyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Step 6: what the cluster step did. <see cref="Applied"/> false = the configuration in force was kept as it ran.</summary>
public sealed record ClusterStepResult(bool Applied, ClusterConfig? Config)
{
    public static ClusterStepResult Nothing { get; } = new(false, null);
}

/// <summary>
/// Hands the revision's <see cref="ClusterConfig"/> to the privileged side (<see cref="IGatewayKernel.Cluster"/>: keepalived
/// and conntrackd, in <c>natgw agent</c> in agent mode) — only when it differs from the one in force, so an apply of rules
/// never restarts VRRP, or when a re-apply or recovery finds the services not running although cluster mode is on.
/// A disabled configuration after an enabled one stops them (<see cref="IClusterServices.Apply"/>'s contract).
/// </summary>
public sealed class ClusterStep(Settings.KernelSettingsService settings, ClusterMode mode)
{
    private IClusterServices Services => settings.Kernel.Cluster;

    public ClusterStepResult Run(ApplyRequest request, JournalResult journal)
    {
        var target = journal.Target.Cluster;
        // Compared with what the services were last given, not with the revision in force: an automatic revert marks the
        // pending revision reverted before it runs, so the revision "in force" then already equals the target while
        // keepalived still runs the reverted configuration.
        var before = mode.InForce ?? journal.Previous?.Gateway.Cluster;
        if (target is null) return ClusterStepResult.Nothing;
        var changed = ClusterDocument.Serialize(target) != ClusterDocument.Serialize(before);
        var restore = request.Kind is RevisionKind.Startup or RevisionKind.Reapply && target.Enabled && !Running();
        if (!changed && !restore) return ClusterStepResult.Nothing;
        if (!target.Enabled && before is not { Enabled: true } && !restore) { mode.Set(target); return new ClusterStepResult(false, target); }
        try
        {
            Services.Apply(target);
        }
        catch (Exception e) when (e is not KernelUnavailableException and not OutOfMemoryException)
        {
            throw new ClusterApplyException($"the cluster services refused the configuration: {e.Message}", e);
        }
        mode.Set(target);
        return new ClusterStepResult(true, target);
    }

    private bool Running()
    {
        try
        {
            var status = Services.Status();
            return status.KeepalivedRunning && status.ConntrackdRunning;
        }
        catch (Exception e) when (e is not KernelUnavailableException and not OutOfMemoryException)
        {
            _ = e;
            return false;
        }
    }
}
