using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;

namespace NatGateway.Core.Kernel;

/// <summary><see cref="IConntrackKernel"/> over ctnetlink in this process's namespace. A fresh request socket per
/// operation: a client is not thread-safe, and opening one costs microseconds next to any dump.</summary>
public sealed class LocalConntrackKernel : IConntrackKernel
{
    public ConntrackTableStats ReadTableStats()
    {
        using var client = new ConntrackClient();
        return client.Stats();
    }

    public IReadOnlyList<CpuStats> ReadCpuStats()
    {
        using var client = new ConntrackClient();
        return client.StatsPerCpu();
    }

    public long Dump(FlowHandler onFlow, IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null)
    {
        using var client = new ConntrackClient();
        return client.Dump(onFlow, family, kernelFilter);
    }

    public long Count(IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null)
    {
        using var client = new ConntrackClient();
        return client.DumpCountOnly(family, kernelFilter);
    }

    public int Delete(IPFamily family, DumpFilter? kernelFilter, FlowFilter? filter)
    {
        using var client = new ConntrackClient();
        return client.DeleteWhere(kernelFilter, filter is null || filter.IsAll ? null : filter.ToPredicate(), family);
    }

    public int DeleteFlows(IReadOnlyList<Flow> flows)
    {
        if (flows.Count == 0) return 0;
        using var client = new ConntrackClient();
        return client.DeleteMany(flows).Succeeded;
    }

    public void Flush(IPFamily family)
    {
        using var client = new ConntrackClient();
        client.Flush(family);
    }

    public IConntrackMirrorSource OpenMirrorSource() => new ConntrackClientSource();

    public IFlowEventStream OpenEvents(FlowEventGroups groups) => new ListenerEventStream(new ConntrackListener(groups));

    /// <summary>A listener as an event stream that owns its socket.</summary>
    private sealed class ListenerEventStream(ConntrackListener listener) : IFlowEventStream
    {
        public ValueTask<int> ReceiveAsync(FlowEventHandler handler, CancellationToken cancellationToken) =>
            listener.ReceiveAsync(handler, cancellationToken);

        public int ReceivePending(FlowEventHandler handler) => listener.Receive(handler, TimeSpan.Zero);

        public void Dispose() => listener.Dispose();
    }
}
