using NatGateway.Core.Cluster;

namespace NatGateway.Core.Kernel;

/// <summary>
/// keepalived (VRRP) and conntrackd (state sync) of this node, started and supervised by the privileged side: the
/// configuration files are generated from a typed <see cref="ClusterConfig"/> (never from text), so agent mode runs
/// every member in <c>natgw agent</c>.
/// </summary>
public interface IClusterServices
{
    /// <summary>Writes both configurations and (re)starts the services; a disabled config stops them.</summary>
    void Apply(ClusterConfig config);

    /// <summary>Stops both services (leaving the VIPs to the peer).</summary>
    void Stop();

    ClusterServicesStatus Status();

    /// <summary>Records a transition reported by keepalived's notify hook and runs conntrackd's sequence for it.</summary>
    void Notify(VrrpState state, string reason);
}

/// <summary>Placeholder until the cluster services land (i15-base).</summary>
public sealed class UnbuiltClusterServices : IClusterServices
{
    public void Apply(ClusterConfig config) => throw new NotSupportedException("cluster services are not built yet");
    public void Stop() => throw new NotSupportedException("cluster services are not built yet");
    public ClusterServicesStatus Status() => new() { KeepalivedRunning = false, ConntrackdRunning = false, State = VrrpState.Stopped };
    public void Notify(VrrpState state, string reason) => throw new NotSupportedException("cluster services are not built yet");
}
