using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using Xunit;

namespace NatGateway.Core.Tests.Access;

/// <summary>The audit log's query (filters, newest first, pages) and its retention (at start, then daily).</summary>
public sealed class AuditLogTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-audit-").FullName;
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly AuditLog _audit;

    public AuditLogTests() => _audit = new AuditLog(new TestDbFactory(Path.Combine(_dir, "t.db")), _clock, NullLogger<AuditLog>.Instance);

    [Fact]
    public async Task A_query_filters_by_actor_action_result_and_time_and_pages_newest_first()
    {
        for (var i = 0; i < 7; i++)
        {
            await _audit.RecordAsync(i % 2 == 0 ? "alice" : "token ci", "10.0.0.5", $"POST /api/v1/rules/apply", AuditResult.Succeeded, $"n{i}");
            _clock.Advance(TimeSpan.FromMinutes(1));
        }
        await _audit.RecordAsync("anonymous", "10.0.0.9", "PUT /api/v1/settings", AuditResult.Denied, "status 401");

        var all = await _audit.QueryAsync(new AuditQuery { PageSize = 3 });
        Assert.Equal((8, 3), (all.TotalCount, all.PageCount));
        Assert.Equal(["status 401", "n6", "n5"], all.Items.Select(e => e.Detail));
        var last = await _audit.QueryAsync(new AuditQuery { PageSize = 3, Page = 3 });
        Assert.Equal(["n1", "n0"], last.Items.Select(e => e.Detail));

        Assert.Equal(3, (await _audit.QueryAsync(new AuditQuery { Actor = "token" })).TotalCount);
        Assert.Equal(7, (await _audit.QueryAsync(new AuditQuery { Action = "rules/apply" })).TotalCount);
        Assert.Equal("anonymous", Assert.Single((await _audit.QueryAsync(new AuditQuery { Result = AuditResult.Denied })).Items).Actor);
        var window = await _audit.QueryAsync(new AuditQuery { From = Start.AddMinutes(2), To = Start.AddMinutes(4) });
        Assert.Equal(["n4", "n3", "n2"], window.Items.Select(e => e.Detail));
        Assert.Equal(0, (await _audit.QueryAsync(new AuditQuery { Actor = "alice", Result = AuditResult.Denied })).TotalCount);
    }

    [Fact]
    public async Task Retention_prunes_entries_older_than_the_limit_at_start_and_then_daily()
    {
        await _audit.RecordAsync("alice", null, "old", AuditResult.Succeeded);
        _clock.Advance(TimeSpan.FromDays(366));
        await _audit.RecordAsync("alice", null, "recent", AuditResult.Succeeded);
        using var retention = new AuditRetention(_audit, new AuditRetentionOptions { Keep = TimeSpan.FromDays(365) }, _clock,
            NullLogger<AuditRetention>.Instance);

        await retention.StartAsync(CancellationToken.None);
        await WaitForActionsAsync(["recent"]);

        // 300 days on, "recent" is still kept; 66 days later it is 366 days old and the daily pass removes it.
        _clock.Advance(TimeSpan.FromDays(300));
        await _audit.RecordAsync("alice", null, "newer", AuditResult.Succeeded);
        _clock.Advance(TimeSpan.FromDays(66));
        await WaitForActionsAsync(["newer"]);
        await retention.StopAsync(CancellationToken.None);
    }

    private async Task WaitForActionsAsync(string[] expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IEnumerable<string> actions = [];
        while (DateTime.UtcNow < deadline)
        {
            actions = (await _audit.QueryAsync(new AuditQuery())).Items.Select(e => e.Action).ToList();
            if (actions.SequenceEqual(expected)) return;
            await Task.Delay(20);
        }
        Assert.Equal(expected, actions);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
