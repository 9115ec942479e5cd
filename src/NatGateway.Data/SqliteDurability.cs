using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace NatGateway.Data;

/// <summary>
/// <c>PRAGMA synchronous=NORMAL</c> on every connection (the setting is per connection, not kept in the file). In WAL
/// mode (<see cref="DatabaseSetup.Migrate(NatGatewayDbContext, string)"/> switches the file to it) a commit then only
/// appends to the WAL, and the fsync happens at checkpoints, instead of one fsync per commit (≈ 6 ms each on a VM
/// disk, two per API change: the change and its audit entry). The database stays consistent after any crash
/// (sqlite.org/pragma.html#pragma_synchronous: "WAL mode is always consistent with synchronous=NORMAL"); a crash of natgw
/// alone loses nothing (the WAL is in the OS cache); only a power loss or kernel crash may roll back the last commits
/// before the latest checkpoint. That is acceptable here: the kernel's NAT state is gone after such a loss too, and
/// natgw restores the last revision the database holds, so kernel and journal still agree.
/// </summary>
internal sealed class SqliteDurability : DbConnectionInterceptor
{
    public static readonly SqliteDurability Interceptor = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    /// <summary>Sets the level on an open connection: NORMAL (WAL) or FULL (the rollback journal, before the switch to WAL).</summary>
    internal static void Apply(DbConnection connection, bool full = false)
    {
        if (connection is not SqliteConnection sqlite) return;
        using var command = sqlite.CreateCommand();
        command.CommandText = full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }
}
