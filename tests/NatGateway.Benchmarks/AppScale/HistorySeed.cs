using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NatGateway.Core.Rules;
using NatGateway.Data;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Benchmarks.AppScale;

/// <summary>
/// Writes a long revision history straight into a natgw SQLite file (migrations applied, the real content-addressed
/// document storage) before <c>natgw serve</c> starts on it: <c>revisions</c> applied revisions of
/// <c>rulesPerRevision</c> UDP port forwards + 1 masquerade, each changing one forward's target port
/// from the one before (as an operator editing one rule per apply would).
/// </summary>
/// <remarks>
/// Fast (seconds for 1,000 × 10,000): the rules document is assembled from per-rule JSON (only the changed rule is
/// written again), documents are hashed and compressed on all cores, and rows are inserted in batches. The ruleset text
/// is one line per forward in nft's map-element form (the real text needs the kernel's rendering); the libnftables JSON
/// is the real compilation of the newest revision (the one in force when natgw starts), kept by the older ones too.
/// </remarks>
public static class HistorySeed
{
    public static async Task SeedAsync(string databasePath, int revisions, int rulesPerRevision, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(revisions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rulesPerRevision, 1);
        DatabaseSetup.Migrate(databasePath);
        var options = new DbContextOptionsBuilder<NatGatewayDbContext>();
        DatabaseSetup.Configure(options, databasePath);

        var created = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var rules = Enumerable.Range(0, rulesPerRevision).Select(i => Forward(i, created)).Prepend(Masquerade(created)).ToArray();
        var ruleJson = rules.Select(Json).ToArray();
        var textLines = rules.Select(Line).ToArray();
        // The libnftables JSON of the newest revision (in force when natgw starts): its rules are known up front.
        var last = (NatRule[])rules.Clone();
        for (var n = 1; n < revisions; n++) last[1 + (n - 1) % rulesPerRevision] = Changed((DnatRule)last[1 + (n - 1) % rulesPerRevision], created.AddMinutes(n));
        var json = Pack(NatRulesetCompiler.Compile(last.Select((r, i) => r with { Position = i }).ToList()).Json);

        await using var db = new NatGatewayDbContext(options.Options);
        var stored = (await db.RevisionDocuments.Select(d => d.Hash).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var previous = await db.Revisions.OrderByDescending(r => r.Id).Select(r => (long?)r.Id).FirstOrDefaultAsync(ct);
        if (stored.Add(json.Hash)) db.RevisionDocuments.Add(json);
        // In chunks: 1,000 documents of 10,000 rules are gigabytes as strings, a chunk is tens of megabytes.
        const int Chunk = 16;
        for (var first = 0; first < revisions; first += Chunk)
        {
            var count = Math.Min(Chunk, revisions - first);
            var texts = new string[3 * count];
            var comments = new string[count];
            for (var k = 0; k < count; k++)
            {
                var n = first + k;
                var diff = $"added {rules.Length} rules\n";
                comments[k] = "seeded history";
                if (n > 0)
                {
                    // One forward changes per revision: its target port moves on.
                    var i = 1 + (n - 1) % rulesPerRevision;
                    var before = (DnatRule)rules[i];
                    var after = Changed(before, created.AddMinutes(n));
                    rules[i] = after;
                    ruleJson[i] = Json(after);
                    textLines[i] = Line(after);
                    comments[k] = $"change {after.Name}";
                    diff = string.Concat(RuleListDiff.Compare([before], [after]).Select(c => $"{c.Change} {c.Name}\n" + string.Concat(c.Details.Select(d => "    " + d + "\n"))))
                           + $"ruleset:\n- {Line(before)}\n+ {Line(after)}\n";
                }
                texts[3 * k] = "[\n" + string.Join(",\n", ruleJson) + "\n]";
                texts[3 * k + 1] = Text(textLines);
                texts[3 * k + 2] = diff;
            }
            await using var transaction = await db.Database.BeginTransactionAsync(ct); // one commit (fsync) per chunk
            var packed = new RevisionDocument[texts.Length];
            Parallel.For(0, texts.Length, new ParallelOptions { CancellationToken = ct }, j => packed[j] = Pack(texts[j]));
            foreach (var d in packed)
                if (stored.Add(d.Hash)) db.RevisionDocuments.Add(d);
            for (var k = 0; k < count; k++)
            {
                var n = first + k;
                // Documents already in hand: the hashes alone (RulesDocument null leaves the storage step out).
                var revision = new Revision
                {
                    CreatedAt = created.AddMinutes(n), Author = "seed", Comment = comments[k],
                    Kind = RevisionKind.Apply, State = RevisionState.Applied, RulesDocument = null!, RulesetJson = null!,
                    RulesHash = packed[3 * k].Hash, RulesetJsonHash = json.Hash, RulesetTextHash = packed[3 * k + 1].Hash, DiffHash = packed[3 * k + 2].Hash,
                    RuleCount = rules.Length, PreviousRevisionId = previous,
                };
                db.Revisions.Add(revision);
                await db.SaveChangesAsync(ct);
                previous = revision.Id;
            }
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
        }
    }

    private static RevisionDocument Pack(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return new RevisionDocument { Hash = DocumentCodec.Hash(bytes), Content = DocumentCodec.Pack(bytes), Length = bytes.Length };
    }

    private static DnatRule Changed(DnatRule rule, DateTimeOffset at) =>
        rule with { TargetPort = new PortRange(20000 + (rule.TargetPort!.Value.From - 20000 + 1) % 40000), UpdatedAt = at };

    private static NatRule Masquerade(DateTimeOffset at) => Parse("""{"kind": "masquerade", "name": "masq", "outInterfaces": ["wan0"]}""", 1, at);

    private static NatRule Forward(int i, DateTimeOffset at) => Parse($$"""
        {"kind": "dnat", "name": "fwd-{{i}}", "inInterfaces": ["wan0"], "protocol": "udp", "destinationPort": "{{10000 + i}}",
         "targetAddress": "10.{{1 + i / 65536}}.{{i / 256 % 256}}.{{1 + i % 254}}", "targetPort": "{{20000 + i % 40000}}"}
        """, i + 2, at);

    private static NatRule Parse(string json, int markId, DateTimeOffset at)
    {
        var parsed = NatRuleJson.Parse(json);
        if (!parsed.Success) throw new InvalidOperationException(string.Join("; ", parsed.Errors));
        return parsed.Rule! with { MarkId = markId, CreatedAt = at, UpdatedAt = at, CreatedBy = "seed", UpdatedBy = "seed" };
    }

    private static string Json(NatRule rule)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true })) NatRuleJson.Write(writer, rule);
        // As an element of RulesDocument's indented array (two more spaces a line), so the seeded documents are byte for
        // byte what natgw itself stores and a diff against a revision natgw wrote compares like with like.
        return "  " + Encoding.UTF8.GetString(stream.ToArray()).Replace("\n", "\n  ");
    }

    private static string Line(NatRule rule) => rule switch
    {
        DnatRule d => $"\t\t\t{d.DestinationPort} : {d.TargetAddress} . {d.TargetPort},",
        _ => $"\t\toifname \"wan0\" meta mark {rule.MarkId} counter masquerade",
    };

    private static string Text(string[] lines) =>
        "table ip natgw {\n\tmap fwd_udp {\n\t\ttype inet_service : ipv4_addr . inet_service\n\t\telements = {\n"
        + string.Join('\n', lines.Skip(1)) + "\n\t\t}\n\t}\n\tchain postrouting {\n" + lines[0] + "\n\t}\n}\n";
}
