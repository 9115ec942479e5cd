using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Tests.Fakes;

/// <summary>
/// Cluster services for the configuration side's tests (ha-config): records every configuration applied, answers a
/// status the test sets (running once applied and enabled), and refuses with <see cref="ApplyFailure"/> when set. Set
/// <c>InMemoryKernel.Cluster</c> to one of these. (ha-engine's FakeClusterServices covers the privileged side.)
/// </summary>
public sealed class ScriptedClusterServices : IClusterServices
{
    public List<ClusterConfig> Applied { get; } = [];
    public int Stops { get; private set; }
    public Exception? ApplyFailure { get; set; }
    public VrrpState State { get; set; } = VrrpState.Backup;
    public VrrpTransition? LastTransition { get; set; }
    public ConntrackdStats? Sync { get; set; }
    public List<(VrrpState State, string Reason)> Notified { get; } = [];

    private bool Running => Applied.Count > 0 && Applied[^1].Enabled;

    public void Apply(ClusterConfig config)
    {
        if (ApplyFailure is { } failure) throw failure;
        Applied.Add(config);
    }

    public void Stop() => Stops++;

    public ClusterServicesStatus Status() => new()
    {
        KeepalivedRunning = Running, ConntrackdRunning = Running, State = Running ? State : VrrpState.Stopped, LastTransition = LastTransition,
        Sync = Running ? Sync : null,
    };

    public void Notify(VrrpState state, string reason) => Notified.Add((state, reason));
}

/// <summary>A peer status the test sets (<see cref="Set"/> raises <see cref="Changed"/>).</summary>
public sealed class SettablePeerStatus : IClusterPeerStatus
{
    public ClusterPeerStatus Current { get; private set; } = ClusterPeerStatus.NotConfigured;

    public event Action? Changed;

    public void Set(ClusterPeerStatus state)
    {
        Current = state;
        Changed?.Invoke();
    }
}
