using NatGateway.Agent.Protocol;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Client;

/// <summary>/proc/sys through the agent (managed keys only; the agent refuses the rest).</summary>
public sealed class RemoteSysctl(AgentGatewayKernel kernel) : ISysctl
{
    public string Read(SysctlKey key) => kernel.Call(new AgentRequest { Op = AgentOperation.SysctlRead, Key = [.. key.Segments] }).Text ?? "";

    public string? TryRead(SysctlKey key) => kernel.Call(new AgentRequest { Op = AgentOperation.SysctlTryRead, Key = [.. key.Segments] }).Text;

    public void Write(SysctlKey key, string value) => kernel.Call(new AgentRequest { Op = AgentOperation.SysctlWrite, Key = [.. key.Segments], Value = value });

    public bool IsWritable(SysctlKey key) => kernel.Call(new AgentRequest { Op = AgentOperation.SysctlIsWritable, Key = [.. key.Segments] }).Flag ?? false;
}
