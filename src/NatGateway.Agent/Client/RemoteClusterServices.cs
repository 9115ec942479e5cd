using NatGateway.Agent.Protocol;
using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Client;

/// <summary>keepalived and conntrackd run as children of <c>natgw agent</c> (root); the web process and
/// <c>natgw ha notify</c> reach them through the agent's operations.</summary>
public sealed class RemoteClusterServices(AgentGatewayKernel kernel) : IClusterServices
{
    public void Apply(ClusterConfig config) => kernel.Call(new AgentRequest { Op = AgentOperation.ClusterApply, Cluster = config });

    public void Stop() => kernel.Call(new AgentRequest { Op = AgentOperation.ClusterStop });

    public ClusterServicesStatus Status() =>
        kernel.Call(new AgentRequest { Op = AgentOperation.ClusterStatus }).Cluster ?? throw new IOException("natgw agent: no cluster status in the answer");

    public void Notify(VrrpState state, string reason) =>
        kernel.Call(new AgentRequest { Op = AgentOperation.ClusterNotify, VrrpState = state, Reason = reason });
}
