using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace NatGateway.Data;

/// <summary>Where the database lives and how it is opened: one place so the web host, CLI and tests agree.</summary>
public static class DatabaseSetup
{
    public const string MigrationsAssembly = "NatGateway.Migrations";

    /// <summary>The schema the migrations produce, built once in a scratch in-memory database.</summary>
    private static readonly Lazy<SortedSet<string>> MigratedShape = new(ReadMigratedShape);

    /// <summary>/var/lib/natgw/natgw.db as root (the systemd unit's StateDirectory), else under the user's data directory.</summary>
    public static string DefaultPath()
    {
        if (Environment.UserName == "root")
            return "/var/lib/natgw/natgw.db";
        var home = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        return Path.Combine(string.IsNullOrEmpty(home) ? Path.GetTempPath() : home, "natgw", "natgw.db");
    }

    public static string ConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Cache = SqliteCacheMode.Private, Pooling = true }.ToString();

    /// <summary>
    /// SQLite at <paramref name="path"/>, with natgw's SQL functions on every connection (in the options, not in
    /// OnConfiguring: pooled context factories refuse a context that configures itself).
    /// </summary>
    public static void Configure(DbContextOptionsBuilder options, string path) =>
        options.UseSqlite(ConnectionString(path), o => o.MigrationsAssembly(MigrationsAssembly)).AddInterceptors(DocumentSqlFunctions.Interceptor, SqliteDurability.Interceptor);

    /// <summary>
    /// <see cref="Migrate(NatGatewayDbContext, string)"/> with a context of its own that logs nothing, so a failure is
    /// only the one-line <see cref="DatabaseUnavailableException"/> (EF would log the failed SQL at Error level).
    /// </summary>
    public static void Migrate(string path)
    {
        var options = new DbContextOptionsBuilder<NatGatewayDbContext>();
        Configure(options, path);
        using var db = new NatGatewayDbContext(options.Options);
        Migrate(db, path);
    }

    /// <summary>
    /// Creates the directory, checks that the file is an intact SQLite database, applies pending migrations, checks
    /// that it can be written and that its schema is exactly what the migrations make, then switches it to WAL (kept
    /// across opens). Any failure is a <see cref="DatabaseUnavailableException"/> naming the path and the cause.
    /// </summary>
    public static void Migrate(NatGatewayDbContext db, string path)
    {
        try
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            db.Database.OpenConnection();
            try
            {
                var connection = (SqliteConnection)db.Database.GetDbConnection();
                // The migrations call natgw's SQL functions, whatever options the caller's context was made with.
                DocumentSqlFunctions.Register(connection);
                // Full syncs while the file may still use the rollback journal (a new file, before the switch below).
                SqliteDurability.Apply(connection, full: true);
                // A truncated or overwritten file may open fine and fail only when a missing page is read.
                var check = Scalar(connection, "PRAGMA quick_check(1)");
                if (check != "ok") throw new DatabaseUnavailableException(path, $"the file is damaged (SQLite quick_check: {check})");
                db.Database.Migrate();
                ProbeWrite(connection);
                var mismatch = SchemaShape.Compare(MigratedShape.Value, SchemaShape.Read(connection));
                if (mismatch is not null)
                    throw new DatabaseUnavailableException(path, $"its schema does not match natgw's migrations: {mismatch}");
                db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
                SqliteDurability.Apply(connection);
            }
            finally
            {
                db.Database.CloseConnection();
            }
        }
        catch (SqliteException e)
        {
            throw new DatabaseUnavailableException(path, e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatabaseUnavailableException(path, e.Message, e);
        }
    }

    /// <summary>Starts a write and rolls it back: a read-only file or directory fails here, not at the first apply.</summary>
    private static void ProbeWrite(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "CREATE TABLE natgw_write_probe (x INTEGER)";
        command.ExecuteNonQuery();
        transaction.Rollback();
    }

    private static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }

    private static SortedSet<string> ReadMigratedShape()
    {
        using var scratch = new SqliteConnection("Data Source=:memory:");
        scratch.Open();
        DocumentSqlFunctions.Register(scratch); // opened here, so the interceptor never sees it
        var options = new DbContextOptionsBuilder<NatGatewayDbContext>()
            .UseSqlite(scratch, o => o.MigrationsAssembly(MigrationsAssembly)).Options;
        using (var db = new NatGatewayDbContext(options)) db.Database.Migrate();
        return SchemaShape.Read(scratch);
    }
}
