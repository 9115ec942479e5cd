using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;

namespace NatGateway.Core.Kernel;

/// <summary>
/// The conntrack operations NatGateway uses, over ctnetlink in the managed namespace. Filters are data: a
/// <see cref="DumpFilter"/> the kernel applies during a dump (CTA_FILTER, mark/zone) and a <see cref="FlowFilter"/>
/// in the shared filter language for the rest. Page tests use a synthetic table behind this interface.
/// </summary>
public interface IConntrackKernel
{
    /// <summary>Entries and nf_conntrack_max (<c>conntrack -C</c>).</summary>
    ConntrackTableStats ReadTableStats();

    /// <summary>Per-CPU counters (<c>conntrack -S</c>).</summary>
    IReadOnlyList<CpuStats> ReadCpuStats();

    /// <summary>Streams entries, narrowed by the kernel when <paramref name="kernelFilter"/> is set
    /// (<c>conntrack -L [-f F] [--mark M/MASK]</c>); returns how many were passed on. The handler runs on the calling thread.</summary>
    long Dump(FlowHandler onFlow, IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null);

    /// <summary>How many entries the kernel filter selects, without transferring them to the caller (<c>conntrack -C --mark</c>-like).</summary>
    long Count(IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null);

    /// <summary>Deletes the entries the kernel filter selects and <paramref name="filter"/> matches (<c>conntrack -D ...</c>);
    /// <paramref name="filter"/> null or <see cref="FlowFilter.All"/> deletes everything the kernel filter selects.
    /// Returns how many were removed.</summary>
    int Delete(IPFamily family, DumpFilter? kernelFilter, FlowFilter? filter);

    /// <summary>Deletes exactly these entries (tuple, zone and id); returns how many were removed (already gone ones are not counted).</summary>
    int DeleteFlows(IReadOnlyList<Flow> flows);

    /// <summary>Removes every entry of a family or of all (<c>conntrack -F</c>).</summary>
    void Flush(IPFamily family);

    /// <summary>Dump and event sockets for <see cref="ConntrackMirror"/> (<c>conntrack -L</c> + <c>conntrack -E</c>); the caller
    /// disposes it when it is <see cref="IDisposable"/>.</summary>
    IConntrackMirrorSource OpenMirrorSource();

    /// <summary>An event subscription (<c>conntrack -E</c>); the caller disposes it.</summary>
    IFlowEventStream OpenEvents(FlowEventGroups groups);
}
