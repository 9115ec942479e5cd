namespace NatGateway.Data.Entities;

/// <summary>
/// A bearer token for scripts and CI. The secret is shown once at creation; only its SHA-256 is kept
/// (the secret is 256 random bits, so a fast hash is enough). <see cref="Prefix"/> is the public part that finds the row.
/// </summary>
public sealed class ApiToken
{
    public long Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The token's public lookup part (the text between "natgw_" and the second "_").</summary>
    public required string Prefix { get; set; }
    /// <summary>Lower-case hex SHA-256 of the whole token text.</summary>
    public required string SecretHash { get; set; }
    public Role Role { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? CreatedBy { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public string? LastUsedFrom { get; set; }
}
