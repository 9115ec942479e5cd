using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>Revision retention (count and age) over an in-memory kernel and a fake clock; the paged revision list.</summary>
public sealed class RevisionRetentionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-retention-").FullName;
    private readonly InMemoryKernel _kernel = new("lan0", "wan0");
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly TestDbFactory _db;
    private readonly NatRulesService _rules;
    private readonly KernelSettingsService _settings;

    public RevisionRetentionTests()
    {
        _db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        _rules = new NatRulesService(_kernel, _db, new NatCompileOptions(), _clock);
        _kernel.PersistTo(_dir);
        _settings = new KernelSettingsService(_kernel, _db, _clock);
    }

    private RevisionService Service(int keepCount, int keepDays) =>
        new(_rules, _settings, new RuleFlowService(_kernel, new NatCompileOptions()), _db, _clock, NullLogger<RevisionService>.Instance,
            retention: new RevisionRetention { KeepCount = keepCount, KeepDays = keepDays });

    private async Task<long[]> IdsAsync()
    {
        await using var db = _db.CreateDbContext();
        return await db.Revisions.OrderBy(r => r.Id).Select(r => r.Id).ToArrayAsync();
    }

    private async Task AddForwardAsync(string name, int port)
    {
        var parsed = NatRuleJson.Parse($$"""
            {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "80"}
            """);
        Assert.True((await _rules.CreateAsync(parsed.Rule!, "test")).Saved);
    }

    [Fact]
    public async Task Only_the_newest_N_revisions_are_kept_after_each_apply()
    {
        var revisions = Service(keepCount: 3, keepDays: 365);
        var applied = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            await AddForwardAsync($"r{i}", 8000 + i);
            applied.Add((await revisions.ApplyRulesAsync($"apply {i}", "test")).Id);
        }

        Assert.Equal(applied[^3..], await IdsAsync());
        Assert.Equal(applied[^1], (await revisions.ActiveAsync())!.Id);
    }

    [Fact]
    public async Task Revisions_older_than_D_days_are_pruned_but_never_the_one_in_force()
    {
        var revisions = Service(keepCount: 1000, keepDays: 30);
        await AddForwardAsync("web", 8080);
        var old = await revisions.ApplyRulesAsync("old", "test");
        _clock.Advance(TimeSpan.FromDays(10));
        await AddForwardAsync("mail", 2525);
        var inForce = await revisions.ApplyRulesAsync("in force", "test");

        // 40 days on, nothing new: the start-up run keeps the revision in force (and the one before it), however old.
        _clock.Advance(TimeSpan.FromDays(40));
        await revisions.PruneAsync();
        Assert.Contains(inForce.Id, await IdsAsync());

        await AddForwardAsync("ssh", 2222);
        var next = await revisions.ApplyRulesAsync("new", "test");
        Assert.Equal([inForce.Id, next.Id], await IdsAsync());
        Assert.DoesNotContain(old.Id, await IdsAsync());
    }

    [Fact]
    public async Task A_pending_revision_and_the_one_it_reverts_to_are_kept_and_the_revert_still_works()
    {
        var revisions = Service(keepCount: 1, keepDays: 1);
        await AddForwardAsync("web", 8080);
        var first = await revisions.ApplyRulesAsync("first", "test");
        _clock.Advance(TimeSpan.FromDays(5));
        await AddForwardAsync("mail", 2525);
        var pending = await revisions.ApplyRulesAsync("pending", "test", TimeSpan.FromSeconds(60));

        var kept = await IdsAsync();
        Assert.Contains(pending.Id, kept);
        Assert.Contains(first.Id, kept); // the revert target, older than a day and beyond the newest one

        _clock.Advance(TimeSpan.FromSeconds(60));
        var revert = await revisions.RevertExpiredAsync();
        Assert.NotNull(revert);
        Assert.Equal(first.RulesDocument, (await revisions.ActiveAsync())!.RulesDocument);
    }

    [Fact]
    public void Prunable_never_lists_in_force_pending_applying_or_a_revert_target()
    {
        var now = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
        var ancient = now.AddYears(-5);
        var headers = new[]
        {
            new RevisionHeader(1, ancient, RevisionStates.Applied, null),        // revert target of 4
            new RevisionHeader(2, ancient, RevisionStates.Reverted, 1),
            new RevisionHeader(3, ancient, RevisionStates.Failed, 1),
            new RevisionHeader(4, ancient, RevisionStates.PendingConfirmation, 1), // in force (pending)
            new RevisionHeader(5, ancient, RevisionStates.Applying, 4),
        };
        var prunable = new RevisionRetention { KeepCount = 1, KeepDays = 1 }.Prunable(headers, now);
        Assert.Equal([3L, 2L], prunable);
    }

    [Fact]
    public async Task The_paged_list_counts_rules_in_SQL_and_pages_newest_first()
    {
        var revisions = Service(keepCount: 1000, keepDays: 365);
        for (var i = 0; i < 5; i++)
        {
            await AddForwardAsync($"r{i}", 8000 + i);
            await revisions.ApplyRulesAsync($"apply {i}", "test");
        }
        var all = await IdsAsync(); // baseline + 5

        var first = await revisions.PageAsync(1, 4);
        var second = await revisions.PageAsync(2, 4);

        Assert.Equal(6, first.TotalCount);
        Assert.Equal(2, first.PageCount);
        Assert.Equal(all.Reverse().Take(4), first.Items.Select(r => r.Id));
        Assert.Equal(all.Reverse().Skip(4), second.Items.Select(r => r.Id));
        Assert.Equal([5, 4, 3, 2], first.Items.Select(r => r.RuleCount));
        Assert.Equal("apply 4", first.Items[0].Comment);
        Assert.Equal(_clock.GetUtcNow(), first.Items[0].CreatedAt);
        Assert.Empty((await revisions.PageAsync(3, 4)).Items);
    }

    [Fact]
    public async Task A_comment_over_the_limit_is_refused_before_anything_is_applied()
    {
        var revisions = Service(keepCount: 1000, keepDays: 365);
        await AddForwardAsync("web", 8080);
        await Assert.ThrowsAsync<ArgumentException>(() => revisions.ApplyRulesAsync(new string('c', TextLimits.MaxCommentLength + 1), "test"));
        Assert.Empty(await IdsAsync());
        Assert.Empty(_kernel.RecordingNftables.Batches);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
