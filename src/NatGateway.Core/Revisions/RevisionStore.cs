using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Core.Capacity;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Data;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Core.Revisions;

/// <summary>
/// The only code that reads or writes revisions, and the owner of their documents (rules array, settings, conntrack,
/// export). The large documents are stored once, content-addressed (<see cref="RevisionDocument"/>): a revision row
/// holds their hashes and its rule count, so lists read no document, and a document is read (and parsed, once per
/// hash: <see cref="DocumentCache"/>) only by what needs it.
/// </summary>
public sealed class RevisionStore(
    IDbContextFactory<NatGatewayDbContext> dbFactory,
    TimeProvider clock,
    ILogger<RevisionStore>? logger = null,
    RevisionRetention? retention = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<RevisionStore>.Instance;
    private readonly RevisionRetention _retention = retention ?? new RevisionRetention();

    /// <summary>About 64 MB of parsed documents: two 10,000-rule revisions with their rulesets, and the one in force.</summary>
    private readonly DocumentCache _cache = new(64L << 20);

    /// <summary>Raised after a revision is finished or changes state (pages refresh, the countdown starts or stops).</summary>
    public event Action? Changed;

    internal void NotifyChanged() => Changed?.Invoke();

    public RevisionRetention Retention => _retention;

    // ---- queries ----

    /// <summary>The newest revision in force, whole (documents included): GET-style detail callers only.</summary>
    public async Task<Revision?> ActiveAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await InForce(db).FirstOrDefaultAsync(ct) is { } r ? await RevisionDocuments.MaterializeAsync(db, r, ct) : null;
    }

    /// <summary>The state of the newest revision in force, with what an apply compares against (no diff, no comment).</summary>
    public async Task<RevisionContent?> InForceAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await InForce(db).Select(ContentColumns).FirstOrDefaultAsync(ct);
        return row is null ? null : await ContentAsync(db, row, ct);
    }

    public async Task<RevisionContent?> ContentAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Revisions.AsNoTracking().Where(r => r.Id == id).Select(ContentColumns).FirstOrDefaultAsync(ct);
        return row is null ? null : await ContentAsync(db, row, ct);
    }

    /// <summary>The rules of the revision in force (none yet: no rules), read from its rules document alone.</summary>
    public async Task<IReadOnlyList<NatRule>> RulesInForceAsync(CancellationToken ct = default) =>
        (await InForceRulesWithIdAsync(ct)).Rules;

    /// <summary>Id and rules of the revision in force (null and none yet); the parsed rules come from the document cache (by hash).</summary>
    public async Task<(long? Id, IReadOnlyList<NatRule> Rules)> InForceRulesWithIdAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await InForce(db).Select(r => new { r.Id, r.RulesHash }).FirstOrDefaultAsync(ct);
        return row is null ? (null, []) : (row.Id, await RulesAsync(db, row.RulesHash, ct));
    }

    /// <summary>Id and ruleset of the revision in force (for the pending diff), without its documents.</summary>
    public async Task<(long Id, string? RulesetText)?> InForceRulesetAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await InForce(db).Select(r => new { r.Id, r.RulesetTextHash }).FirstOrDefaultAsync(ct);
        return row is null ? null : (row.Id, await TextAsync(db, row.RulesetTextHash, ct));
    }

    public async Task<PendingConfirmation?> PendingAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var r = await db.Revisions.AsNoTracking().Where(r => r.State == RevisionState.PendingConfirmation)
            .OrderByDescending(r => r.Id).Select(r => new { r.Id, r.ConfirmBy, r.PreviousRevisionId }).FirstOrDefaultAsync(ct);
        return r is null ? null : new PendingConfirmation(r.Id, r.ConfirmBy!.Value, r.PreviousRevisionId);
    }

    /// <summary>The newest pending revision whose window ended by <paramref name="now"/>, if any.</summary>
    public async Task<RevisionContent?> ExpiredPendingAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // ConfirmBy is stored as ticks: compared after loading the (few) pending headers.
        var due = await db.Revisions.AsNoTracking().Where(r => r.State == RevisionState.PendingConfirmation)
            .Select(r => new { r.Id, r.ConfirmBy }).ToListAsync(ct);
        var expired = due.Where(r => r.ConfirmBy <= now).OrderByDescending(r => r.Id).FirstOrDefault();
        return expired is null ? null : await ContentAsync(expired.Id, ct);
    }

    public async Task<IReadOnlyList<RevisionSummary>> ListAsync(int take = 200, CancellationToken ct = default) =>
        (await PageAsync(1, take, ct)).Items;

    /// <summary>
    /// One page of the history, newest first, without the large documents (rules, ruleset, diff: GET /revisions/{id}):
    /// the row's <c>RuleCount</c> column, no document read; SQLite cuts old over-long comments, so a page stays small
    /// whatever the revisions hold.
    /// </summary>
    public async Task<Paging.PagedList<RevisionSummary>> PageAsync(int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var total = await db.Revisions.CountAsync(ct);
        var skip = Paging.Paging.Skip(page, pageSize);
        var limit = TextLimits.MaxCommentLength;
        var rows = await db.Database.SqlQuery<SummaryRow>($"""
            SELECT "Id", "CreatedAt", "Author", substr("Comment", 1, {limit}) AS "Comment", "Kind", "State", "ConfirmBy",
                   "PreviousRevisionId", substr("Outcome", 1, {limit}) AS "Outcome", "RuleCount"
            FROM "Revisions" ORDER BY "Id" DESC LIMIT {pageSize} OFFSET {skip}
            """).ToListAsync(ct);
        return new Paging.PagedList<RevisionSummary>(rows.Select(ToSummary).ToList(), page, pageSize, total);
    }

    /// <summary>The newest revision in force as lists show it (the dashboard), without its documents.</summary>
    public async Task<RevisionSummary?> ActiveSummaryAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var limit = TextLimits.MaxCommentLength;
        string applied = RevisionState.Applied.Text(), pending = RevisionState.PendingConfirmation.Text();
        var rows = await db.Database.SqlQuery<SummaryRow>($"""
            SELECT "Id", "CreatedAt", "Author", substr("Comment", 1, {limit}) AS "Comment", "Kind", "State", "ConfirmBy",
                   "PreviousRevisionId", substr("Outcome", 1, {limit}) AS "Outcome", "RuleCount"
            FROM "Revisions" WHERE "State" IN ({applied}, {pending}) ORDER BY "Id" DESC LIMIT 1
            """).ToListAsync(ct);
        return rows.Select(ToSummary).FirstOrDefault();
    }

    private static RevisionSummary ToSummary(SummaryRow r) =>
        new(r.Id, new DateTimeOffset(r.CreatedAt, TimeSpan.Zero), r.Author, r.Comment, RevisionNames.ParseKind(r.Kind), RevisionNames.ParseState(r.State),
            r.ConfirmBy is { } c ? new DateTimeOffset(c, TimeSpan.Zero) : null, r.PreviousRevisionId, r.Outcome, r.RuleCount);

    /// <summary>A row of <see cref="PageAsync"/> as SQLite returns it (times as UTC ticks, the stored form).</summary>
    private sealed class SummaryRow
    {
        public long Id { get; set; }
        public long CreatedAt { get; set; }
        public string? Author { get; set; }
        public string? Comment { get; set; }
        public string Kind { get; set; } = "";
        public string State { get; set; } = "";
        public long? ConfirmBy { get; set; }
        public long? PreviousRevisionId { get; set; }
        public string? Outcome { get; set; }
        public int RuleCount { get; set; }
    }

    public static RevisionSummary Summary(Revision r) =>
        new(r.Id, r.CreatedAt, r.Author, r.Comment, r.Kind, r.State, r.ConfirmBy, r.PreviousRevisionId, r.Outcome,
            r.RuleCount != 0 || r.RulesDocument is null ? r.RuleCount : RulesDocument.Count(r.RulesDocument));

    /// <summary>One revision, whole (GET /revisions/{id}): its documents are read and filled in.</summary>
    public async Task<Revision?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Revisions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct) is { } r
            ? await RevisionDocuments.MaterializeAsync(db, r, ct)
            : null;
    }

    /// <summary>
    /// The differences between two revisions. Documents with the same hash are the same (nothing to compare); the others
    /// are parsed once per hash (cached), the rules and the ruleset in parallel.
    /// </summary>
    public async Task<RevisionDiff?> DiffAsync(long from, long to, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Revisions.AsNoTracking().Where(r => r.Id == from || r.Id == to)
            .Select(r => new { r.Id, r.RulesHash, r.RulesetTextHash, r.SettingsDocument, r.ConntrackDocument, r.ClusterDocument }).ToListAsync(ct);
        var a = rows.FirstOrDefault(r => r.Id == from);
        var b = rows.FirstOrDefault(r => r.Id == to);
        if (a is null || b is null) return null;
        var rules = a.RulesHash == b.RulesHash ? Task.FromResult(new List<RuleChange>()) : Task.Run(async () =>
        {
            var before = EntriesAsync(a.RulesHash, ct);
            var after = EntriesAsync(b.RulesHash, ct);
            return RuleDocumentDiff.Compare(await before, await after);
        }, ct);
        var ruleset = a.RulesetTextHash == b.RulesetTextHash ? Task.FromResult<IReadOnlyList<string>>([]) : Task.Run(async () =>
        {
            var la = LinesAsync(a.RulesetTextHash, ct);
            var lb = LinesAsync(b.RulesetTextHash, ct);
            var (x, y) = (await la, await lb);
            return x.AsSpan().SequenceEqual(y) ? [] : TextDiff.Lines(x, y);
        }, ct);
        IReadOnlyList<string> settings = [.. SettingsDocument.Diff(SettingsDocument.Parse(a.SettingsDocument), SettingsDocument.Parse(b.SettingsDocument)),
            .. InterfaceFixes.Diff(InterfaceFixes.Parse(a.SettingsDocument), InterfaceFixes.Parse(b.SettingsDocument)),
            .. ConntrackDocument.Diff(ConntrackDocument.Parse(a.ConntrackDocument), ConntrackDocument.Parse(b.ConntrackDocument)),
            .. ClusterDocument.Diff(ClusterDocument.Parse(a.ClusterDocument), ClusterDocument.Parse(b.ClusterDocument)).Select(l => "cluster " + l)];
        return new RevisionDiff(from, to, await rules, settings, await ruleset);
    }

    /// <summary>
    /// The revisions in which one rule was added, changed or removed (per-rule history). Reads each distinct rules
    /// document once (a revision whose document hash is the one before changed nothing), one at a time, and only finds
    /// and parses the one rule in it: memory stays bounded by one document however long the history.
    /// </summary>
    public async Task<IReadOnlyList<(RevisionSummary Revision, RuleChange Change)>> RuleHistoryAsync(Guid ruleId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var all = await db.Revisions.AsNoTracking().Where(r => r.State != RevisionState.Failed).OrderBy(r => r.Id)
            .Select(r => new { r.Id, r.CreatedAt, r.Author, r.Comment, r.Kind, r.State, r.ConfirmBy, r.PreviousRevisionId, r.Outcome, r.RulesHash, r.RuleCount })
            .ToListAsync(ct);
        var result = new List<(RevisionSummary, RuleChange)>();
        var found = new Dictionary<string, RuleInDocument?>(StringComparer.Ordinal);
        string? previousHash = null;
        RuleInDocument? previous = null;
        foreach (var r in all)
        {
            if (r.RulesHash == previousHash) continue; // the same document: no rule changed
            if (!found.TryGetValue(r.RulesHash, out var current))
                found[r.RulesHash] = current = RuleInDocument.Find(await RevisionDocuments.ReadBytesAsync(db, r.RulesHash, ct) ?? "[]"u8.ToArray(), ruleId);
            if (RuleInDocument.Change(previous, current) is { } change)
                result.Add((new RevisionSummary(r.Id, r.CreatedAt, r.Author, r.Comment, r.Kind, r.State, r.ConfirmBy, r.PreviousRevisionId, r.Outcome, r.RuleCount), change));
            if (r.State.IsInForce() || r.State == RevisionState.Reverted) (previousHash, previous) = (r.RulesHash, current);
        }
        return result;
    }

    // ---- the export document ----

    /// <summary>The versioned export document of <paramref name="state"/> (GET /api/v1/config/export).</summary>
    public string Export(GatewayState state) => GatewayStateDocument.Serialize(state, clock.GetUtcNow());

    /// <summary>Parses and validates an export document (errors named <c>rules[2].destinationPort</c>).</summary>
    public static (GatewayState? State, Dictionary<string, string[]> Errors) ParseExport(string json) => GatewayStateDocument.Parse(json);

    // ---- the journal ----

    /// <summary>The very first apply records what the kernel had before NatGateway touched it, so it can be rolled back to.</summary>
    public async Task EnsureBaselineAsync(Func<(GatewayState KernelNow, RulesetDocuments Empty)> capture, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Revisions.AnyAsync(ct)) return;
        var (now, empty) = capture();
        db.Revisions.Add(new Revision
        {
            CreatedAt = clock.GetUtcNow(), Author = "natgw", Comment = "kernel state before NatGateway's first apply", Kind = RevisionKind.Baseline,
            State = RevisionState.Applied, RulesDocument = "[]", RulesetJson = empty.Json, RulesetText = empty.Text,
            SettingsDocument = now.Settings is { } s ? SettingsDocument.Serialize(s) : null,
            ConntrackDocument = now.Conntrack is { } c ? ConntrackDocument.Serialize(c) : null, Diff = "",
        });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Writes the journal entry (state <see cref="RevisionState.Applying"/>) before the kernel is touched: the whole target
    /// state (settings and conntrack concrete) and the compiled ruleset. The readable diff is not part of it: the apply
    /// makes it (<see cref="Describe"/>) beside the kernel step and adds it with <see cref="WriteDiffAsync"/>; recovery
    /// needs only the state, so an entry a crash interrupts simply has no diff.
    /// </summary>
    public async Task<Revision> BeginAsync(JournalEntry entry, CancellationToken ct = default)
    {
        var previous = entry.Previous;
        var target = entry.Target;
        var revision = new Revision
        {
            Id = entry.Id ?? 0, CreatedAt = clock.GetUtcNow(), Author = entry.Author, Comment = entry.Comment, Kind = entry.Kind, State = RevisionState.Applying,
            RulesDocument = entry.RulesDocument ?? RulesDocument.Serialize(target.Rules), RuleCount = target.Rules.Count,
            // Documents that follow the kernel step (WriteDetailsAsync) are empty until then; only an applying or
            // interrupted entry can be read so.
            RulesetJson = entry.Compiled?.Json ?? "", RulesetText = entry.Compiled?.Text,
            SettingsDocument = target.Settings is { } s ? SettingsDocument.Serialize(s, target.Interfaces) : null, PreviousRevisionId = previous?.Id,
            ConntrackDocument = target.Conntrack is { } c ? ConntrackDocument.Serialize(c) : null,
            ClusterDocument = ClusterDocument.Serialize(target.Cluster),
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Revisions.Add(revision);
        await db.SaveChangesAsync(ct);
        // The next apply and the pending diff compare against these rules: keep the parsed list rather than parse it back.
        if (revision.RulesHash is { Length: > 0 } hash) _cache.Add("rules:" + hash, target.Rules, 2L * revision.RulesDocument.Length);
        return revision;
    }

    /// <summary>
    /// The rules document of <paramref name="rules"/>, hashed and compressed now (<see cref="RevisionDocuments.Prepack(string, byte[])"/>):
    /// the apply makes it while the kernel side prepares the list, so writing the journal entry does not wait for it.
    /// </summary>
    public static string PrepareRulesDocument(IReadOnlyList<NatRule> rules)
    {
        var utf8 = RuleListUtf8.Of(rules);
        var text = System.Text.Encoding.UTF8.GetString(utf8);
        RevisionDocuments.Prepack(text, utf8);
        return text;
    }

    /// <summary>Hashes and compresses a compiled ruleset's documents ahead of <see cref="WriteDetailsAsync"/>.</summary>
    public static void Prepack(RulesetDocuments documents)
    {
        RevisionDocuments.Prepack(documents.Json);
        if (documents.Text is { } text) RevisionDocuments.Prepack(text);
    }

    /// <summary>The readable diff of a journal entry against what was in force: rules, ruleset lines, settings, fixes, conntrack.</summary>
    public static string Describe(JournalEntry entry, RulesetDocuments compiled)
    {
        var previous = entry.Previous;
        var target = entry.Target;
        var previousConntrack = previous?.Gateway.Conntrack ?? (previous is null ? null : entry.ConntrackBefore);
        return DescribeRules(previous?.Gateway.Rules ?? [], target.Rules, previous?.RulesetText, compiled.Text)
               + string.Concat(SettingsDocument.Diff(previous?.Gateway.Settings, target.Settings).Select(l => "setting " + l + "\n"))
               + string.Concat(InterfaceFixes.Diff(previous?.Gateway.Interfaces, target.Interfaces).Select(l => "interface " + l + "\n"))
               + string.Concat(ConntrackDocument.Diff(previousConntrack, target.Conntrack).Select(l => "conntrack " + l + "\n"))
               + string.Concat(ClusterDocument.Diff(previous?.Gateway.Cluster, target.Cluster).Select(l => "cluster " + l + "\n"));
    }

    /// <summary>Adds the readable diff to a journal entry (stored once by hash, like the other documents).</summary>
    public Task WriteDiffAsync(Revision revision, string diff, CancellationToken ct = default) => WriteDetailsAsync(revision, null, diff, ct);

    /// <summary>
    /// Adds a journal entry's readable diff and, when it was written without them, its compiled documents (the kernel
    /// side's batch and listing text, which arrive while the kernel step runs), in one transaction.
    /// </summary>
    public async Task WriteDetailsAsync(Revision revision, RulesetDocuments? compiled, string diff, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var hash = await RevisionDocuments.StoreAsync(db, diff, ct);
        if (compiled is not null)
        {
            var json = await RevisionDocuments.StoreAsync(db, compiled.Json, ct);
            var text = compiled.Text is { } t ? await RevisionDocuments.StoreAsync(db, t, ct) : null;
            await db.Revisions.Where(r => r.Id == revision.Id).ExecuteUpdateAsync(u => u
                .SetProperty(r => r.DiffHash, hash).SetProperty(r => r.RulesetJsonHash, json).SetProperty(r => r.RulesetTextHash, text), ct);
            revision.RulesetJson = compiled.Json;
            revision.RulesetJsonHash = json;
            revision.RulesetText = compiled.Text;
            revision.RulesetTextHash = text;
        }
        else await db.Revisions.Where(r => r.Id == revision.Id).ExecuteUpdateAsync(u => u.SetProperty(r => r.DiffHash, hash), ct);
        await tx.CommitAsync(ct);
        revision.Diff = diff;
        revision.DiffHash = hash;
    }

    /// <summary>Ends a journal entry that did not commit (failed, interrupted).</summary>
    public Task FinishAsync(Revision revision, RevisionState state, string outcome, CancellationToken ct = default)
    {
        revision.State = state;
        revision.Outcome = outcome;
        return UpdateAsync(revision.Id, state, outcome, revision.ConfirmBy, ct);
    }

    /// <summary>The journal entry is in force (or in force until <paramref name="confirmBy"/>).</summary>
    public Task CommitAsync(Revision revision, DateTimeOffset? confirmBy, CancellationToken ct = default)
    {
        revision.State = confirmBy is null ? RevisionState.Applied : RevisionState.PendingConfirmation;
        revision.ConfirmBy = confirmBy;
        return UpdateAsync(revision.Id, revision.State, revision.Outcome, confirmBy, ct);
    }

    /// <summary>Records what happened to a revision after it was written (purged flows, kept edits, a revert notice).</summary>
    public async Task SetOutcomeAsync(Revision revision, string outcome, CancellationToken ct = default)
    {
        revision.Outcome = outcome;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Revisions.Where(r => r.Id == revision.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Outcome, outcome), ct);
    }

    /// <summary>Keeps a pending change; false when <paramref name="id"/> is not waiting for confirmation.</summary>
    public async Task<bool> ConfirmAsync(long id, string? author, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var revision = await db.Revisions.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (revision is null || revision.State != RevisionState.PendingConfirmation) return false;
        revision.State = RevisionState.Applied;
        revision.Outcome = $"confirmed by {author ?? "unknown"} at {clock.GetUtcNow():u}";
        revision.ConfirmBy = null;
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task MarkRevertedAsync(long id, string outcome, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Revisions.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.State, RevisionState.Reverted).SetProperty(r => r.Outcome, outcome), ct);
    }

    /// <summary>Journal entries left <see cref="RevisionState.Applying"/> (the process died mid-apply) become interrupted.</summary>
    public async Task<int> InterruptApplyingAsync(string outcome, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Revisions.Where(r => r.State == RevisionState.Applying)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.State, RevisionState.Interrupted).SetProperty(r => r.Outcome, outcome), ct);
    }

    private async Task UpdateAsync(long id, RevisionState state, string? outcome, DateTimeOffset? confirmBy, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Revisions.Where(r => r.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.State, state).SetProperty(r => r.Outcome, outcome).SetProperty(r => r.ConfirmBy, confirmBy), ct);
    }

    // ---- HA configuration sync ----

    /// <summary>The highest revision id stored (0: none).</summary>
    public async Task<long> MaxIdAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Revisions.MaxAsync(r => (long?)r.Id, ct) ?? 0;
    }

    /// <summary>
    /// The lowest id a revision replicated from the HA primary may be stored under here: above the newest revision that is
    /// more than a re-apply. Start-up recovery and re-apply records only put an earlier revision's state in force again,
    /// so a backup drops them to store the primary's revision under its id (a backup restarting while the primary applied
    /// would otherwise hold the id the primary gave the change it missed).
    /// </summary>
    public async Task<long> FirstReplicableIdAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await db.Revisions.Where(r => r.Kind != RevisionKind.Startup && r.Kind != RevisionKind.Reapply).MaxAsync(r => (long?)r.Id, ct) ?? 0) + 1;
    }

    /// <summary>
    /// Revisions newer than <paramref name="afterId"/> that were put in force (applied, pending, or reverted later) and
    /// are not local to this kernel (baseline): what a peer at <paramref name="afterId"/> has missed.
    /// </summary>
    public async Task<int> CountInForceSinceAsync(long afterId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Revisions.CountAsync(r => r.Id > afterId && r.Kind != RevisionKind.Baseline
            && (r.State == RevisionState.Applied || r.State == RevisionState.PendingConfirmation || r.State == RevisionState.Reverted), ct);
    }

    /// <summary>
    /// The next revision gets an id above <paramref name="id"/> (SQLite AUTOINCREMENT's <c>sqlite_sequence</c>): the
    /// primary allocates above every id the backup holds, so the backup can store each replicated revision under its id.
    /// </summary>
    public async Task ReserveIdsThroughAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var updated = await db.Database.ExecuteSqlAsync($"""UPDATE sqlite_sequence SET seq = {id} WHERE name = 'Revisions' AND seq < {id}""", ct);
        if (updated == 0)
            await db.Database.ExecuteSqlAsync($"""INSERT INTO sqlite_sequence (name, seq) SELECT 'Revisions', {id} WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'Revisions')""", ct);
    }

    /// <summary>
    /// The operator's resync on a backup: revisions from <paramref name="fromId"/> on (which the primary does not have) are
    /// deleted so the primary's revision can be stored under its id. Returns how many were deleted.
    /// </summary>
    public async Task<int> DeleteFromAsync(long fromId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var deleted = await db.Revisions.Where(r => r.Id >= fromId).ExecuteDeleteAsync(ct);
        await RevisionDocuments.DeleteUnreferencedAsync(db, ct);
        return deleted;
    }

    // ---- retention ----

    /// <summary>
    /// Deletes the revisions retention no longer keeps (<see cref="RevisionRetention"/>): run after each new revision and
    /// once at start. Returns how many were deleted.
    /// </summary>
    public async Task<int> PruneAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var headers = await db.Revisions.AsNoTracking()
            .Select(r => new RevisionHeader(r.Id, r.CreatedAt, r.State, r.PreviousRevisionId)).ToListAsync(ct);
        var prunable = _retention.Prunable(headers, clock.GetUtcNow());
        if (prunable.Count == 0) return 0;
        var deleted = 0;
        // In chunks: SQLite limits the number of parameters in one statement.
        foreach (var chunk in prunable.Chunk(500))
            deleted += await db.Revisions.Where(r => chunk.Contains(r.Id)).ExecuteDeleteAsync(ct);
        // Documents go with the last revision that held them (others share them: stored once).
        await RevisionDocuments.DeleteUnreferencedAsync(db, ct);
        _logger.LogInformation("retention: deleted {Count} old revision(s) (keeping the newest {KeepCount}, none older than {KeepDays} days)",
            deleted, _retention.KeepCount, _retention.KeepDays);
        return deleted;
    }

    /// <summary>Pruning is housekeeping: its failure is logged and never fails the apply or the start that ran it.</summary>
    public async Task PruneQuietlyAsync(CancellationToken ct = default)
    {
        try
        {
            await PruneAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogError(e, "revision retention failed; old revisions are kept until the next apply");
        }
    }

    // ---- documents ----

    private static IQueryable<Revision> InForce(NatGatewayDbContext db) =>
        db.Revisions.AsNoTracking().Where(r => r.State == RevisionState.Applied || r.State == RevisionState.PendingConfirmation)
            .OrderByDescending(r => r.Id);

    private sealed record ContentRow(long Id, RevisionKind Kind, RevisionState State, DateTimeOffset CreatedAt, DateTimeOffset? ConfirmBy,
        long? PreviousRevisionId, string RulesHash, string? SettingsDocument, string? ConntrackDocument, string RulesetJsonHash, string? RulesetTextHash,
        string? ClusterDocument);

    private static readonly System.Linq.Expressions.Expression<Func<Revision, ContentRow>> ContentColumns = r =>
        new ContentRow(r.Id, r.Kind, r.State, r.CreatedAt, r.ConfirmBy, r.PreviousRevisionId, r.RulesHash, r.SettingsDocument,
            r.ConntrackDocument, r.RulesetJsonHash, r.RulesetTextHash, r.ClusterDocument);

    private async Task<RevisionContent> ContentAsync(NatGatewayDbContext db, ContentRow r, CancellationToken ct) =>
        new(r.Id, r.Kind, r.State, r.CreatedAt, r.ConfirmBy, r.PreviousRevisionId,
            new GatewayState(await RulesAsync(db, r.RulesHash, ct), SettingsDocument.Parse(r.SettingsDocument), ConntrackDocument.Parse(r.ConntrackDocument),
                InterfaceFixes.Parse(r.SettingsDocument), ClusterDocument.Parse(r.ClusterDocument)),
            await TextAsync(db, r.RulesetJsonHash, ct) ?? "", await TextAsync(db, r.RulesetTextHash, ct));

    /// <summary>The rules of a stored document, parsed once per hash (read-only: the cached list is shared).</summary>
    private async Task<IReadOnlyList<NatRule>> RulesAsync(NatGatewayDbContext db, string hash, CancellationToken ct)
    {
        if (_cache.TryGet<IReadOnlyList<NatRule>>("rules:" + hash, out var cached)) return cached;
        var bytes = await RevisionDocuments.ReadBytesAsync(db, hash, ct);
        if (bytes is null) return [];
        var rules = RulesDocument.Parse(Encoding.UTF8.GetString(bytes)).ToArray().AsReadOnly();
        // Weight: about twice the document's bytes (objects and strings of 10,000 rules).
        _cache.Add("rules:" + hash, rules, 2L * bytes.Length);
        return rules;
    }

    private async Task<IReadOnlyList<NatRule>> RulesAsync(string hash, CancellationToken ct)
    {
        if (_cache.TryGet<IReadOnlyList<NatRule>>("rules:" + hash, out var cached)) return cached;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await RulesAsync(db, hash, ct);
    }

    /// <summary>The rules of a stored document as ids and raw JSON (what a diff compares), cached by hash.</summary>
    private async Task<RuleDocumentDiff.Entries> EntriesAsync(string hash, CancellationToken ct)
    {
        if (_cache.TryGet<RuleDocumentDiff.Entries>("entries:" + hash, out var cached)) return cached;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entries = RuleDocumentDiff.Read(await RevisionDocuments.ReadBytesAsync(db, hash, ct) ?? "[]"u8.ToArray());
        _cache.Add("entries:" + hash, entries, entries.Weight);
        return entries;
    }

    /// <summary>A stored text document, cached by hash.</summary>
    private async Task<string?> TextAsync(NatGatewayDbContext db, string? hash, CancellationToken ct)
    {
        if (hash is null) return null;
        if (_cache.TryGet<string>("text:" + hash, out var cached)) return cached;
        var bytes = await RevisionDocuments.ReadBytesAsync(db, hash, ct);
        if (bytes is null) return null;
        var text = Encoding.UTF8.GetString(bytes);
        _cache.Add("text:" + hash, text, 2L * text.Length);
        return text;
    }

    /// <summary>The non-empty lines of a ruleset text (what the diffs compare), cached by hash.</summary>
    private async Task<string[]> LinesAsync(string? hash, CancellationToken ct)
    {
        if (hash is null) return [];
        if (_cache.TryGet<string[]>("lines:" + hash, out var cached)) return cached;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var bytes = await RevisionDocuments.ReadBytesAsync(db, hash, ct);
        var lines = Lines(bytes is null ? null : Encoding.UTF8.GetString(bytes));
        _cache.Add("lines:" + hash, lines, 2L * (bytes?.Length ?? 0));
        return lines;
    }

    /// <summary>The full state of a revision entity (its documents parsed).</summary>
    public static GatewayState StateOf(Revision revision) =>
        new(RulesDocument.Parse(revision.RulesDocument), SettingsDocument.Parse(revision.SettingsDocument),
            ConntrackDocument.Parse(revision.ConntrackDocument), InterfaceFixes.Parse(revision.SettingsDocument), ClusterDocument.Parse(revision.ClusterDocument));

    private static string[] Lines(string? text) =>
        (text ?? "").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();

    /// <summary>The readable rule and ruleset diff a revision keeps ("added web", "changed mail", "ruleset:" lines).</summary>
    internal static string DescribeRules(IReadOnlyList<NatRule> before, IReadOnlyList<NatRule> after, string? rulesetBefore, string? rulesetAfter)
    {
        var sb = new StringBuilder();
        foreach (var change in RuleListDiff.Compare(before, after))
        {
            sb.AppendLine($"{change.Change} {change.Name}");
            foreach (var d in change.Details) sb.AppendLine("    " + d);
        }
        var a = Lines(rulesetBefore);
        var b = Lines(rulesetAfter);
        if (!a.SequenceEqual(b))
        {
            sb.AppendLine("ruleset:");
            foreach (var line in TextDiff.Lines(a, b)) sb.AppendLine(line);
        }
        return sb.ToString();
    }
}

/// <summary>A revision's whole state and what an apply compares against; no diff, comment or outcome.</summary>
public sealed record RevisionContent(long Id, RevisionKind Kind, RevisionState State, DateTimeOffset CreatedAt, DateTimeOffset? ConfirmBy,
    long? PreviousRevisionId, GatewayState Gateway, string RulesetJson, string? RulesetText);

/// <summary>What the journal step writes: the target (settings and conntrack captured when the change leaves them), and what was in force.</summary>
/// <remarks><paramref name="Compiled"/> null: the kernel side's documents follow the kernel step (<see cref="RevisionStore.WriteDetailsAsync"/>).</remarks>
public sealed record JournalEntry(RevisionKind Kind, string? Comment, string? Author, GatewayState Target, RulesetDocuments? Compiled,
    RevisionContent? Previous, CapacityApplyRequest? ConntrackBefore)
{
    /// <summary>The id to store the revision under (HA sync: the primary's id on the backup); null: the next free id.</summary>
    public long? Id { get; init; }

    /// <summary>The target's rules document made (and hashed and compressed) ahead (<see cref="RevisionStore.PrepareRulesDocument"/>); null: made on writing.</summary>
    public string? RulesDocument { get; init; }
}
