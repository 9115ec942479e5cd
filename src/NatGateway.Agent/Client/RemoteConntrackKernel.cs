using NatGateway.Agent.Protocol;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Client;

/// <summary>Conntrack through the agent: dumps arrive as the kernel's datagrams and are decoded here.</summary>
public sealed class RemoteConntrackKernel(AgentGatewayKernel kernel, AgentConnectionPool pool) : IConntrackKernel
{
    public ConntrackTableStats ReadTableStats() => kernel.Call(new AgentRequest { Op = AgentOperation.ConntrackTableStats }).TableStats ?? default;

    public IReadOnlyList<CpuStats> ReadCpuStats() => kernel.Call(new AgentRequest { Op = AgentOperation.ConntrackCpuStats }).CpuStats ?? [];

    public long Dump(FlowHandler onFlow, IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null)
    {
        long count = 0;
        var request = new AgentRequest { Op = AgentOperation.ConntrackDump, Family = family, KernelFilter = DumpFilterWire.From(kernelFilter) };
        pool.Run(c => c.Call(request, data => count += RawRelay.DecodeDump(data.Span, kernelFilter, onFlow)));
        return count;
    }

    public long Count(IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null) =>
        kernel.Call(new AgentRequest { Op = AgentOperation.ConntrackCount, Family = family, KernelFilter = DumpFilterWire.From(kernelFilter) }).Number ?? 0;

    public int Delete(IPFamily family, DumpFilter? kernelFilter, FlowFilter? filter) =>
        (int)(kernel.Call(new AgentRequest
        {
            Op = AgentOperation.ConntrackDelete, Family = family, KernelFilter = DumpFilterWire.From(kernelFilter),
            Filter = filter is null || filter.IsAll ? null : filter.ToString(),
        }).Number ?? 0);

    public int DeleteFlows(IReadOnlyList<Flow> flows)
    {
        if (flows.Count == 0) return 0;
        var deleted = 0;
        // Batches below the agent's cap; each is one request.
        foreach (var chunk in flows.Chunk(Protocol.AgentProtocol.MaxDeleteFlows / 2))
            deleted += (int)(kernel.Call(new AgentRequest
            {
                Op = AgentOperation.ConntrackDeleteFlows,
                Flows = chunk.Select(f => new FlowKeyWire(TupleWire.From(f.Original), f.Zone, (f.Present & FlowFields.Id) != 0 ? f.Id : null)).ToArray(),
            }).Number ?? 0);
        return deleted;
    }

    public void Flush(IPFamily family) => kernel.Call(new AgentRequest { Op = AgentOperation.ConntrackFlush, Family = family });

    public IConntrackMirrorSource OpenMirrorSource() => new RemoteMirrorSource(pool);

    public IFlowEventStream OpenEvents(FlowEventGroups groups) => RelayStream.OpenEvents(pool, groups);
}
