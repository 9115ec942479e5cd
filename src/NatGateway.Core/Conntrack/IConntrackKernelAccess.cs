using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;

namespace NatGateway.Core.Conntrack;

/// <summary>
/// The conntrack operations the conntrack features need from the kernel of this namespace. The real one is
/// <see cref="KernelConntrackAccess"/> over <see cref="Kernel.IGatewayKernel"/>; page tests feed synthetic flows
/// through a fake, so the UI can be tested without a kernel table.
/// </summary>
public interface IConntrackKernelAccess
{
    /// <summary>Dump and event sockets for <see cref="ConntrackMirror"/> (<c>conntrack -L</c> + <c>conntrack -E</c>).</summary>
    IConntrackMirrorSource OpenMirrorSource();

    /// <summary>Entries and nf_conntrack_max (<c>conntrack -C</c>).</summary>
    ConntrackTableStats ReadTableStats();

    /// <summary>Per-CPU counters (<c>conntrack -S</c>).</summary>
    IReadOnlyList<CpuStats> ReadCpuStats();

    /// <summary>Streams entries, narrowed by the kernel when <paramref name="filter"/> is set (<c>conntrack -L [-f F] [-s A ...]</c>); returns how many were passed on.</summary>
    long Dump(FlowHandler onFlow, IPFamily family = IPFamily.Any, DumpFilter? filter = null);

    /// <summary>Deletes entries the kernel filter selects and the predicate accepts (<c>conntrack -D ...</c>); returns how many were removed.</summary>
    int DeleteWhere(DumpFilter? kernelFilter, Func<Flow, bool>? predicate, IPFamily family);

    /// <summary>Deletes exactly these entries (tuple, zone and id); returns how many were removed (already gone ones are not counted).</summary>
    int DeleteFlows(IReadOnlyList<Flow> flows);

    /// <summary>Removes every entry of a family or of all (<c>conntrack -F</c>).</summary>
    void Flush(IPFamily family);
}
