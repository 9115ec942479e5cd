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
/// The apply gate (<see cref="NatRulesService.Errors"/>) keeps its answer per draft snapshot and takes "no errors" from
/// the writes that checked the list they made. Whatever it remembers must be what validating the list afresh gives:
/// checked after every write of a seeded random sequence (appends, inserts, edits that shadow later rules, deletes,
/// moves, bulk changes, batches, imports).
/// </summary>
public sealed class DraftValidationCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-gate-").FullName;
    private readonly NatRulesService _rules;

    public DraftValidationCacheTests()
    {
        var path = Path.Combine(_dir, "t.db");
        DatabaseSetup.Migrate(path);
        var options = new DbContextOptionsBuilder<NatGatewayDbContext>().UseSqlite(DatabaseSetup.ConnectionString(path)).Options;
        _rules = new NatRulesService(new InMemoryKernel("lan0", "wan0"), new Factory(options), new NatCompileOptions(),
            new ManualClock(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero)));
    }

    public void Dispose()
    {
        _rules.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class Factory(DbContextOptions<NatGatewayDbContext> options) : IDbContextFactory<NatGatewayDbContext>
    {
        public NatGatewayDbContext CreateDbContext() => new(options);
    }

    private static NatRule Forward(string name, string port, bool enabled = true) => NatRuleJson.Parse($$"""
        {"kind": "dnat", "name": "{{name}}", "enabled": {{(enabled ? "true" : "false")}}, "inInterfaces": ["lan0"], "protocol": "tcp",
         "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "80"}
        """).Rule!;

    /// <summary>The errors of the list validated afresh (a copy: not the snapshot the gate may remember).</summary>
    private List<string> Fresh(IReadOnlyList<NatRule> rules) =>
        _rules.ValidateList(rules.ToList(), null).Where(p => p.Issue.Severity == IssueSeverity.Error).Select(p => $"{p.RuleId} {p.Issue}").ToList();

    private static List<string> Text(List<(Guid RuleId, string Name, ValidationIssue Issue)> errors) => errors.Select(p => $"{p.RuleId} {p.Issue}").ToList();

    [Fact]
    public async Task An_edit_that_shadows_a_later_rule_is_caught_by_the_gate_after_a_known_valid_draft()
    {
        await _rules.ReplaceDraftAsync(MarkIdAllocator.AssignMissing([Forward("wide", "1000-1100"), Forward("later", "3000")]), validated: true);
        Assert.True(_rules.IsKnownValid(await _rules.ListAsync()));
        Assert.True((await _rules.CreateAsync(Forward("appended", "4000"), "t")).Saved);
        Assert.True(_rules.IsKnownValid(await _rules.ListAsync())); // one rule appended after passing against all earlier ones

        var wide = (await _rules.ListAsync())[0];
        Assert.True((await _rules.UpdateAsync(wide.Id, Forward("wide", "1000-3500"), "t"))!.Saved); // checked against earlier rules only
        var draft = await _rules.ListAsync();
        Assert.False(_rules.IsKnownValid(draft));
        var errors = _rules.Errors(draft);
        Assert.Contains(errors, e => e.Name == "later");
        Assert.Equal(Fresh(draft), Text(errors));
        Assert.Equal(Text(errors), Text(_rules.Errors(draft))); // the remembered answer is the same
    }

    [Fact]
    public async Task What_the_gate_remembers_equals_a_fresh_validation_after_every_kind_of_write()
    {
        var random = new Random(12);
        int hits = 0, saved = 0;
        string Port() => random.Next(4) == 0 ? $"{random.Next(100, 130)}-{random.Next(130, 160)}" : random.Next(100, 160).ToString();
        for (var step = 0; step < 400; step++)
        {
            var draft = await _rules.ListAsync();
            var name = $"r{random.Next(60)}";
            bool ok;
            switch (random.Next(draft.Count == 0 ? 1 : 9))
            {
                case 0 or 1:
                    ok = (await _rules.CreateAsync(Forward(name, Port(), random.Next(5) > 0), "t")).Saved;
                    break;
                case 2:
                    ok = (await _rules.CreateAsync(Forward(name, Port()), "t", position: random.Next(draft.Count + 1))).Saved;
                    break;
                case 3:
                {
                    var rule = draft[random.Next(draft.Count)];
                    ok = (await _rules.UpdateAsync(rule.Id, Forward(rule.Name, Port(), rule.Enabled), "t"))!.Saved;
                    break;
                }
                case 4:
                    ok = await _rules.DeleteAsync(draft[random.Next(draft.Count)].Id, "t");
                    break;
                case 5:
                    ok = (await _rules.MoveToAsync(draft[random.Next(draft.Count)].Id, random.Next(draft.Count), "t")).Saved;
                    break;
                case 6:
                    ok = (await _rules.BulkAsync(random.Next(2) == 0 ? BulkAction.Enable : BulkAction.Disable,
                        [draft[random.Next(draft.Count)].Id, draft[random.Next(draft.Count)].Id], "t")).Changed > 0;
                    break;
                case 7:
                    ok = (await _rules.SaveBatchAsync([Forward(name + "b", Port()), Forward(name + "c", Port())], "t")).Succeeded;
                    break;
                default:
                {
                    // An import-like replace of a list that validates: the draft's own valid prefix.
                    var prefix = draft.Take(random.Next(draft.Count + 1)).ToList();
                    if (Fresh(prefix).Count > 0) prefix = [];
                    await _rules.ReplaceDraftAsync(MarkIdAllocator.AssignMissing(prefix), validated: true);
                    ok = true;
                    break;
                }
            }
            if (ok) saved++;
            var now = await _rules.ListAsync();
            if (_rules.IsKnownValid(now)) hits++;
            Assert.Equal(Fresh(now), Text(_rules.Errors(now)));
        }
        Assert.True(saved > 150, $"only {saved} writes saved");
        Assert.True(hits > 100, $"the gate knew the answer without validating only {hits} times");
    }
}
