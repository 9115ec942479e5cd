using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Access;

/// <summary>How a password sign-in ended. Failed and LockedOut look the same to the person signing in.</summary>
public enum SignInStatus { Succeeded, NeedsSecondFactor, Failed, LockedOut }

public sealed record SignInResult(SignInStatus Status, UserAccount? User);

/// <summary>
/// Local accounts: create, find, sign in (with lockout and the optional TOTP second factor), and the changes
/// admins and users make. Passwords are hashed with Identity's <see cref="PasswordHasher{TUser}"/>.
/// </summary>
public sealed class UserService(IDbContextFactory<NatGatewayDbContext> dbFactory, AuditLog audit, TimeProvider clock)
{
    public const int MaxFailedLogins = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    private static readonly PasswordHasher<UserAccount> Hasher = new();
    /// <summary>Checked against when the name is unknown, so an unknown name costs as much time as a wrong password.</summary>
    private static readonly string DummyHash = Hasher.HashPassword(new UserAccount { Name = "-", PasswordHash = "", SecurityStamp = "" }, "not a password");

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

    public async Task<IReadOnlyList<UserAccount>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var users = await db.Users.AsNoTracking().ToListAsync(ct);
        return users.OrderBy(u => u.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    public bool IsLocked(UserAccount user) => user.LockedUntil is { } until && until > clock.GetUtcNow();

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

    /// <summary>
    /// The first sign-in step. A locked account is refused without checking the password; the fifth consecutive
    /// failure locks it for <see cref="LockoutDuration"/>. With a second factor the sign-in is not complete yet.
    /// </summary>
    public async Task<SignInResult> PasswordSignInAsync(string name, string password, string? address, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Name == name, ct);
        if (user is null)
        {
            Hasher.VerifyHashedPassword(null!, DummyHash, password);
            await audit.RecordAsync(name, address, "login", AuditResult.Failed, "unknown name", ct);
            return new SignInResult(SignInStatus.Failed, null);
        }
        if (IsLocked(user))
        {
            await audit.RecordAsync(user.Name, address, "login", AuditResult.Failed, "account locked", ct);
            return new SignInResult(SignInStatus.LockedOut, null);
        }
        if (!await CheckPasswordAsync(user, password, ct))
            return await FailAsync(db, user, address, "wrong password", ct);
        if (user.TotpSecret is not null)
            return new SignInResult(SignInStatus.NeedsSecondFactor, user);
        await SucceedAsync(db, user, address, "password", ct);
        return new SignInResult(SignInStatus.Succeeded, user);
    }

    /// <summary>
    /// The second step: a TOTP code or an unused recovery code (which is then used up). Failures count toward the lockout.
    /// <paramref name="stamp"/> is the security stamp seen at the first step: a change since then voids the pending sign-in.
    /// </summary>
    public async Task<SignInResult> SecondFactorSignInAsync(long userId, string stamp, string code, string? address, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null || user.SecurityStamp != stamp || user.TotpSecret is null) return new SignInResult(SignInStatus.Failed, null);
        if (IsLocked(user))
        {
            await audit.RecordAsync(user.Name, address, "login", AuditResult.Failed, "account locked", ct);
            return new SignInResult(SignInStatus.LockedOut, null);
        }
        if (Totp.Verify(user.TotpSecret, code, clock.GetUtcNow()))
        {
            await SucceedAsync(db, user, address, "password and TOTP", ct);
            return new SignInResult(SignInStatus.Succeeded, user);
        }
        if (RecoveryCodes.TryUse(user.RecoveryCodes, code, out var remaining))
        {
            user.RecoveryCodes = remaining;
            await SucceedAsync(db, user, address, "password and recovery code", ct);
            return new SignInResult(SignInStatus.Succeeded, user);
        }
        return await FailAsync(db, user, address, "wrong second factor code", ct);
    }

    private async Task<SignInResult> FailAsync(NatGatewayDbContext db, UserAccount user, string? address, string why, CancellationToken ct)
    {
        user.FailedLogins++;
        var locked = user.FailedLogins >= MaxFailedLogins;
        if (locked)
        {
            user.LockedUntil = clock.GetUtcNow() + LockoutDuration;
            user.FailedLogins = 0;
        }
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(user.Name, address, "login", AuditResult.Failed, locked ? $"{why}; locked for {LockoutDuration.TotalMinutes:0} min" : why, ct);
        return new SignInResult(locked ? SignInStatus.LockedOut : SignInStatus.Failed, null);
    }

    private async Task SucceedAsync(NatGatewayDbContext db, UserAccount user, string? address, string how, CancellationToken ct)
    {
        user.FailedLogins = 0;
        user.LockedUntil = null;
        user.LastLoginAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(user.Name, address, "login", AuditResult.Succeeded, how, ct);
    }

    /// <summary>A user changes their own password: the old one is required. New security stamp (other sessions end).</summary>
    public async Task ChangePasswordAsync(long userId, string oldPassword, string newPassword, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw new AccessException("user", "The account no longer exists.");
        if (Hasher.VerifyHashedPassword(user, user.PasswordHash, oldPassword) == PasswordVerificationResult.Failed)
        {
            await audit.RecordAsync(user.Name, null, "user.passwd", AuditResult.Failed, "wrong current password", ct);
            throw new AccessException("oldPassword", "The current password is wrong.");
        }
        if (AccountNames.ValidatePassword(newPassword) is { } error) throw new AccessException("newPassword", error);
        user.PasswordHash = Hasher.HashPassword(user, newPassword);
        user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(user.Name, null, "user.passwd", AuditResult.Succeeded, user.Name, ct);
    }

    /// <summary>An admin (or root on the console) sets a password; also lifts a lockout.</summary>
    public async Task SetPasswordAsync(string name, string password, string actor, CancellationToken ct = default)
    {
        if (AccountNames.ValidatePassword(password) is { } error) throw new AccessException("password", error);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await RequireAsync(db, name, ct);
        user.PasswordHash = Hasher.HashPassword(user, password);
        user.SecurityStamp = NewStamp();
        user.FailedLogins = 0;
        user.LockedUntil = null;
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(actor, null, "user.passwd", AuditResult.Succeeded, name, ct);
    }

    /// <summary>Changes a role; the last admin cannot be demoted (nobody could manage users any more).</summary>
    public async Task SetRoleAsync(string name, Role role, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await RequireAsync(db, name, ct);
        if (user.Role == role) return;
        if (user.Role == Role.Admin && await db.Users.CountAsync(u => u.Role == Role.Admin, ct) <= 1)
            throw new AccessException("role", "This is the last admin: make another user admin first.");
        var old = user.Role;
        user.Role = role;
        user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(actor, null, "user.role", AuditResult.Succeeded, $"{name}: {old.Name()} → {role.Name()}", ct);
    }

    /// <summary>Removes an account; never the last admin.</summary>
    public async Task RemoveAsync(string name, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await RequireAsync(db, name, ct);
        if (user.Role == Role.Admin && await db.Users.CountAsync(u => u.Role == Role.Admin, ct) <= 1)
            throw new AccessException("name", "This is the last admin: it cannot be removed.");
        db.Users.Remove(user);
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(actor, null, "user.remove", AuditResult.Succeeded, name, ct);
    }

    public async Task UnlockAsync(string name, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await RequireAsync(db, name, ct);
        user.LockedUntil = null;
        user.FailedLogins = 0;
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(actor, null, "user.unlock", AuditResult.Succeeded, name, ct);
    }

    /// <summary>
    /// Turns the second factor on once <paramref name="code"/> proves the authenticator holds <paramref name="secret"/>
    /// (from <see cref="Totp.NewSecret"/>). Returns the recovery codes, shown once; only their hashes are kept.
    /// </summary>
    public async Task<IReadOnlyList<string>> EnableTotpAsync(long userId, string secret, string code, CancellationToken ct = default)
    {
        if (!Totp.Verify(secret, code, clock.GetUtcNow())) throw new AccessException("code", "The code does not match; check the authenticator's clock and try the next code.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw new AccessException("user", "The account no longer exists.");
        var (codes, stored) = RecoveryCodes.Generate();
        user.TotpSecret = secret;
        user.RecoveryCodes = stored;
        user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(user.Name, null, "user.totp.enable", AuditResult.Succeeded, user.Name, ct);
        return codes;
    }

    /// <summary>Turns the second factor off; needs the account's password.</summary>
    public async Task DisableTotpAsync(long userId, string password, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw new AccessException("user", "The account no longer exists.");
        if (Hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            await audit.RecordAsync(user.Name, null, "user.totp.disable", AuditResult.Failed, "wrong password", ct);
            throw new AccessException("password", "The password is wrong.");
        }
        user.TotpSecret = null;
        user.RecoveryCodes = null;
        user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(user.Name, null, "user.totp.disable", AuditResult.Succeeded, user.Name, ct);
    }

    private static async Task<UserAccount> RequireAsync(NatGatewayDbContext db, string name, CancellationToken ct) =>
        await db.Users.FirstOrDefaultAsync(u => u.Name == name, ct) ?? throw new AccessException("name", $"There is no user named '{name}'.");

    public static string NewStamp() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
