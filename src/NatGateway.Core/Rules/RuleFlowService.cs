using NatGateway.Conntrack;
using NatGateway.Core.Kernel;
using NatGateway.Nftables;

namespace NatGateway.Core.Rules;

/// <summary>How many live connections one rule created, as the apply dialog and API show it.</summary>
public sealed record RuleFlowCount(Guid RuleId, string Name, int MarkId, long Flows);

/// <summary>
/// "Which connections did this rule create?" answered from the conntrack mark the NAT engine writes
/// (<c>ct mark and 0xffff0000 == markId &lt;&lt; 16</c>), and targeted purge of exactly those
/// (<c>conntrack -D --mark VALUE/MASK</c>) instead of flushing every state on the box.
/// </summary>
public sealed class RuleFlowService(IGatewayKernel kernel, NatCompileOptions options)
{
    /// <summary>Live flow counts per mark id (one dump; flows without our mark bits are not counted).</summary>
    public IReadOnlyDictionary<int, long> CountByMarkId()
    {
        var counts = new Dictionary<int, long>();
        kernel.Conntrack.Dump((in Flow flow) =>
        {
            var id = options.MarkIdOf(flow.Mark);
            if (id != 0) counts[id] = counts.GetValueOrDefault(id) + 1;
        });
        return counts;
    }

    /// <summary>
    /// Live flows carrying any of <paramref name="markIds"/>, counted with a kernel-side mark filter per id
    /// (<c>conntrack -C --mark V/M</c>-like): no full-table transfer, unlike <see cref="CountByMarkId"/>.
    /// </summary>
    public long CountWithMarkIds(IEnumerable<int> markIds)
    {
        return markIds.Where(id => id > 0).Distinct()
            .Sum(id => kernel.Conntrack.Count(IPFamily.Any, MarkFilter(id)));
    }

    /// <summary>Deletes the live flows whose mark carries one of <paramref name="markIds"/>; returns how many were removed.</summary>
    public int Purge(IEnumerable<int> markIds)
    {
        var removed = 0;
        foreach (var markId in markIds.Where(id => id > 0).Distinct())
            removed += kernel.Conntrack.Delete(IPFamily.Any, MarkFilter(markId), null);
        return removed;
    }

    private DumpFilter MarkFilter(int markId) => new() { Mark = options.MarkValue(markId), MarkMask = options.MarkMask };
}
