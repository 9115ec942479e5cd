using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace NatGateway.Data;

/// <summary>Where the database lives and how it is opened: one place so the web host, CLI and tests agree.</summary>
public static class DatabaseSetup
{
    public const string MigrationsAssembly = "NatGateway.Migrations";

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

    public static void Configure(DbContextOptionsBuilder options, string path) =>
        options.UseSqlite(ConnectionString(path), o => o.MigrationsAssembly(MigrationsAssembly));

    /// <summary>Creates the directory, applies pending migrations and switches the file to WAL (kept across opens).</summary>
    public static void Migrate(NatGatewayDbContext db, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        db.Database.Migrate();
        db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
    }
}
