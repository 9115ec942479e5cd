using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Cluster;

/// <summary>Whether the peers' shared secret is set, and when and by whom: what the API and the page may show of it.</summary>
public sealed record ClusterSecretInfo(bool IsSet, DateTimeOffset? SetAt, string? SetBy);

/// <summary>
/// The peers' shared secret (the configuration sync's HMAC-SHA256 key), in a table of its own (<see cref="ClusterSecret"/>):
/// never in a revision, a diff, an export or an API answer. Set through <c>PUT /api/v1/cluster/secret</c> or
/// <c>natgw ha secret set|generate</c>; at least <see cref="MinimumBytes"/> bytes (RFC 2104 §3: a key shorter than the
/// hash output weakens the MAC; SHA-256's is 32 bytes).
/// </summary>
public sealed class ClusterSecretStore(IDbContextFactory<NatGatewayDbContext> dbFactory, TimeProvider clock)
{
    public const int MinimumBytes = 32;
    public const int MaximumBytes = 1024;

    /// <summary>Raised with the new secret's bytes after <see cref="SetAsync"/> stored it (the sync signs with it from then on).</summary>
    public event Action<byte[]>? Changed;

    /// <summary>Why <paramref name="secret"/> cannot be the secret, or null.</summary>
    public static string? Problem(string? secret)
    {
        if (string.IsNullOrEmpty(secret)) return "is required";
        var bytes = Encoding.UTF8.GetByteCount(secret);
        if (bytes < MinimumBytes) return $"must be at least {MinimumBytes} bytes (UTF-8); it has {bytes}. Use a generated one (natgw ha secret generate)";
        if (bytes > MaximumBytes) return $"must be at most {MaximumBytes} bytes";
        if (secret.Any(char.IsControl)) return "must not contain control characters";
        return null;
    }

    /// <summary>32 random bytes as base64url text (43 characters): what <c>natgw ha secret generate</c> prints once.</summary>
    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinimumBytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async Task<ClusterSecretInfo> InfoAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.ClusterSecrets.AsNoTracking().Where(s => s.Id == ClusterSecret.SingleId)
            .Select(s => new { s.SetAt, s.SetBy }).FirstOrDefaultAsync(ct);
        return row is null ? new ClusterSecretInfo(false, null, null) : new ClusterSecretInfo(true, row.SetAt, row.SetBy);
    }

    /// <summary>The secret's bytes for the sync's HMAC (ha-sync), or null when none is set.</summary>
    public async Task<byte[]?> ReadAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ClusterSecrets.AsNoTracking().Where(s => s.Id == ClusterSecret.SingleId).Select(s => s.Secret).FirstOrDefaultAsync(ct);
    }

    /// <summary>Replaces the secret; throws <see cref="ArgumentException"/> with <see cref="Problem"/>'s reason.</summary>
    public async Task SetAsync(string secret, string? actor, CancellationToken ct = default)
    {
        if (Problem(secret) is { } problem) throw new ArgumentException($"secret {problem}", nameof(secret));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.ClusterSecrets.FirstOrDefaultAsync(s => s.Id == ClusterSecret.SingleId, ct);
        if (row is null) db.ClusterSecrets.Add(row = new ClusterSecret { Id = ClusterSecret.SingleId, Secret = [] });
        row.Secret = Encoding.UTF8.GetBytes(secret);
        row.SetAt = clock.GetUtcNow();
        row.SetBy = TextLimits.Actor(actor);
        await db.SaveChangesAsync(ct);
        Changed?.Invoke(row.Secret);
    }
}
