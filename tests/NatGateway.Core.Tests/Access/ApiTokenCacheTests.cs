using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using Xunit;

namespace NatGateway.Core.Tests.Access;

/// <summary>
/// The in-memory cache behind <see cref="ApiTokenService.AuthenticateAsync"/>: repeated calls answer without a query,
/// and a revoke or expiry is seen by the very next call, whether written by this service, by another connection (the
/// CLI's process, a test editing the file) or by the clock passing the expiry.
/// </summary>
public sealed class ApiTokenCacheTests : IDisposable
{
    private const string From = "10.0.0.7";
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-tokens-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ApiTokenService _tokens;

    public ApiTokenCacheTests()
    {
        var db = new TestDbFactory(DatabasePath);
        _tokens = new ApiTokenService(db, new AuditLog(db, _clock, NullLogger<AuditLog>.Instance), _clock);
    }

    private string DatabasePath => Path.Combine(_dir, "t.db");

    [Fact]
    public async Task Repeated_calls_answer_from_memory_until_a_minute_later_the_last_use_is_recorded_again()
    {
        var created = await _tokens.CreateAsync("ci", Role.Operator, null, "test");
        Assert.NotNull(await _tokens.AuthenticateAsync(created.Secret, From));
        Assert.NotNull(await _tokens.AuthenticateAsync(created.Secret, From)); // re-read once: the first call wrote its last use
        var lookups = _tokens.DatabaseLookups;
        for (var i = 0; i < 20; i++)
            Assert.Equal(created.Token.Id, (await _tokens.AuthenticateAsync(created.Secret, From))!.Id);
        Assert.Equal(lookups, _tokens.DatabaseLookups);

        // A new address, or a minute later: the last use is written again (through the database).
        Assert.NotNull(await _tokens.AuthenticateAsync(created.Secret, "10.0.0.8"));
        Assert.True(_tokens.DatabaseLookups > lookups);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(await _tokens.AuthenticateAsync(created.Secret, "10.0.0.8"));
        Assert.Equal(_clock.GetUtcNow(), (await _tokens.FindAsync("ci"))!.LastUsedAt);

        // A wrong secret with a right prefix is never answered from the cache.
        Assert.Null(await _tokens.AuthenticateAsync(created.Secret[..^2] + "xx", From));
    }

    [Fact]
    public async Task A_revoke_through_the_service_is_refused_at_once()
    {
        var created = await WarmAsync("svc");
        Assert.True(await _tokens.RevokeAsync(created.Token.Id, "test"));
        Assert.Null(await _tokens.AuthenticateAsync(created.Secret, From));
    }

    [Fact]
    public async Task A_revoke_or_expiry_written_by_another_connection_is_refused_by_the_next_call()
    {
        var revoked = await WarmAsync("cli");
        var aged = await WarmAsync("aged");
        var kept = await WarmAsync("kept");

        // What `natgw token revoke` in its own process does: a commit on another connection.
        Execute($"UPDATE ApiTokens SET RevokedAt = '{_clock.GetUtcNow():yyyy-MM-dd HH:mm:ss}+00:00' WHERE Id = {revoked.Token.Id}");
        Assert.Null(await _tokens.AuthenticateAsync(revoked.Secret, From));

        Execute($"UPDATE ApiTokens SET ExpiresAt = '{_clock.GetUtcNow().AddMinutes(-1):yyyy-MM-dd HH:mm:ss}+00:00' WHERE Id = {aged.Token.Id}");
        Assert.Null(await _tokens.AuthenticateAsync(aged.Secret, From));

        Assert.NotNull(await _tokens.AuthenticateAsync(kept.Secret, From));
    }

    [Fact]
    public async Task A_cached_token_is_refused_once_the_clock_passes_its_expiry()
    {
        var created = await _tokens.CreateAsync("short", Role.Viewer, _clock.GetUtcNow().AddSeconds(20), "test");
        Assert.NotNull(await _tokens.AuthenticateAsync(created.Secret, From));
        Assert.NotNull(await _tokens.AuthenticateAsync(created.Secret, From));
        var lookups = _tokens.DatabaseLookups;
        _clock.Advance(TimeSpan.FromSeconds(19));
        Assert.NotNull(await _tokens.AuthenticateAsync(created.Secret, From));
        Assert.Equal(lookups, _tokens.DatabaseLookups); // still from memory
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await _tokens.AuthenticateAsync(created.Secret, From));
    }

    /// <summary>A token that authenticated twice (the second call caches it with a settled stamp).</summary>
    private async Task<ApiTokenService.Created> WarmAsync(string name)
    {
        var created = await _tokens.CreateAsync(name, Role.Operator, null, "test");
        Assert.NotNull(await _tokens.AuthenticateAsync(created.Secret, From));
        Assert.NotNull(await _tokens.AuthenticateAsync(created.Secret, From));
        var lookups = _tokens.DatabaseLookups;
        Assert.NotNull(await _tokens.AuthenticateAsync(created.Secret, From));
        Assert.Equal(lookups, _tokens.DatabaseLookups);
        return created;
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    public void Dispose()
    {
        _tokens.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
