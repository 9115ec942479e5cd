using System.Security.Cryptography;
using System.Text;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;

namespace NatGateway.Web.Access;

/// <summary>
/// No default password: when natgw starts with no account, it prints one line with a one-time link to /setup, where
/// the first admin is created. The token lives in memory only, and dies once used or once any account exists
/// (e.g. made with <c>natgw user add</c>); a restart with accounts prints nothing.
/// </summary>
public sealed class FirstRunSetup(UserService users, AuditLog audit, ILogger<FirstRunSetup> logger, string urls) : IHostedService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _tokenHash;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await users.AnyAsync(cancellationToken)) return;
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _tokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        var baseUrl = urls.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()?.TrimEnd('/') ?? "";
        logger.LogWarning("No account exists yet: create the first admin at {Url} (works once; or run `natgw user add NAME --role admin`)",
            $"{baseUrl}/setup?token={token}");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>True while the setup link may still be used (no account yet and the token unused).</summary>
    public async Task<bool> IsOpenAsync(CancellationToken ct = default)
    {
        if (Volatile.Read(ref _tokenHash) is null) return false;
        if (!await users.AnyAsync(ct)) return true;
        Volatile.Write(ref _tokenHash, null);
        return false;
    }

    /// <summary>
    /// Creates the first admin when <paramref name="token"/> is the setup token (compared in constant time) and no
    /// account exists; the token is then spent. A wrong token is refused and audited; input errors keep it usable.
    /// </summary>
    public async Task<UserAccount> CreateFirstAdminAsync(string? token, string name, string password, string? address, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var expected = Volatile.Read(ref _tokenHash);
            var given = SHA256.HashData(Encoding.UTF8.GetBytes(token ?? ""));
            if (expected is null || !CryptographicOperations.FixedTimeEquals(expected, given) || await users.AnyAsync(ct))
            {
                await audit.RecordAsync("anonymous", address, "setup", AuditResult.Failed, expected is null ? "setup closed" : "wrong setup token", ct);
                throw new AccessException("token", "This setup link is not valid (any more). Use `natgw user add NAME --role admin` on the console.");
            }
            var user = await users.CreateAsync(name, password, Role.Admin, "setup", ct);
            Volatile.Write(ref _tokenHash, null);
            await audit.RecordAsync(name, address, "setup", AuditResult.Succeeded, $"first admin {name}", ct);
            return user;
        }
        finally
        {
            _gate.Release();
        }
    }
}
