using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Core.Access;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.TestSupport;

/// <summary>
/// Accounts and API tokens written into a natgw database before (or while) natgw runs, with the app's own
/// services: tests sign in the way operators do, with no test-only door in the app.
/// </summary>
public static class TestAccounts
{
    public const string AdminName = "admin";
    public const string AdminPassword = "lab admin password";

    /// <summary>Migrates the database at <paramref name="databasePath"/> and makes sure the admin account exists.</summary>
    public static async Task EnsureAdminAsync(string databasePath)
    {
        DatabaseSetup.Migrate(databasePath);
        var users = new UserService(Factory(databasePath), Audit(databasePath), TimeProvider.System);
        if (await users.FindAsync(AdminName) is null)
            await users.CreateAsync(AdminName, AdminPassword, Role.Admin, "test setup");
    }

    /// <summary>Creates a user with <paramref name="role"/> (password <see cref="AdminPassword"/>).</summary>
    public static Task<UserAccount> CreateUserAsync(string databasePath, string name, Role role) =>
        new UserService(Factory(databasePath), Audit(databasePath), TimeProvider.System).CreateAsync(name, AdminPassword, role, "test setup");

    /// <summary>A new API token's secret.</summary>
    public static async Task<string> CreateTokenAsync(string databasePath, Role role, string name, DateTimeOffset? expiresAt = null)
    {
        var tokens = new ApiTokenService(Factory(databasePath), Audit(databasePath), TimeProvider.System);
        return (await tokens.CreateAsync(name, role, expiresAt, "test setup")).Secret;
    }

    private static AuditLog Audit(string databasePath) => new(Factory(databasePath), TimeProvider.System, NullLogger<AuditLog>.Instance);

    private static IDbContextFactory<NatGatewayDbContext> Factory(string databasePath)
    {
        var options = new DbContextOptionsBuilder<NatGatewayDbContext>();
        DatabaseSetup.Configure(options, databasePath);
        return new PooledDbContextFactory<NatGatewayDbContext>(options.Options);
    }
}
