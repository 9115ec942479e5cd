namespace NatGateway.Data.Entities;

/// <summary>A local account that signs in to the web UI.</summary>
public sealed class UserAccount
{
    public long Id { get; set; }
    /// <summary>Unique ignoring case.</summary>
    public required string Name { get; set; }
    /// <summary>ASP.NET Core Identity's <c>PasswordHasher</c> format (PBKDF2-HMAC-SHA512, salted).</summary>
    public required string PasswordHash { get; set; }
    public Role Role { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastLoginAt { get; set; }
    /// <summary>Consecutive failed sign-ins since the last success; reset by a success.</summary>
    public int FailedLogins { get; set; }
    /// <summary>Sign-in refused until then after repeated failures.</summary>
    public DateTimeOffset? LockedUntil { get; set; }
    /// <summary>Base32 TOTP secret once the second factor is enrolled; null without one.</summary>
    public string? TotpSecret { get; set; }
    /// <summary>Hashes of the unused recovery codes (JSON array); null without a second factor.</summary>
    public string? RecoveryCodes { get; set; }
    /// <summary>Changes whenever the password, role or second factor changes: cookies issued before then stop working.</summary>
    public required string SecurityStamp { get; set; }
}
