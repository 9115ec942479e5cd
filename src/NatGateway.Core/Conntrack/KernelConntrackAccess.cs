using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Conntrack;

/// <summary><see cref="IConntrackKernelAccess"/> over ctnetlink in the process's namespace. A fresh request socket per
/// operation: a client is not thread-safe, and opening one costs microseconds next to any dump.</summary>
public sealed class KernelConntrackAccess(IGatewayKernel kernel) : IConntrackKernelAccess
{
    public IConntrackMirrorSource OpenMirrorSource() => kernel.OpenConntrackMirrorSource();

    public ConntrackTableStats ReadTableStats()
    {
        using var client = kernel.OpenConntrack();
        return client.Stats();
    }

    public IReadOnlyList<CpuStats> ReadCpuStats()
    {
        using var client = kernel.OpenConntrack();
        return client.StatsPerCpu();
    }

    public long Dump(FlowHandler onFlow, IPFamily family = IPFamily.Any, DumpFilter? filter = null)
    {
        using var client = kernel.OpenConntrack();
        return client.Dump(onFlow, family, filter);
    }

    public int DeleteWhere(DumpFilter? kernelFilter, Func<Flow, bool>? predicate, IPFamily family)
    {
        using var client = kernel.OpenConntrack();
        return client.DeleteWhere(kernelFilter, predicate, family);
    }

    public int DeleteFlows(IReadOnlyList<Flow> flows)
    {
        if (flows.Count == 0) return 0;
        using var client = kernel.OpenConntrack();
        return client.DeleteMany(flows).Succeeded;
    }

    public void Flush(IPFamily family)
    {
        using var client = kernel.OpenConntrack();
        client.Flush(family);
    }
}
