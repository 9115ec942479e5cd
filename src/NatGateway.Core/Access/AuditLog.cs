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
            // One prepared INSERT, not EF's change tracking: every state-changing request writes an entry, and SaveChanges
            // cost ~1 ms of CPU a request (issue 12: creating rules one by one). Values as EF's mapping stores them
            // (AuditEntryConfiguration: time as UTC ticks, the result by name), so EF reads the row back as it wrote it.
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            await db.Database.OpenConnectionAsync(ct);
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = """
                INSERT INTO "AuditLog" ("At", "Actor", "Address", "Action", "Result", "Detail")
                VALUES ($at, $actor, $address, $action, $result, $detail)
                """;
            void Add(string name, object? value)
            {
                var p = command.CreateParameter();
                p.ParameterName = name;
                p.Value = value ?? DBNull.Value;
                command.Parameters.Add(p);
            }
            Add("$at", clock.GetUtcNow().UtcTicks);
            Add("$actor", Truncate(actor, 128));
            Add("$address", Truncate(address, 64));
            Add("$action", Truncate(action, 256));
            Add("$result", result.ToString());
            Add("$detail", Truncate(detail, MaxDetailLength));
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException or InvalidOperationException)
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
