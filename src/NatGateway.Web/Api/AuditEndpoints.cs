using System.Globalization;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;

namespace NatGateway.Web.Api;

/// <summary>GET /api/v1/audit: the audit log, filtered and paged, newest first. A read: any signed-in viewer.</summary>
public static class AuditEndpoints
{
    public static void MapAuditApi(this IEndpointRouteBuilder app)
    {
        // GET /api/v1/audit?actor=admin&action=rules&result=denied&from=2026-01-01T00:00:00Z&to=...&page=1&pageSize=50
        app.MapGet("/api/v1/audit", async (string? actor, string? action, string? result, string? from, string? to,
            string? page, string? pageSize, AuditLog audit, CancellationToken ct) =>
        {
            var (query, errors) = ParseQuery(actor, action, result, from, to, page, pageSize);
            if (query is null) return Results.ValidationProblem(errors, title: "The audit query is not valid");
            var found = await audit.QueryAsync(query, ct);
            return Results.Ok(new AuditPageView(
                found.Items.Select(e => new AuditEntryView(e.Id, e.At, e.Actor, e.Address, e.Action, ResultName(e.Result), e.Detail)).ToList(),
                found.Page, found.PageSize, found.TotalCount, found.PageCount));
        })
            .WithSummary("The audit log, newest first, filtered (actor, action, result, from, to) and paged")
            .Produces<AuditPageView>().ProducesValidationProblem();
    }

    public sealed record AuditEntryView(long Id, DateTimeOffset At, string Actor, string? Address, string Action, string Result, string? Detail);

    public sealed record AuditPageView(IReadOnlyList<AuditEntryView> Items, int Page, int PageSize, int TotalCount, int PageCount);

    public static string ResultName(AuditResult result) => result.ToString().ToLowerInvariant();

    /// <summary>The query, or the errors keyed by the query field that is wrong.</summary>
    internal static (AuditQuery? Query, Dictionary<string, string[]> Errors) ParseQuery(string? actor, string? action,
        string? result, string? from, string? to, string? page, string? pageSize)
    {
        var errors = new Dictionary<string, string[]>();
        AuditResult? parsedResult = null;
        if (!string.IsNullOrWhiteSpace(result))
        {
            if (Enum.TryParse<AuditResult>(result.Trim(), ignoreCase: true, out var r) && Enum.IsDefined(r) && !int.TryParse(result, out _))
                parsedResult = r;
            else errors["result"] = ["must be succeeded, failed or denied"];
        }
        var fromAt = ParseTime(from, "from", errors);
        var toAt = ParseTime(to, "to", errors);
        if (fromAt is { } f && toAt is { } t && f > t) errors["to"] = ["must not be before from"];
        var number = ParseInt(page, "page", 1, 1, int.MaxValue / AuditQuery.MaxPageSize, errors);
        var size = ParseInt(pageSize, "pageSize", 50, 1, AuditQuery.MaxPageSize, errors);
        if (actor?.Length > 128) errors["actor"] = ["must be at most 128 characters"];
        if (action?.Length > 256) errors["action"] = ["must be at most 256 characters"];
        if (errors.Count > 0) return (null, errors);
        return (new AuditQuery
        {
            Actor = actor, Action = action, Result = parsedResult, From = fromAt, To = toAt, Page = number, PageSize = size,
        }, errors);
    }

    private static DateTimeOffset? ParseTime(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return at;
        errors[field] = ["must be a date and time, e.g. 2026-01-31T12:00:00Z"];
        return null;
    }

    private static int ParseInt(string? text, string field, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        errors[field] = [$"must be a whole number from {min} to {max}"];
        return fallback;
    }
}
