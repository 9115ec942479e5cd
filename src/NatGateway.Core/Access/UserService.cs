using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Access;

/// <summary>Local accounts: create, find, and check a password (Identity's <see cref="PasswordHasher{TUser}"/>).</summary>
public sealed class UserService(IDbContextFactory<NatGatewayDbContext> dbFactory, AuditLog audit, TimeProvider clock)
{
    private static readonly PasswordHasher<UserAccount> Hasher = new();

    public async Task<bool> AnyAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.AnyAsync(ct);
    }

    public async Task<UserAccount?> FindAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Name == name, ct);
    }

    public async Task<UserAccount?> FindAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct);
    }

    /// <summary>Creates an account; <see cref="AccessException"/> names the field when the input is refused.</summary>
    public async Task<UserAccount> CreateAsync(string name, string password, Role role, string actor, CancellationToken ct = default)
    {
        if (AccountNames.ValidateName(name) is { } nameError) throw new AccessException("name", nameError);
        if (AccountNames.ValidatePassword(password) is { } passwordError) throw new AccessException("password", passwordError);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Users.AnyAsync(u => u.Name == name, ct)) throw new AccessException("name", $"A user named '{name}' exists.");
        var user = new UserAccount
        {
            Name = name, PasswordHash = "", Role = role, CreatedAt = clock.GetUtcNow(), SecurityStamp = NewStamp(),
        };
        user.PasswordHash = Hasher.HashPassword(user, password);
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(actor, null, "user.add", AuditResult.Succeeded, $"{name} ({role.Name()})", ct);
        return user;
    }

    /// <summary>True when <paramref name="password"/> is the account's password (rehashes an outdated hash format).</summary>
    public async Task<bool> CheckPasswordAsync(UserAccount user, string password, CancellationToken ct = default)
    {
        var result = Hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var stored = await db.Users.FirstAsync(u => u.Id == user.Id, ct);
            stored.PasswordHash = Hasher.HashPassword(stored, password);
            await db.SaveChangesAsync(ct);
        }
        return result != PasswordVerificationResult.Failed;
    }

    public static string NewStamp() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
