using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using NatGateway.Data;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>
/// Every connection natgw opens on a migrated database writes through the WAL with synchronous=NORMAL: a commit
/// does not wait for an fsync (see <c>SqliteDurability</c>).
/// </summary>
public sealed class DatabaseDurabilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-durability-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_migrated_database_is_in_WAL_and_connections_sync_at_checkpoints_only()
    {
        var path = Path.Combine(_dir, "natgw.db");
        DatabaseSetup.Migrate(path);
        var options = new DbContextOptionsBuilder<NatGatewayDbContext>();
        DatabaseSetup.Configure(options, path);
        await using var db = new NatGatewayDbContext(options.Options);
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        Assert.Equal("wal", await Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal("1", await Scalar(connection, "PRAGMA synchronous")); // 1 = NORMAL (2 = FULL, SQLite's default)
    }

    private static async Task<string?> Scalar(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
