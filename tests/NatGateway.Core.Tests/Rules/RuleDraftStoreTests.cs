using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using NatGateway.Core.Rules;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests.Rules;

/// <summary>
/// The in-memory draft of <see cref="NatRulesService"/> over a migrated database: every kind of write keeps positions
/// dense and the table equal to memory (and to what a fresh service reads); a write made to the file by another
/// connection is seen; a save that fails in the database leaves memory and table as they were.
/// </summary>
public sealed class RuleDraftStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-draft-").FullName;
    private readonly string _path;
    private readonly IDbContextFactory<NatGatewayDbContext> _db;
    private readonly NatRulesService _rules;

    public RuleDraftStoreTests()
    {
        _path = Path.Combine(_dir, "t.db");
        DatabaseSetup.Migrate(_path);
        _db = new MigratedDbFactory(_path);
        _rules = new NatRulesService(new InMemoryKernel("lan0", "wan0"), _db, new NatCompileOptions(),
            new ManualClock(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero)));
    }

    public void Dispose()
    {
        _rules.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class MigratedDbFactory(string path) : IDbContextFactory<NatGatewayDbContext>
    {
        private readonly DbContextOptions<NatGatewayDbContext> _options =
            new DbContextOptionsBuilder<NatGatewayDbContext>().UseSqlite(DatabaseSetup.ConnectionString(path)).Options;

        public NatGatewayDbContext CreateDbContext() => new(_options);
    }

    private static NatRule Forward(string name, int port, bool enabled = true, string destinationPort = "") => NatRuleJson.Parse($$"""
        {"kind": "dnat", "name": "{{name}}", "enabled": {{(enabled ? "true" : "false")}}, "inInterfaces": ["lan0"], "protocol": "tcp",
         "destinationPort": "{{(destinationPort == "" ? port.ToString() : destinationPort)}}", "targetAddress": "10.0.0.2", "targetPort": "80"}
        """).Rule!;

    /// <summary>Memory, the table and a fresh service agree: same rules, same order, positions 0..n-1.</summary>
    private async Task AssertConsistentAsync()
    {
        var memory = await _rules.ListAsync();
        Assert.Equal(Enumerable.Range(0, memory.Count), memory.Select(r => r.Position));
        await using (var db = await _db.CreateDbContextAsync())
        {
            var rows = await db.NatRules.AsNoTracking().OrderBy(r => r.Position).ToListAsync();
            Assert.Equal(Enumerable.Range(0, rows.Count), rows.Select(r => r.Position));
            Assert.Equal(memory.Select(r => r.Id), rows.Select(r => r.Id));
            Assert.Equal(memory.Select(r => (r.Name, r.Enabled, r.MarkId)), rows.Select(r => (r.Name, r.Enabled, r.MarkId)));
        }
        using var fresh = new NatRulesService(new InMemoryKernel("lan0", "wan0"), _db, new NatCompileOptions(), TimeProvider.System);
        Assert.Equal(memory.Select(NatRuleJson.Serialize), (await fresh.ListAsync()).Select(NatRuleJson.Serialize));
        Assert.Equal(memory.Count, await _rules.CountAsync());
    }

    [Fact]
    public async Task Every_kind_of_write_keeps_positions_dense_and_the_table_equal_to_memory()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 8; i++) ids.Add((await _rules.CreateAsync(Forward($"r{i}", 1000 + i), "t")).Rule!.Id);
        await AssertConsistentAsync();

        var inserted = await _rules.CreateAsync(Forward("first", 999), "t", position: 0);
        Assert.Equal(0, inserted.Rule!.Position);
        await AssertConsistentAsync();

        Assert.True((await _rules.UpdateAsync(ids[3], Forward("r3-renamed", 2003), "t"))!.Saved);
        Assert.True((await _rules.SetEnabledAsync(ids[4], false, "t"))!.Saved);
        await AssertConsistentAsync();

        Assert.True(await _rules.DeleteAsync(ids[2], "t"));
        await AssertConsistentAsync();

        var moved = await _rules.MoveToAsync(ids[0], 5, "t");
        Assert.True(moved.Saved);
        Assert.Equal((ids[0], 5), (moved.Rule!.Id, moved.Rule.Position));
        await AssertConsistentAsync();
        Assert.True((await _rules.MoveToAsync(ids[7], 0, "t")).Saved);
        Assert.True((await _rules.MoveBeforeAsync(ids[1], null, "t")).Saved);
        Assert.True((await _rules.MoveAsync(ids[5], -1, "t")).Saved);
        await AssertConsistentAsync();

        var order = (await _rules.ListAsync()).Select(r => r.Id).Reverse().ToList();
        Assert.True((await _rules.ReorderAsync(order, "t")).Saved);
        Assert.Equal(order, (await _rules.ListAsync()).Select(r => r.Id));
        await AssertConsistentAsync();

        Assert.Equal(2, (await _rules.BulkAsync(BulkAction.Disable, [ids[5], ids[6]], "t")).Changed);
        Assert.Equal(2, (await _rules.BulkAsync(BulkAction.Delete, [ids[1], ids[6]], "t")).Changed);
        await AssertConsistentAsync();

        var batch = await _rules.SaveBatchAsync([Forward("b1", 3001), Forward("r5-edited", 3002) with { Id = ids[5] }, Forward("b2", 3003)], "t");
        Assert.True(batch.Succeeded);
        Assert.Equal((2, 1), (batch.Created, batch.Updated));
        await AssertConsistentAsync();

        await _rules.ReplaceDraftAsync(MarkIdAllocator.AssignMissing([Forward("only", 4000)]));
        Assert.Equal(["only"], (await _rules.ListAsync()).Select(r => r.Name));
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Refused_changes_leave_everything_as_it_was()
    {
        var wide = (await _rules.CreateAsync(Forward("wide", 0, destinationPort: "8000-9000"), "t")).Rule!;
        var off = (await _rules.CreateAsync(Forward("off", 8080, enabled: false), "t")).Rule!;
        Assert.False((await _rules.CreateAsync(Forward("shadowed", 8081), "t")).Saved);
        Assert.False((await _rules.CreateAsync(Forward("WIDE ", 1), "t")).Saved);
        Assert.False((await _rules.SetEnabledAsync(off.Id, true, "t"))!.Saved);
        Assert.False((await _rules.BulkAsync(BulkAction.Enable, [off.Id], "t")).Saved);
        Assert.False((await _rules.MoveToAsync(off.Id, 5, "t")).Saved);

        var batch = await _rules.SaveBatchAsync([Forward("narrow", 0, destinationPort: "8500-8600") with { Id = Guid.NewGuid() }, Forward("first", 8500)], "t");
        Assert.False(batch.Succeeded);
        // An existing rule the batch breaks: moved before "wide", "wide" would be... here the batch rule itself is shadowed.
        Assert.All(batch.Errors, e => Assert.True(e.Index >= 0));

        // Enabling "off" first, then a batch making "wide" narrower... an existing rule broken by the batch gets key "rules".
        Assert.True((await _rules.UpdateAsync(off.Id, Forward("off", 9500, enabled: true), "t"))!.Saved);
        var breaking = await _rules.SaveBatchAsync([Forward("wide", 0, destinationPort: "9000-9999") with { Id = wide.Id }], "t");
        Assert.False(breaking.Succeeded);
        var error = Assert.Single(breaking.Errors);
        Assert.Equal((-1, "rules"), (error.Index, error.Key));
        Assert.StartsWith("Rule 'off' (position 2, not in this batch): ", error.Issue.Message);
        Assert.Equal(["wide", "off"], (await _rules.ListAsync()).Select(r => r.Name));
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task A_write_made_to_the_file_by_another_connection_is_seen()
    {
        var a = (await _rules.CreateAsync(Forward("a", 1), "t")).Rule!;
        await _rules.CreateAsync(Forward("b", 2), "t");
        Assert.Equal(2, (await _rules.ListAsync()).Count);

        // As the CLI would: its own context, its own connection.
        await using (var other = await _db.CreateDbContextAsync())
        {
            var row = await other.NatRules.SingleAsync(r => r.Id == a.Id);
            row.Name = "renamed";
            row.Document = NatRuleJson.Serialize(a with { Name = "renamed" });
            await other.SaveChangesAsync();
        }
        Assert.Equal(["renamed", "b"], (await _rules.ListAsync()).Select(r => r.Name));

        // Another service instance (another process's view) writes: seen here, and our next write builds on it.
        using (var cli = new NatRulesService(new InMemoryKernel("lan0"), _db, new NatCompileOptions(), TimeProvider.System))
            await cli.ReplaceDraftAsync(MarkIdAllocator.AssignMissing([Forward("imported", 7), Forward("imported2", 8)]));
        Assert.Equal(["imported", "imported2"], (await _rules.ListAsync()).Select(r => r.Name));
        Assert.True((await _rules.CreateAsync(Forward("after", 9), "t")).Saved);
        Assert.Equal(["imported", "imported2", "after"], (await _rules.ListAsync()).Select(r => r.Name));
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task A_save_that_fails_in_the_database_leaves_memory_and_table_unchanged()
    {
        for (var i = 0; i < 4; i++) await _rules.CreateAsync(Forward($"r{i}", 100 + i), "t");
        var before = (await _rules.ListAsync()).Select(NatRuleJson.Serialize).ToList();

        // The position shift after a delete fails: the delete itself must be rolled back too.
        await ExecuteAsync("""CREATE TRIGGER "test_fail" BEFORE UPDATE ON "NatRules" BEGIN SELECT RAISE(ABORT, 'disk says no'); END""");
        var victim = (await _rules.ListAsync())[1].Id;
        await Assert.ThrowsAnyAsync<Exception>(() => _rules.DeleteAsync(victim, "t"));
        await Assert.ThrowsAnyAsync<Exception>(() => _rules.SetEnabledAsync(victim, false, "t"));
        Assert.Equal(before, (await _rules.ListAsync()).Select(NatRuleJson.Serialize));
        await ExecuteAsync("""DROP TRIGGER "test_fail" """);

        await ExecuteAsync("""CREATE TRIGGER "test_fail" BEFORE INSERT ON "NatRules" BEGIN SELECT RAISE(ABORT, 'disk says no'); END""");
        await Assert.ThrowsAnyAsync<Exception>(() => _rules.CreateAsync(Forward("new", 200), "t", position: 0));
        Assert.Equal(before, (await _rules.ListAsync()).Select(NatRuleJson.Serialize));
        await ExecuteAsync("""DROP TRIGGER "test_fail" """);

        await AssertConsistentAsync();
        Assert.True(await _rules.DeleteAsync(victim, "t"));
        await AssertConsistentAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
