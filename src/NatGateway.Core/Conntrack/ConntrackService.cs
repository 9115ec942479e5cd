using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Conntrack.Mirror.Store;

namespace NatGateway.Core.Conntrack;

/// <summary>
/// One-shot conntrack operations straight against the kernel table, in the filter language shared with the API and
/// the page (<see cref="FlowFilter"/>): list, count, stats, delete and flush. The filter's kernel-side part is pushed
/// into the dump request (<see cref="FlowFilter.KernelFilter"/>) and the rest runs as a predicate on what comes back.
/// <c>natgw conntrack ...</c> and <c>DELETE /api/v1/conntrack</c> use this; the page reads the mirror instead.
/// </summary>
public sealed class ConntrackService(NatGateway.Core.Kernel.IGatewayKernel kernel)
{
    /// <summary>Streams the matching flows in kernel order without collecting them (<c>conntrack -L</c> with filters);
    /// returns how many matched. The handler runs on the calling thread.</summary>
    public long Stream(FlowFilter filter, FlowHandler onFlow)
    {
        var request = filter.KernelFilter;
        if (filter.IsAll) return kernel.Conntrack.Dump(onFlow, request.Family, request.Filter);
        long matched = 0;
        kernel.Conntrack.Dump((in Flow flow) =>
        {
            if (!filter.Matches(in flow)) return;
            matched++;
            onFlow(in flow);
        }, request.Family, request.Filter);
        return matched;
    }

    /// <summary>The matching flows in <paramref name="sort"/> order (collects them: use <see cref="Stream"/> when no order is needed).</summary>
    public IReadOnlyList<Flow> List(FlowFilter filter, SortSpec sort)
    {
        var table = new FlowTable();
        table.WriteBatch(writer => Stream(filter, (in Flow flow) => writer.Upsert(in flow)));
        return table.Select(FlowFilter.All, sort);
    }

    /// <summary>How many entries match (<c>conntrack -C</c> when the filter is empty, else a filtered dump that only counts).</summary>
    public long Count(FlowFilter filter) =>
        filter.IsAll ? kernel.Conntrack.ReadTableStats().Entries : Stream(filter, static (in Flow _) => { });

    /// <summary>Entries, the maximum and the per-CPU counters (<c>conntrack -C; conntrack -S</c>).</summary>
    public ConntrackStatsReport Stats() => new(kernel.Conntrack.ReadTableStats(), kernel.Conntrack.ReadCpuStats());

    /// <summary>
    /// Deletes the matching entries (<c>conntrack -D</c> with filters) and returns how many were removed.
    /// An empty filter deletes the whole table only with <paramref name="all"/>: one forgotten parameter must not
    /// cut every connection through the gateway.
    /// </summary>
    /// <exception cref="ArgumentException">The filter is empty and <paramref name="all"/> is false.</exception>
    public int Delete(FlowFilter filter, bool all = false)
    {
        if (filter.IsAll && !all)
            throw new ArgumentException("refusing to delete every conntrack entry with an empty filter; ask for all explicitly", nameof(filter));
        var request = filter.KernelFilter;
        return kernel.Conntrack.Delete(request.Family, request.Filter, filter);
    }

    /// <summary>Deletes exactly these entries (the page's "delete selected"); returns how many were removed.</summary>
    public int DeleteFlows(IReadOnlyList<Flow> flows) => kernel.Conntrack.DeleteFlows(flows);

    /// <summary>
    /// <c>conntrack -F</c>: with a filter, the same as <see cref="Delete"/> (an exact count); with an empty filter and
    /// <paramref name="all"/>, one kernel flush of every entry, returning the entries that were there just before
    /// (the kernel reports no count for a flush).
    /// </summary>
    /// <exception cref="ArgumentException">The filter is empty and <paramref name="all"/> is false.</exception>
    public long Flush(FlowFilter filter, bool all = false)
    {
        if (!filter.IsAll) return Delete(filter);
        if (!all) throw new ArgumentException("refusing to flush the whole conntrack table without an explicit request for all", nameof(filter));
        var before = kernel.Conntrack.ReadTableStats().Entries;
        kernel.Conntrack.Flush(IPFamily.Any);
        var after = kernel.Conntrack.ReadTableStats().Entries;
        return Math.Max(0, (long)before - after);
    }
}

/// <summary>Table size and per-CPU counters at one moment (<c>conntrack -C</c>, <c>conntrack -S</c>).</summary>
public sealed record ConntrackStatsReport(ConntrackTableStats Table, IReadOnlyList<CpuStats> PerCpu)
{
    /// <summary>The per-CPU counters summed.</summary>
    public CpuStats Total => ConntrackStatsMath.Sum(PerCpu);
}
