using NatGateway.Conntrack.Mirror.Query;

namespace NatGateway.Conntrack.Mirror.Store;

/// <summary>
/// One page of a filtered, sorted query, all taken from one consistent state of the table.
/// <see cref="TotalMatching"/> counts every match (for the pager and "delete all N matching").
/// </summary>
public sealed record FlowPage(
    IReadOnlyList<Flow> Rows,
    int TotalMatching,
    int TotalEntries,
    int PageIndex,
    int PageSize,
    FlowFilter Filter,
    SortSpec Sort,
    long Version)
{
    public int PageCount => PageSize <= 0 ? 0 : (TotalMatching + PageSize - 1) / PageSize;
}
