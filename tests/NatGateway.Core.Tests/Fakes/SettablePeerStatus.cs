using NatGateway.Core.Cluster;

namespace NatGateway.Core.Tests.Fakes;

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
