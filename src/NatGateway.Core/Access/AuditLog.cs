using Microsoft.Extensions.Logging;
using Microsoft.EntityFrameworkCore;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Access;

/// <summary>Records who did what, from where, and how it ended. Writing never throws into the action it records.</summary>
public sealed class AuditLog(IDbContextFactory<NatGatewayDbContext> dbFactory, TimeProvider clock,
    ILogger<AuditLog> logger)
{
    public const int MaxDetailLength = 1024;

    public async Task RecordAsync(string actor, string? address, string action, AuditResult result, string? detail = null,
        CancellationToken ct = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            db.AuditLog.Add(new AuditEntry
            {
                At = clock.GetUtcNow(), Actor = Truncate(actor, 128)!, Address = Truncate(address, 64), Action = Truncate(action, 256)!,
                Result = result, Detail = Truncate(detail, MaxDetailLength),
            });
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is DbUpdateException or Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            // The audit trail must not turn a done change into a reported failure; the log keeps the trace.
            logger.LogError(e, "Audit entry not written: {Actor} {Action} {Result}", actor, action, result);
        }
    }

    /// <summary>One page of entries matching <paramref name="query"/>, newest first.</summary>
    public async Task<Paging.PagedList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        IQueryable<AuditEntry> q = db.AuditLog.AsNoTracking();
        // Substring matches: "token" finds every token, "rules" every rule action.
        if (!string.IsNullOrWhiteSpace(query.Actor)) q = q.Where(e => e.Actor.Contains(query.Actor.Trim()));
        if (!string.IsNullOrWhiteSpace(query.Action)) q = q.Where(e => e.Action.Contains(query.Action.Trim()));
        if (query.Result is { } result) q = q.Where(e => e.Result == result);
        if (query.From is { } from) q = q.Where(e => e.At >= from);
        if (query.To is { } to) q = q.Where(e => e.At <= to);
        var total = await q.CountAsync(ct);
        var items = await q.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip(Paging.Paging.Skip(query.Page, query.PageSize)).Take(query.PageSize).ToListAsync(ct);
        return new Paging.PagedList<AuditEntry>(items, query.Page, query.PageSize, total);
    }

    /// <summary>Deletes entries older than <paramref name="keep"/>; returns how many went.</summary>
    public async Task<int> PruneAsync(TimeSpan keep, CancellationToken ct = default)
    {
        var cutoff = clock.GetUtcNow() - keep;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.AuditLog.Where(e => e.At < cutoff).ExecuteDeleteAsync(ct);
    }

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];
}

/// <summary>A filter and page of the audit log; <see cref="Page"/> counts from 1.</summary>
public sealed record AuditQuery
{
    public const int MaxPageSize = 500;
    public string? Actor { get; init; }
    public string? Action { get; init; }
    public AuditResult? Result { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = 50;
}
