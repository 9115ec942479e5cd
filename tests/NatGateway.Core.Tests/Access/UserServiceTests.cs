using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using Xunit;

namespace NatGateway.Core.Tests.Access;

/// <summary>Sign-in with lockout, the TOTP second factor and recovery codes, on a fake clock and a real SQLite file.</summary>
public sealed class UserServiceTests : IDisposable
{
    private const string Password = "correct horse battery";
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-users-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly TestDbFactory _db;
    private readonly UserService _users;

    public UserServiceTests()
    {
        _db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        _users = new UserService(_db, new AuditLog(_db, _clock, NullLogger<AuditLog>.Instance), _clock);
    }

    [Fact]
    public async Task Five_consecutive_failures_lock_the_account_for_fifteen_minutes()
    {
        await _users.CreateAsync("alice", Password, Role.Operator, "test");
        for (var i = 1; i < UserService.MaxFailedLogins; i++)
            Assert.Equal(SignInStatus.Failed, (await _users.PasswordSignInAsync("alice", "wrong password!", "10.0.0.9")).Status);
        Assert.Equal(SignInStatus.LockedOut, (await _users.PasswordSignInAsync("alice", "wrong password!", "10.0.0.9")).Status);

        // Locked: even the right password is refused, until the lockout expires.
        Assert.Equal(SignInStatus.LockedOut, (await _users.PasswordSignInAsync("alice", Password, null)).Status);
        _clock.Advance(UserService.LockoutDuration - TimeSpan.FromSeconds(1));
        Assert.Equal(SignInStatus.LockedOut, (await _users.PasswordSignInAsync("alice", Password, null)).Status);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var ok = await _users.PasswordSignInAsync("alice", Password, null);
        Assert.Equal(SignInStatus.Succeeded, ok.Status);
        var stored = await _users.FindAsync("alice");
        Assert.Equal(0, stored!.FailedLogins);
        Assert.Null(stored.LockedUntil);
        Assert.Equal(_clock.GetUtcNow(), stored.LastLoginAt);

        await using var db = _db.CreateDbContext();
        var logins = await db.AuditLog.Where(a => a.Action == "login").ToListAsync();
        Assert.Equal(UserService.MaxFailedLogins + 2, logins.Count(a => a.Result == AuditResult.Failed));
        Assert.Single(logins, a => a.Result == AuditResult.Succeeded);
    }

    [Fact]
    public async Task A_success_resets_the_failure_count_so_only_consecutive_failures_lock()
    {
        await _users.CreateAsync("bob", Password, Role.Viewer, "test");
        for (var i = 0; i < UserService.MaxFailedLogins - 1; i++) await _users.PasswordSignInAsync("bob", "nope nope nope", null);
        Assert.Equal(SignInStatus.Succeeded, (await _users.PasswordSignInAsync("bob", Password, null)).Status);
        for (var i = 0; i < UserService.MaxFailedLogins - 1; i++) await _users.PasswordSignInAsync("bob", "nope nope nope", null);
        Assert.Equal(SignInStatus.Succeeded, (await _users.PasswordSignInAsync("bob", Password, null)).Status);
    }

    [Fact]
    public async Task An_unknown_name_fails_like_a_wrong_password()
    {
        Assert.Equal(SignInStatus.Failed, (await _users.PasswordSignInAsync("nobody", Password, null)).Status);
    }

    [Fact]
    public async Task Totp_enrolment_needs_a_valid_code_and_then_sign_in_needs_the_second_step()
    {
        var user = await _users.CreateAsync("carol", Password, Role.Admin, "test");
        var secret = Totp.NewSecret();
        await Assert.ThrowsAsync<AccessException>(() => _users.EnableTotpAsync(user.Id, secret, "000000x"));
        var codes = await _users.EnableTotpAsync(user.Id, secret, Totp.Code(secret, _clock.GetUtcNow()));
        Assert.Equal(RecoveryCodes.Count, codes.Count);
        Assert.NotEqual(user.SecurityStamp, (await _users.FindAsync(user.Id))!.SecurityStamp);

        var first = await _users.PasswordSignInAsync("carol", Password, null);
        Assert.Equal(SignInStatus.NeedsSecondFactor, first.Status);
        var stamp = first.User!.SecurityStamp;
        Assert.Null((await _users.FindAsync(user.Id))!.LastLoginAt);

        // A code from five minutes ago is refused (one step either side is accepted for clock skew).
        var stale = Totp.Code(secret, _clock.GetUtcNow() - TimeSpan.FromMinutes(5));
        if (stale != Totp.Code(secret, _clock.GetUtcNow()))
            Assert.Equal(SignInStatus.Failed, (await _users.SecondFactorSignInAsync(user.Id, stamp, stale, null)).Status);
        _clock.Advance(TimeSpan.FromSeconds(30));
        var skewed = Totp.Code(secret, _clock.GetUtcNow() - TimeSpan.FromSeconds(30));
        Assert.Equal(SignInStatus.Succeeded, (await _users.SecondFactorSignInAsync(user.Id, stamp, skewed, null)).Status);
        Assert.Equal(_clock.GetUtcNow(), (await _users.FindAsync(user.Id))!.LastLoginAt);
    }

    [Fact]
    public async Task Each_recovery_code_works_once()
    {
        var user = await _users.CreateAsync("dave", Password, Role.Operator, "test");
        var secret = Totp.NewSecret();
        var codes = await _users.EnableTotpAsync(user.Id, secret, Totp.Code(secret, _clock.GetUtcNow()));
        var stamp = (await _users.FindAsync(user.Id))!.SecurityStamp;

        Assert.Equal(SignInStatus.Succeeded, (await _users.SecondFactorSignInAsync(user.Id, stamp, codes[3].ToUpperInvariant(), null)).Status);
        Assert.Equal(RecoveryCodes.Count - 1, RecoveryCodes.Remaining((await _users.FindAsync(user.Id))!.RecoveryCodes));
        Assert.Equal(SignInStatus.Failed, (await _users.SecondFactorSignInAsync(user.Id, stamp, codes[3], null)).Status);
        Assert.Equal(SignInStatus.Succeeded, (await _users.SecondFactorSignInAsync(user.Id, stamp, codes[7].Replace("-", ""), null)).Status);
        // Only hashes are stored.
        var stored = (await _users.FindAsync(user.Id))!.RecoveryCodes!;
        Assert.DoesNotContain(codes[0], stored);
    }

    [Fact]
    public async Task Wrong_second_factor_codes_count_toward_the_lockout()
    {
        var user = await _users.CreateAsync("erin", Password, Role.Viewer, "test");
        var secret = Totp.NewSecret();
        await _users.EnableTotpAsync(user.Id, secret, Totp.Code(secret, _clock.GetUtcNow()));
        var stamp = (await _users.FindAsync(user.Id))!.SecurityStamp;
        for (var i = 1; i < UserService.MaxFailedLogins; i++)
            Assert.Equal(SignInStatus.Failed, (await _users.SecondFactorSignInAsync(user.Id, stamp, "zzzzz-zzzzz", null)).Status);
        Assert.Equal(SignInStatus.LockedOut, (await _users.SecondFactorSignInAsync(user.Id, stamp, "zzzzz-zzzzz", null)).Status);
        Assert.Equal(SignInStatus.LockedOut, (await _users.SecondFactorSignInAsync(user.Id, stamp, Totp.Code(secret, _clock.GetUtcNow()), null)).Status);
    }

    [Fact]
    public async Task Disabling_totp_needs_the_password()
    {
        var user = await _users.CreateAsync("frank", Password, Role.Viewer, "test");
        var secret = Totp.NewSecret();
        await _users.EnableTotpAsync(user.Id, secret, Totp.Code(secret, _clock.GetUtcNow()));
        var e = await Assert.ThrowsAsync<AccessException>(() => _users.DisableTotpAsync(user.Id, "not the password"));
        Assert.Equal("password", e.Field);
        await _users.DisableTotpAsync(user.Id, Password);
        Assert.Null((await _users.FindAsync(user.Id))!.TotpSecret);
        Assert.Equal(SignInStatus.Succeeded, (await _users.PasswordSignInAsync("frank", Password, null)).Status);
    }

    [Fact]
    public async Task The_last_admin_can_be_neither_removed_nor_demoted()
    {
        await _users.CreateAsync("root", Password, Role.Admin, "test");
        Assert.Equal("role", (await Assert.ThrowsAsync<AccessException>(() => _users.SetRoleAsync("root", Role.Viewer, "test"))).Field);
        Assert.Equal("name", (await Assert.ThrowsAsync<AccessException>(() => _users.RemoveAsync("root", "test"))).Field);
        await _users.CreateAsync("second", Password, Role.Admin, "test");
        await _users.SetRoleAsync("root", Role.Viewer, "test");
        Assert.Equal(Role.Viewer, (await _users.FindAsync("root"))!.Role);
        await Assert.ThrowsAsync<AccessException>(() => _users.RemoveAsync("second", "test"));
    }

    [Fact]
    public async Task Password_changes_need_the_old_password_and_renew_the_security_stamp()
    {
        var user = await _users.CreateAsync("gina", Password, Role.Viewer, "test");
        Assert.Equal("oldPassword", (await Assert.ThrowsAsync<AccessException>(() => _users.ChangePasswordAsync(user.Id, "wrong wrong wrong", "a new password 1"))).Field);
        Assert.Equal("newPassword", (await Assert.ThrowsAsync<AccessException>(() => _users.ChangePasswordAsync(user.Id, Password, "short"))).Field);
        await _users.ChangePasswordAsync(user.Id, Password, "a new password 1");
        Assert.NotEqual(user.SecurityStamp, (await _users.FindAsync(user.Id))!.SecurityStamp);
        Assert.Equal(SignInStatus.Succeeded, (await _users.PasswordSignInAsync("gina", "a new password 1", null)).Status);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
