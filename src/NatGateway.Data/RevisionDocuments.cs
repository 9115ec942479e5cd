using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NatGateway.Data.Entities;

namespace NatGateway.Data;

/// <summary>
/// Stores a new <see cref="Revision"/>'s large documents content-addressed (<see cref="RevisionDocument"/>) and reads
/// them back. Called by <see cref="NatGatewayDbContext"/> on every save, so whoever adds a revision (the store, a test)
/// gets the same storage.
/// </summary>
public static class RevisionDocuments
{
    /// <summary>For each added revision: hashes its documents, adds the ones not stored yet, sets the hashes and rule count.</summary>
    internal static void StoreAdded(NatGatewayDbContext db)
    {
        var added = db.ChangeTracker.Entries<Revision>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        foreach (var r in added)
        {
            // A revision without its documents in memory (an update through Attach) keeps the hashes it has.
            if (r.RulesDocument is null) continue;
            if (r.RuleCount == 0 && r.RulesDocument.Length > 2) r.RuleCount = CountArray(r.RulesDocument);
            // A revision holds up to four documents of megabytes each: hashed, then the new ones compressed, side by side.
            string?[] texts = [r.RulesDocument, r.RulesetJson ?? "", r.RulesetText, r.Diff];
            var docs = new (byte[] Bytes, string Hash, byte[]? Packed)?[texts.Length];
            Parallel.For(0, texts.Length, i =>
            {
                if (texts[i] is not { } text) return;
                if (Prepacked.TryGetValue(text, out var ready))
                {
                    docs[i] = (ready.Bytes, ready.Hash, ready.Content);
                    return;
                }
                var bytes = Encoding.UTF8.GetBytes(text);
                docs[i] = (bytes, DocumentCodec.Hash(bytes), null);
            });
            var missing = new List<(byte[] Bytes, string Hash, byte[]? Packed)>();
            foreach (var d in docs)
                if (d is { } doc && !missing.Exists(m => m.Hash == doc.Hash) && !db.RevisionDocuments.Local.Any(x => x.Hash == doc.Hash)
                    && !db.RevisionDocuments.AsNoTracking().Any(x => x.Hash == doc.Hash))
                    missing.Add(doc);
            var packed = new byte[missing.Count][];
            Parallel.For(0, missing.Count, i => packed[i] = missing[i].Packed ?? DocumentCodec.Pack(missing[i].Bytes));
            for (var i = 0; i < missing.Count; i++)
                db.RevisionDocuments.Add(new RevisionDocument { Hash = missing[i].Hash, Content = packed[i], Length = missing[i].Bytes.Length });
            r.RulesHash = docs[0]!.Value.Hash;
            r.RulesetJsonHash = docs[1]!.Value.Hash;
            r.RulesetTextHash = docs[2]?.Hash;
            r.DiffHash = docs[3]?.Hash;
        }
    }

    /// <summary>
    /// Hashes and compresses <paramref name="text"/> ahead of the revision that will hold it (the apply does this for the
    /// rules document while the kernel side prepares the list, issue 12); <see cref="StoreAdded"/> then takes the result
    /// instead of doing it again. Kept with the string instance, weakly: the same text in another string is simply done again.
    /// </summary>
    public static void Prepack(string text) => Prepack(text, Encoding.UTF8.GetBytes(text));

    /// <summary><see cref="Prepack(string)"/> of a text whose UTF-8 bytes the caller has (it was decoded from them).</summary>
    public static void Prepack(string text, byte[] utf8) =>
        Prepacked.GetValue(text, _ => new PackedDocument(utf8, DocumentCodec.Hash(utf8), DocumentCodec.Pack(utf8)));

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, PackedDocument> Prepacked = new();

    private sealed record PackedDocument(byte[] Bytes, string Hash, byte[] Content);

    /// <summary>Stores one document (unless a revision already holds the same text) and returns its hash.</summary>
    public static async Task<string> StoreAsync(NatGatewayDbContext db, string text, CancellationToken ct = default)
    {
        Prepacked.TryGetValue(text, out var ready);
        var bytes = ready?.Bytes ?? Encoding.UTF8.GetBytes(text);
        var hash = ready?.Hash ?? DocumentCodec.Hash(bytes);
        if (!await db.RevisionDocuments.AsNoTracking().AnyAsync(x => x.Hash == hash, ct))
        {
            db.RevisionDocuments.Add(new RevisionDocument { Hash = hash, Content = ready?.Content ?? DocumentCodec.Pack(bytes), Length = bytes.Length });
            await db.SaveChangesAsync(ct);
        }
        return hash;
    }

    /// <summary>The number of elements of a JSON array, without building it.</summary>
    public static int CountArray(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) throw new InvalidDataException("a rules document is not a JSON array");
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            count++;
            reader.Skip();
        }
        return count;
    }

    /// <summary>The texts of the given documents (missing hashes are absent from the result).</summary>
    public static async Task<Dictionary<string, string>> ReadAsync(NatGatewayDbContext db, IEnumerable<string?> hashes, CancellationToken ct = default)
    {
        var wanted = hashes.OfType<string>().Distinct().ToList();
        var rows = await db.RevisionDocuments.AsNoTracking().Where(d => wanted.Contains(d.Hash)).ToListAsync(ct);
        return rows.ToDictionary(d => d.Hash, d => DocumentCodec.Unpack(d.Content, d.Length));
    }

    /// <summary>The UTF-8 bytes of one document, or null.</summary>
    public static async Task<byte[]?> ReadBytesAsync(NatGatewayDbContext db, string hash, CancellationToken ct = default)
    {
        var row = await db.RevisionDocuments.AsNoTracking().Where(d => d.Hash == hash).Select(d => new { d.Content, d.Length }).FirstOrDefaultAsync(ct);
        return row is null ? null : DocumentCodec.UnpackBytes(row.Content, row.Length);
    }

    /// <summary>Fills in a revision read from the database with its documents (the whole revision, for detail views).</summary>
    public static async Task<Revision> MaterializeAsync(NatGatewayDbContext db, Revision r, CancellationToken ct = default)
    {
        var texts = await ReadAsync(db, [r.RulesHash, r.RulesetJsonHash, r.RulesetTextHash, r.DiffHash], ct);
        r.RulesDocument = texts.GetValueOrDefault(r.RulesHash, "[]");
        r.RulesetJson = texts.GetValueOrDefault(r.RulesetJsonHash, "");
        r.RulesetText = r.RulesetTextHash is { } t ? texts.GetValueOrDefault(t) : null;
        r.Diff = r.DiffHash is { } d ? texts.GetValueOrDefault(d) : null;
        return r;
    }

    /// <summary>Deletes the documents no revision holds any more; returns how many.</summary>
    public static Task<int> DeleteUnreferencedAsync(NatGatewayDbContext db, CancellationToken ct = default) =>
        db.Database.ExecuteSqlRawAsync("""
            DELETE FROM "RevisionDocuments" WHERE
                NOT EXISTS (SELECT 1 FROM "Revisions" r WHERE r."RulesHash" = "RevisionDocuments"."Hash")
                AND NOT EXISTS (SELECT 1 FROM "Revisions" r WHERE r."RulesetJsonHash" = "RevisionDocuments"."Hash")
                AND NOT EXISTS (SELECT 1 FROM "Revisions" r WHERE r."RulesetTextHash" = "RevisionDocuments"."Hash")
                AND NOT EXISTS (SELECT 1 FROM "Revisions" r WHERE r."DiffHash" = "RevisionDocuments"."Hash")
            """, ct);
}
