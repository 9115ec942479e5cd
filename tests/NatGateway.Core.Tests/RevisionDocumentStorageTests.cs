using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>
/// Revision documents stored once (content-addressed), the paged list without documents, and diffs and per-rule history
/// through hashes giving exactly what the whole-document comparison gave.
/// </summary>
public sealed class RevisionDocumentStorageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-docs-").FullName;
    private readonly TestDbFactory _db;
    private readonly RevisionStore _store;
    private readonly DateTimeOffset _at = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public RevisionDocumentStorageTests()
    {
        _db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        _store = new RevisionStore(_db, TimeProvider.System);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    internal static DnatRule Forward(int port, Guid? id = null, int target = 80) => (DnatRule)NatRuleJson.Parse($$"""
        {"kind": "dnat", "name": "f{{port}}", "inInterfaces": ["wan0"], "protocol": "udp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "{{target}}"}
        """).Rule! with { Id = id ?? Guid.NewGuid() };

    internal static string Text(IEnumerable<NatRule> rules) =>
        "table ip natgw {\n" + string.Concat(rules.Select(r => "\t" + RuleListDiff.Summary(r) + "\n")) + "}\n";

    private async Task<long> AddAsync(IReadOnlyList<NatRule> rules, RevisionState state = RevisionState.Applied, string? settings = null)
    {
        await using var db = _db.CreateDbContext();
        var revision = new Revision
        {
            CreatedAt = _at, Author = "test", Kind = RevisionKind.Apply, State = state, RulesDocument = RulesDocument.Serialize(rules),
            RulesetJson = "{\"nftables\": []}", RulesetText = Text(rules), Diff = "", SettingsDocument = settings,
        };
        db.Revisions.Add(revision);
        await db.SaveChangesAsync();
        return revision.Id;
    }

    [Fact]
    public async Task Two_revisions_with_the_same_rules_share_one_document_row_and_read_back_whole()
    {
        var rules = Enumerable.Range(0, 50).Select(i => (NatRule)Forward(8000 + i)).ToList();
        var first = await AddAsync(rules);
        // A settings-only change: same rules, same ruleset, other settings.
        var second = await AddAsync(rules, settings: "{\"ipv4Forwarding\": true}");

        await using (var db = _db.CreateDbContext())
        {
            var rows = await db.Revisions.OrderBy(r => r.Id).ToListAsync();
            Assert.Equal(rows[0].RulesHash, rows[1].RulesHash);
            Assert.Equal(rows[0].RulesetTextHash, rows[1].RulesetTextHash);
            Assert.Equal(1, await db.RevisionDocuments.CountAsync(d => d.Hash == rows[0].RulesHash));
            // Rules, ruleset JSON, ruleset text and the (empty) diff: four documents for two revisions.
            Assert.Equal(4, await db.RevisionDocuments.CountAsync());
            Assert.All(rows, r => Assert.Equal(50, r.RuleCount));
        }
        var whole = (await _store.GetAsync(second))!;
        Assert.Equal(RulesDocument.Serialize(rules), whole.RulesDocument);
        Assert.Equal(Text(rules), whole.RulesetText);
        Assert.Equal("{\"nftables\": []}", whole.RulesetJson);
        Assert.Equal(rules.Select(r => r.Id), (await _store.ContentAsync(first))!.Gateway.Rules.Select(r => r.Id));
        var diff = (await _store.DiffAsync(first, second))!;
        Assert.Empty(diff.Rules);
        Assert.Empty(diff.Ruleset);
        Assert.NotEmpty(diff.Settings);
    }

    [Fact]
    public async Task Pages_carry_the_rule_count_and_the_total_over_many_revisions()
    {
        for (var i = 1; i <= 130; i++) await AddAsync(Enumerable.Range(0, i % 7).Select(k => (NatRule)Forward(9000 + k)).ToList());

        var page = await _store.PageAsync(2, 50);
        Assert.Equal(130, page.TotalCount);
        Assert.Equal(3, page.PageCount);
        Assert.Equal(Enumerable.Range(31, 50).Reverse().Select(i => (long)i), page.Items.Select(r => r.Id));
        Assert.All(page.Items, r => Assert.Equal((int)(r.Id % 7), r.RuleCount));
        Assert.Equal(Enumerable.Range(1, 30).Reverse().Select(i => (long)i), (await _store.PageAsync(3, 50)).Items.Select(r => r.Id));
    }

    [Fact]
    public async Task Pruning_deletes_the_documents_no_revision_holds_any_more()
    {
        var store = new RevisionStore(_db, TimeProvider.System, retention: new RevisionRetention { KeepCount = 2, KeepDays = 100000 });
        var shared = Enumerable.Range(0, 5).Select(i => (NatRule)Forward(7000 + i)).ToList();
        await AddAsync([Forward(6000)]);
        await AddAsync(shared);
        await AddAsync(shared, settings: "{}");

        Assert.Equal(1, await store.PruneAsync());

        await using var db = _db.CreateDbContext();
        var held = await db.Revisions.Select(r => r.RulesHash).Distinct().ToListAsync();
        Assert.Equal(held.Order(), (await db.RevisionDocuments.Select(d => d.Hash).ToListAsync()).Where(held.Contains).Order());
        // rules + text of the kept state, the shared JSON and empty diff: the pruned revision's own documents are gone.
        Assert.Equal(4, await db.RevisionDocuments.CountAsync());
    }

    /// <summary>
    /// A random history (adds, removes, moves, edits; some revisions failed, interrupted or reverted): every diff and every
    /// rule's history equals the whole-document comparison the store made before documents were stored by hash.
    /// </summary>
    [Fact]
    public async Task Diffs_and_rule_history_equal_the_whole_document_comparison()
    {
        var random = new Random(12);
        var current = Enumerable.Range(0, 30).Select(i => (NatRule)Forward(10000 + i)).ToList();
        var states = new List<(long Id, RevisionState State, List<NatRule> Rules)>();
        var everyId = current.Select(r => r.Id).ToHashSet();
        for (var n = 0; n < 40; n++)
        {
            var next = current.ToList();
            switch (random.Next(5))
            {
                case 0: var added = Forward(20000 + n); next.Insert(random.Next(next.Count + 1), added); everyId.Add(added.Id); break;
                case 1 when next.Count > 1: next.RemoveAt(random.Next(next.Count)); break;
                case 2: var m = random.Next(next.Count); var moved = next[m]; next.RemoveAt(m); next.Insert(random.Next(next.Count + 1), moved); break;
                case 3: var c = random.Next(next.Count); next[c] = Forward(((DnatRule)next[c]).DestinationPort.From, next[c].Id, 81 + n); break;
                default: break; // same rules (a settings-only revision)
            }
            var state = (n % 9) switch { 4 => RevisionState.Failed, 6 => RevisionState.Interrupted, 7 => RevisionState.Reverted, _ => RevisionState.Applied };
            states.Add((await AddAsync(next, state), state, next));
            if (state is RevisionState.Applied or RevisionState.Reverted) current = next;
        }

        for (var k = 0; k < 30; k++)
        {
            var a = states[random.Next(states.Count)];
            var b = states[random.Next(states.Count)];
            var diff = (await _store.DiffAsync(a.Id, b.Id))!;
            var la = Lines(Text(a.Rules));
            var lb = Lines(Text(b.Rules));
            Assert.Equal(Show(RuleListDiff.Compare(a.Rules, b.Rules)), Show(diff.Rules));
            Assert.Equal(la.SequenceEqual(lb) ? [] : TextDiff.Lines(la, lb), diff.Ruleset);
        }

        foreach (var id in everyId)
        {
            var expected = new List<string>();
            IReadOnlyList<NatRule> previous = [];
            foreach (var (revisionId, state, rules) in states.Where(s => s.State != RevisionState.Failed))
            {
                var parsed = RulesDocument.Parse(RulesDocument.Serialize(rules));
                if (RuleListDiff.Compare(previous, parsed).FirstOrDefault(c => c.RuleId == id) is { } change) expected.Add($"{revisionId} {Show([change])}");
                if (state is RevisionState.Applied or RevisionState.Reverted) previous = parsed;
            }
            var history = await _store.RuleHistoryAsync(id);
            Assert.Equal(expected, history.Select(h => $"{h.Revision.Id} {Show([h.Change])}"));
        }
    }

    private static string[] Lines(string text) => text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();

    private static string Show(IEnumerable<RuleChange> changes) =>
        string.Join(" | ", changes.Select(c => $"{c.RuleId} {c.Name} {c.Change}: {string.Join("; ", c.Details)}"));
}
