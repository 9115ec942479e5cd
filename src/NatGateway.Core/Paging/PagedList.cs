namespace NatGateway.Core.Paging;

/// <summary>One page of a list that is paged on the server (REST: <c>{items, page, pageSize, totalCount, pageCount}</c>).</summary>
public sealed record PagedList<T>(IReadOnlyList<T> Items, int Page, int PageSize, int TotalCount)
{
    public int PageCount => TotalCount == 0 ? 0 : (TotalCount + PageSize - 1) / PageSize;
}

/// <summary>The paging parameters lists accept (revisions, settings history): 1-based pages of 1..<see cref="MaxPageSize"/>.</summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>The page and size to read, or the per-field errors (keys <c>page</c>, <c>pageSize</c>).</summary>
    public static (int Page, int PageSize, Dictionary<string, string[]>? Errors) Validate(int? page, int? pageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1) errors["page"] = ["must be 1 or more"];
        if (pageSize is < 1 or > MaxPageSize) errors["pageSize"] = [$"must be between 1 and {MaxPageSize}"];
        return errors.Count > 0 ? (0, 0, errors) : (page ?? 1, pageSize ?? DefaultPageSize, null);
    }

    /// <summary>Rows to skip for a page; long arithmetic so a huge page number cannot overflow.</summary>
    public static int Skip(int page, int pageSize) => (int)Math.Min(int.MaxValue, ((long)page - 1) * pageSize);
}
