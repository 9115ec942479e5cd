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

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];
}
