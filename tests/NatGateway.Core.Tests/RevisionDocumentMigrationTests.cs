using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Data;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>
/// The migration that moved the documents out of the Revisions rows: a database of the previous schema, with revisions,
/// comes out with each distinct document stored once, the rule counts filled in, and every revision reading back the
/// same; migrating down puts the documents back in the rows.
/// </summary>
public sealed class RevisionDocumentMigrationTests : IDisposable
{
    private const string Previous = "20261206035140_AccessControl";
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-migrate-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static NatGatewayDbContext Open(string path)
    {
        var options = new DbContextOptionsBuilder<NatGatewayDbContext>();
        DatabaseSetup.Configure(options, path);
        return new NatGatewayDbContext(options.Options);
    }

    [Fact]
    public async Task Old_rows_move_their_documents_into_the_document_table_once()
    {
        var path = Path.Combine(_dir, "old.db");
        var one = new List<NatRule> { RevisionDocumentStorageTests.Forward(8001), RevisionDocumentStorageTests.Forward(8002) };
        var two = new List<NatRule> { one[0], RevisionDocumentStorageTests.Forward(8003) };
        // Three revisions of the old schema: the second only changed settings (the same documents, copied).
        (List<NatRule> Rules, string? Settings, string Diff)[] old = [(one, null, "added f8001\n"), (one, "{\"ipv4Forwarding\": true}", ""), (two, null, "removed f8002\n")];
        await using (var db = Open(path))
        {
            await db.GetService<IMigrator>().MigrateAsync(Previous);
            var ticks = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
            foreach (var (rules, settings, diff) in old)
                await db.Database.ExecuteSqlInterpolatedAsync($"""
                    INSERT INTO "Revisions" ("CreatedAt", "Author", "Kind", "RulesDocument", "RulesetJson", "RulesetText", "Diff", "State", "SettingsDocument")
                    VALUES ({ticks}, 'old', 'apply', {RulesDocument.Serialize(rules)}, {"{}"}, {RevisionDocumentStorageTests.Text(rules)}, {diff}, 'applied', {settings})
                    """);
        }

        DatabaseSetup.Migrate(path); // to the newest schema, checked against what the migrations make

        var store = new RevisionStore(new PathDbFactory(path), TimeProvider.System);
        await using (var db = Open(path))
        {
            var rows = await db.Revisions.OrderBy(r => r.Id).ToListAsync();
            Assert.Equal([2, 2, 2], rows.Select(r => r.RuleCount));
            Assert.Equal(rows[0].RulesHash, rows[1].RulesHash);
            Assert.NotEqual(rows[0].RulesHash, rows[2].RulesHash);
            Assert.Equal(DocumentCodec.Hash(RulesDocument.Serialize(one)), rows[0].RulesHash);
            // rules ×2, ruleset text ×2, the JSON "{}", diffs "added…", "" and "removed…": 8 distinct documents for 12 old cells.
            Assert.Equal(8, await db.RevisionDocuments.CountAsync());
        }
        for (var i = 0; i < old.Length; i++)
        {
            var r = (await store.GetAsync(i + 1))!;
            Assert.Equal(RulesDocument.Serialize(old[i].Rules), r.RulesDocument);
            Assert.Equal(RevisionDocumentStorageTests.Text(old[i].Rules), r.RulesetText);
            Assert.Equal(old[i].Diff, r.Diff);
            Assert.Equal("{}", r.RulesetJson);
        }
        Assert.Equal(["added", "removed"], (await store.DiffAsync(1, 3))!.Rules.Select(c => c.Change));
        Assert.Equal(2, (await store.PageAsync(1, 50)).Items[0].RuleCount);

        // And back down: the rows hold their documents again.
        await using (var db = Open(path))
        {
            await db.GetService<IMigrator>().MigrateAsync(Previous);
            var documents = await db.Database.SqlQuery<string>($"""SELECT "RulesDocument" AS "Value" FROM "Revisions" ORDER BY "Id" """).ToListAsync();
            Assert.Equal(old.Select(o => RulesDocument.Serialize(o.Rules)), documents);
        }
    }

    private sealed class PathDbFactory(string path) : IDbContextFactory<NatGatewayDbContext>
    {
        public NatGatewayDbContext CreateDbContext() => Open(path);
    }
}
