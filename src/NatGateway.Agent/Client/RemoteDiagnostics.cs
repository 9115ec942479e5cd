using NatGateway.Agent.Protocol;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Client;

/// <summary>The doctor's host facts through the agent (it reads /proc, /sys, /dev/kmsg, tracefs and ethtool netlink as root).</summary>
public sealed class RemoteDiagnostics(AgentGatewayKernel kernel) : IHostDiagnostics
{
    public IReadOnlyList<SoftnetCpu> ReadSoftnet() => kernel.Call(new AgentRequest { Op = AgentOperation.DiagnosticsSoftnet }).Softnet ?? [];

    public InterruptTable ReadInterrupts() =>
        kernel.Call(new AgentRequest { Op = AgentOperation.DiagnosticsInterrupts }).Interrupts ?? new InterruptTable(0, []);

    public IReadOnlyList<RpsQueue> ReadRps() => kernel.Call(new AgentRequest { Op = AgentOperation.DiagnosticsRps }).Rps ?? [];

    public IReadOnlyList<InterfaceOffloads> ReadOffloads() => kernel.Call(new AgentRequest { Op = AgentOperation.DiagnosticsOffloads }).Offloads ?? [];

    public void SetLro(string interfaceName, bool enabled) =>
        kernel.Call(new AgentRequest { Op = AgentOperation.DiagnosticsSetLro, Interface = interfaceName, Enabled = enabled });

    public IReadOnlyList<RoutingRule> ListRoutingRules() =>
        kernel.Call(new AgentRequest { Op = AgentOperation.DiagnosticsRoutingRules }).RoutingRules ?? [];

    public IReadOnlyList<ForeignForwardChain> ListForeignForwardChains() =>
        kernel.Call(new AgentRequest { Op = AgentOperation.DiagnosticsForeignForwardChains }).ForeignChains ?? [];

    public KernelLogRead ReadKernelLog(ulong afterSequence) =>
        kernel.Call(new AgentRequest { Op = AgentOperation.DiagnosticsKernelLog, Sequence = afterSequence }).KernelLog
        ?? throw new IOException("natgw agent: no kernel log in the answer");

    public DropCapture CaptureDrops(TimeSpan duration) =>
        kernel.Call(new AgentRequest { Op = AgentOperation.DiagnosticsCaptureDrops, DurationMilliseconds = (long)duration.TotalMilliseconds }).Drops
        ?? throw new IOException("natgw agent: no capture in the answer");
}
