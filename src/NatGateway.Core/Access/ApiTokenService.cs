using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Access;

/// <summary>
/// API tokens: <c>natgw_PREFIX_SECRET</c>. The prefix finds the row; the SHA-256 of the whole text must match.
/// The text is shown once, at creation.
/// <para>
/// Tokens that authenticated are kept in memory, keyed by the hash of their text, together with the database's
/// <see cref="DatabaseChangeStamp"/> read before the row: a request answers from memory (no query, ~1 ms less per API
/// call) only while no connection has committed since, so a revoke or an expiry written by the CLI, another process or
/// this one is seen by the very next request. Expiry is checked against the clock on every request. When some
/// connection did commit (most often this process's own audit entry or rule write: every POST commits), the token's
/// row alone is read again as its stored text (<see cref="RowFingerprintAsync"/>): unchanged, the cached token stands;
/// changed in any way (revoked, expiry, secret, role), the token is looked up again as on a first use.
/// </para>
/// </summary>
public sealed class ApiTokenService(IDbContextFactory<NatGatewayDbContext> dbFactory, AuditLog audit, TimeProvider clock) : IDisposable
{
    private const string Scheme = "natgw_";
    /// <summary>Last use is written at most this often per token: a busy script must not turn every GET into a write.</summary>
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);
    /// <summary>A cached token is read again after this long even when the stamp did not move (belt and braces).</summary>
    internal static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(30);

    private readonly DatabaseChangeStamp _changes = new(dbFactory);
    private readonly ConcurrentDictionary<string, CachedToken> _cache = new(StringComparer.Ordinal);

    private sealed record CachedToken(ApiToken Token, long Stamp, DateTimeOffset CachedAt, string Fingerprint);

    /// <summary>How many authentications read the database (the rest answered from the cache); for tests.</summary>
    internal int DatabaseLookups => _databaseLookups;
    private int _databaseLookups;

    public sealed record Created(ApiToken Token, string Secret);

    public async Task<Created> CreateAsync(string name, Role role, DateTimeOffset? expiresAt, string actor, CancellationToken ct = default)
    {
        if (AccountNames.ValidateName(name) is { } nameError) throw new AccessException("name", nameError);
        if (expiresAt is { } e && e <= clock.GetUtcNow()) throw new AccessException("expires", "The expiry is in the past.");
        // Names are how people revoke (`natgw token revoke ci`): one live token per name.
        await using (var check = await dbFactory.CreateDbContextAsync(ct))
            if (await check.ApiTokens.AnyAsync(t => t.Name == name && t.RevokedAt == null, ct))
                throw new AccessException("name", $"A token named {name} exists already; revoke it first or pick another name.");
        var prefix = Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var secret = $"{Scheme}{prefix}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        var token = new ApiToken
        {
            Name = name, Prefix = prefix, SecretHash = Hash(secret), Role = role, CreatedAt = clock.GetUtcNow(),
            CreatedBy = actor, ExpiresAt = expiresAt,
        };
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.ApiTokens.Add(token);
            await db.SaveChangesAsync(ct);
        }
        await audit.RecordAsync(actor, null, "token.create", AuditResult.Succeeded, $"{name} ({role.Name()})", ct);
        return new Created(token, secret);
    }

    /// <summary>The token <paramref name="secret"/> names when it is valid (known, not revoked, not expired); else null.</summary>
    public async Task<ApiToken?> AuthenticateAsync(string secret, string? remoteAddress, CancellationToken ct = default)
    {
        if (!secret.StartsWith(Scheme, StringComparison.Ordinal) || secret.Length > 128) return null;
        var rest = secret.AsSpan(Scheme.Length);
        var underscore = rest.IndexOf('_');
        if (underscore <= 0) return null;
        var prefix = rest[..underscore].ToString();
        var hash = Hash(secret);
        // Read before the row: a commit after this point changes the stamp and the entry made below is never used.
        var stamp = _changes.Current();
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached))
        {
            if (now - cached.CachedAt < CacheLifetime && !NeedsUseRecord(cached.Token, now, remoteAddress))
            {
                var current = cached.Stamp == stamp ? cached
                    : await RowFingerprintAsync(cached.Token.Id, ct) == cached.Fingerprint ? cached with { Stamp = stamp } : null;
                if (current is not null)
                {
                    if (StateOf(current.Token, now) != ApiTokenState.Active)
                    {
                        _cache.TryRemove(hash, out _);
                        return null;
                    }
                    if (!ReferenceEquals(current, cached)) _cache.TryUpdate(hash, current, cached);
                    return current.Token;
                }
            }
            _cache.TryRemove(hash, out _);
        }
        Interlocked.Increment(ref _databaseLookups);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tokenId = await db.ApiTokens.Where(t => t.Prefix == prefix).Select(t => (long?)t.Id).FirstOrDefaultAsync(ct);
        if (tokenId is null) return null;
        // The row's stored text before the row itself: a change committed between the two reads leaves a fingerprint
        // older than the token, so the next check reads the token again; never a fingerprint newer than the token cached.
        var fingerprint = await RowFingerprintAsync(tokenId.Value, ct);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId, ct);
        if (token is null) return null;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hash), Encoding.ASCII.GetBytes(token.SecretHash)))
            return null;
        if (token.RevokedAt is not null || token.ExpiresAt is { } exp && exp <= now) return null;
        if (NeedsUseRecord(token, now, remoteAddress))
        {
            token.LastUsedAt = now;
            token.LastUsedFrom = remoteAddress;
            await db.SaveChangesAsync(ct);
            // Same throttle as last use: one "token.use" entry per token per minute (or per new address).
            await audit.RecordAsync($"token {token.Name}", remoteAddress, "token.use", AuditResult.Succeeded, token.Role.Name(), ct);
        }
        _cache[hash] = new CachedToken(token, stamp, now, fingerprint);
        return token;
    }

    /// <summary>
    /// The stored text of everything that decides whether a token is accepted (revoked, expiry, secret hash, role,
    /// prefix), read raw with one small query: far cheaper than materializing the row, and any write to those columns
    /// (this service, the CLI, a hand edit) changes it.
    /// </summary>
    private async Task<string> RowFingerprintAsync(long id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = """
            SELECT quote("RevokedAt") || '|' || quote("ExpiresAt") || '|' || quote("SecretHash") || '|' || quote("Role") || '|' || quote("Prefix")
            FROM "ApiTokens" WHERE "Id" = $id
            """;
        var p = command.CreateParameter();
        p.ParameterName = "$id";
        p.Value = id;
        command.Parameters.Add(p);
        return await command.ExecuteScalarAsync(ct) as string ?? "";
    }

    private static bool NeedsUseRecord(ApiToken token, DateTimeOffset now, string? remoteAddress) =>
        token.LastUsedAt is not { } last || now - last >= LastUseResolution || token.LastUsedFrom != remoteAddress;

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiTokens.AsNoTracking().OrderBy(t => t.Id).ToListAsync(ct);
    }

    /// <summary>
    /// The token <paramref name="idOrName"/> names: a number is an id, anything else the name of a token that is not
    /// revoked (names are unique among those). Null when there is none.
    /// </summary>
    public async Task<ApiToken?> FindAsync(string idOrName, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (long.TryParse(idOrName, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
            return await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
        return await db.ApiTokens.AsNoTracking().Where(t => t.Name == idOrName && t.RevokedAt == null).OrderByDescending(t => t.Id).FirstOrDefaultAsync(ct);
    }

    /// <summary>The state of <paramref name="token"/> at <paramref name="now"/>.</summary>
    public static ApiTokenState StateOf(ApiToken token, DateTimeOffset now) =>
        token.RevokedAt is not null ? ApiTokenState.Revoked
        : token.ExpiresAt is { } e && e <= now ? ApiTokenState.Expired
        : ApiTokenState.Active;

    /// <summary>Revokes a token; false when there is no such token or it was revoked already.</summary>
    public async Task<bool> RevokeAsync(long id, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id, ct);
        if (token is null || token.RevokedAt is not null) return false;
        token.RevokedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        _cache.TryRemove(token.SecretHash, out _); // the stamp moved too; this is the plain statement of it
        await audit.RecordAsync(actor, null, "token.revoke", AuditResult.Succeeded, token.Name, ct);
        return true;
    }

    public void Dispose() => _changes.Dispose();

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret))).ToLowerInvariant();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Whether a token is accepted now.</summary>
public enum ApiTokenState
{
    Active,
    Expired,
    Revoked,
}
