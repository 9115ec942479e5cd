using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace NatGateway.Data;

/// <summary>
/// A number that changes whenever any other connection, in this process or another (the <c>natgw token</c> CLI, a test
/// editing the file), commits to the database: SQLite's <c>PRAGMA data_version</c> on one connection held open for
/// the purpose ("different if changes were committed to the database by any other connection in the interim",
/// sqlite.org/pragma.html#pragma_data_version). Lets a cache of rows answer from memory exactly as long as nothing
/// was written, at the cost of one pragma (microseconds) instead of a query.
/// </summary>
public sealed class DatabaseChangeStamp(IDbContextFactory<NatGatewayDbContext> dbFactory) : IDisposable
{
    private readonly Lock _gate = new();
    private SqliteConnection? _connection;
    private SqliteCommand? _command;
    private bool _disposed;

    /// <summary>The current stamp; read it before the rows it guards, so that a commit in between makes it stale.</summary>
    public long Current()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_command is null)
            {
                string connectionString;
                using (var db = dbFactory.CreateDbContext())
                    connectionString = db.Database.GetConnectionString() ?? throw new InvalidOperationException("the database has no connection string");
                _connection = new SqliteConnection(connectionString);
                _connection.Open();
                _command = _connection.CreateCommand();
                _command.CommandText = "PRAGMA data_version";
            }
            return (long)_command.ExecuteScalar()!;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _command?.Dispose();
            _connection?.Dispose();
        }
    }
}
