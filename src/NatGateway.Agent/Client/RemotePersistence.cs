using NatGateway.Agent.Protocol;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Client;

/// <summary>The boot-time files through the agent (by kind; the agent owns the paths).</summary>
public sealed class RemotePersistence(AgentGatewayKernel kernel) : ISettingsPersistence
{
    public string WriteSysctls(PersistedFile file, IReadOnlyList<PersistedSysctl> values) =>
        kernel.Call(new AgentRequest
        {
            Op = AgentOperation.PersistSysctls, File = file,
            Sysctls = values.Select(v => new PersistedSysctlWire([.. v.Key.Segments], v.Value, v.SkipWhenMissing)).ToArray(),
        }).Text ?? "";

    public string WriteConntrackHashsize(long buckets) =>
        kernel.Call(new AgentRequest { Op = AgentOperation.PersistConntrackHashsize, Buckets = buckets }).Text ?? "";
}
