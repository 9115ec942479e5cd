using System.Collections.Immutable;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NatGateway.Core.Kernel;
using NatGateway.Data;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Core.Rules;

/// <summary>
/// The ordered NAT rule list: stored in SQLite (the desired state), validated with the domain validator,
/// compiled to one nftables batch for NatGateway's own table and applied as one transaction
/// (<c>nft -j -f batch.json</c>). Every apply is recorded as a revision.
/// <para>
/// The draft lives in memory as an immutable <see cref="RuleDraft"/>, loaded once and read without queries. It is
/// checked against the database with one pragma per read (<see cref="DatabaseChangeStamp"/>); when some connection
/// committed, one small query on the NatRuleListVersion counter (kept by triggers on NatRules) tells whether the rules
/// changed behind our back (<c>natgw config import</c>, another process) and only then are they read again. Writes
/// touch only the rows that change (one INSERT to create at the end, one UPDATE to edit, a DELETE or a move plus one
/// ranged UPDATE of positions), in one transaction that first checks the counter; memory follows only after the
/// commit, and any failure drops the snapshot so the next read reloads what the database holds. Validation of one rule
/// uses a <see cref="RuleValidationIndex"/> kept with the draft, so it costs the same at 10 rules as at 10,000.
/// </para>
/// </summary>
public sealed class NatRulesService(
    IGatewayKernel kernel,
    IDbContextFactory<NatGatewayDbContext> dbFactory,
    NatCompileOptions compileOptions,
    TimeProvider clock,
    Revisions.RevisionStore? revisions = null,
    Cluster.ClusterMode? clusterMode = null) : IDisposable
{
    // The rules in force come from the revision store; the draft alone is this service's.
    private readonly Revisions.RevisionStore _revisions = revisions ?? new Revisions.RevisionStore(dbFactory, clock);

    /// <summary>Serializes writes and reloads; readers take it only when the snapshot may be stale.</summary>
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly DatabaseChangeStamp _changes = new(dbFactory);
    private volatile RuleDraft? _draft;
    /// <summary>Names and forwards of <see cref="_draft"/>; used and changed only under <see cref="_writeLock"/>.</summary>
    private RuleValidationIndex _index = new();
    /// <summary>Mark ids of <see cref="_draft"/>; same rules as <see cref="_index"/>.</summary>
    private MarkIdPool _marks = new();

    /// <summary>
    /// The apply gate's answer (<see cref="Errors"/>) for draft snapshots, by list instance: an immutable list's
    /// errors never change, so a list validated once — or known valid because the write that made it checked it (see
    /// <see cref="DraftWrite{T}.KnownValid"/>) — is not validated again (~125 ms at 10,000 rules, issue 12). Weak: a
    /// snapshot nobody holds takes its entry with it.
    /// </summary>
    private readonly ConditionalWeakTable<ImmutableList<NatRule>, IReadOnlyList<(Guid RuleId, string Name, ValidationIssue Issue)>> _listErrors = new();

    private const string VersionTable = "NatRuleListVersion";

    /// <summary>Raised after any change to the desired rules or an apply.</summary>
    public event Action? Changed;

    public NatCompileOptions CompileOptions => compileOptions;

    public async Task<IReadOnlyList<NatRule>> ListAsync(CancellationToken ct = default) => (await CurrentAsync(ct)).Rules;

    public async Task<NatRule?> GetAsync(Guid id, CancellationToken ct = default) => (await CurrentAsync(ct)).Find(id);

    /// <summary>Adds a rule at the end of the list (or at <paramref name="position"/>), after validation against the rules before it.</summary>
    public Task<RuleSaveOutcome> CreateAsync(NatRule rule, string? actor, int? position = null, CancellationToken ct = default) =>
        WriteAsync(draft =>
        {
            var now = clock.GetUtcNow();
            var index = Math.Clamp(position ?? draft.Count, 0, draft.Count);
            var candidate = rule with
            {
                Id = rule.Id == Guid.Empty || draft.IndexOf(rule.Id) >= 0 ? Guid.NewGuid() : rule.Id,
                MarkId = _marks.Next(),
                CreatedAt = now, UpdatedAt = now, CreatedBy = actor, UpdatedBy = actor,
            };
            return SaveOne(draft, index, candidate, insert: true);
        }, ct);

    /// <summary>Replaces a rule's content, keeping its id, mark id, position and creation facts.</summary>
    public Task<RuleSaveOutcome?> UpdateAsync(Guid id, NatRule rule, string? actor, CancellationToken ct = default) =>
        WriteAsync<RuleSaveOutcome?>(draft =>
        {
            var index = draft.IndexOf(id);
            if (index < 0) return DraftWrite.None<RuleSaveOutcome?>(null);
            var existing = draft.Rules[index];
            var candidate = rule with
            {
                Id = id, MarkId = existing.MarkId, CreatedAt = existing.CreatedAt, CreatedBy = existing.CreatedBy,
                UpdatedAt = clock.GetUtcNow(), UpdatedBy = actor,
            };
            return SaveOne(draft, index, candidate, insert: false)!;
        }, ct);

    public Task<RuleSaveOutcome?> SetEnabledAsync(Guid id, bool enabled, string? actor, CancellationToken ct = default) =>
        WriteAsync<RuleSaveOutcome?>(draft =>
        {
            var index = draft.IndexOf(id);
            if (index < 0) return DraftWrite.None<RuleSaveOutcome?>(null);
            var candidate = draft.Rules[index] with { Enabled = enabled, UpdatedAt = clock.GetUtcNow(), UpdatedBy = actor };
            return SaveOne(draft, index, candidate, insert: false)!;
        }, ct);

    public Task<bool> DeleteAsync(Guid id, string? actor, CancellationToken ct = default) =>
        WriteAsync(draft =>
        {
            var index = draft.IndexOf(id);
            if (index < 0) return DraftWrite.None(false);
            var removed = draft.Rules[index];
            return new DraftWrite<bool>(true, RuleDraft.Of(draft.Rules.RemoveAt(index), -1),
                async (db, ct) =>
                {
                    await db.NatRules.Where(r => r.Id == id).ExecuteDeleteAsync(ct);
                    await db.NatRules.Where(r => r.Position > index).ExecuteUpdateAsync(s => s.SetProperty(r => r.Position, r => r.Position - 1), ct);
                },
                ix =>
                {
                    ix.Remove(removed);
                    _marks.Release(removed.MarkId);
                })
            { KnownValid = IsKnownValid(draft.Rules) };
        }, ct);

    /// <summary>Puts the rules in the given order (every id exactly once). Refused when the new order makes a rule invalid (e.g. shadowed).</summary>
    public Task<RuleSaveOutcome> ReorderAsync(IReadOnlyList<Guid> order, string? actor, CancellationToken ct = default) =>
        WriteAsync(draft =>
        {
            var rules = draft.Rules;
            if (order.Count != rules.Count || order.Distinct().Count() != order.Count || order.Any(id => draft.IndexOf(id) < 0))
                return DraftWrite.None(new RuleSaveOutcome(null, [new ValidationIssue("order", $"must list each of the {rules.Count} rule ids exactly once")]));
            var list = order.Select(id => rules[draft.IndexOf(id)]).ToList();
            if (ListErrors(list) is { Count: > 0 } errors) return DraftWrite.None(new RuleSaveOutcome(null, errors));
            var moved = list.Select((r, i) => (r.Id, i)).Where(x => draft.IndexOf(x.Id) != x.i).ToList();
            return new DraftWrite<RuleSaveOutcome>(new RuleSaveOutcome(list.Count > 0 ? list[0] with { Position = 0 } : null, []),
                RuleDraft.Of(list, -1),
                async (db, ct) =>
                {
                    // Only the rows whose place changed, as position-only updates.
                    foreach (var (id, i) in moved)
                    {
                        var stub = new NatRuleRecord { Id = id, Kind = "", Name = "", Document = "" };
                        db.NatRules.Attach(stub);
                        stub.Position = i;
                        db.Entry(stub).Property(r => r.Position).IsModified = true;
                    }
                    await db.SaveChangesAsync(ct);
                },
                _ => { })
            { KnownValid = true };
        }, ct);

    /// <summary>Moves one rule up (-1) or down (+1).</summary>
    public Task<RuleSaveOutcome> MoveAsync(Guid id, int delta, string? actor, CancellationToken ct = default) =>
        WriteAsync(draft =>
        {
            var index = draft.IndexOf(id);
            var target = index + delta;
            if (index < 0 || target < 0 || target >= draft.Count) return DraftWrite.None(new RuleSaveOutcome(null, [new ValidationIssue("position", "cannot move further")]));
            return MoveOne(draft, index, target);
        }, ct);

    /// <summary>How many rules the draft has.</summary>
    public async Task<int> CountAsync(CancellationToken ct = default) => (await CurrentAsync(ct)).Count;

    /// <summary>One page of the draft, filtered (<see cref="RuleQuery"/>); each rule keeps its position in the whole list.</summary>
    public async Task<Paging.PagedList<NatRule>> QueryAsync(RuleQuery query, CancellationToken ct = default)
    {
        var rules = (await CurrentAsync(ct)).Rules;
        var skip = Paging.Paging.Skip(query.Page, query.PageSize);
        if (query is { Kind: null, Enabled: null } && string.IsNullOrWhiteSpace(query.Search))
        {
            // No filter: the page is a slice of the list (O(page · log n)).
            var page = new List<NatRule>(Math.Max(0, Math.Min(query.PageSize, rules.Count - skip)));
            for (var i = skip; i < rules.Count && page.Count < query.PageSize; i++) page.Add(rules[i]);
            return new Paging.PagedList<NatRule>(page, query.Page, query.PageSize, rules.Count);
        }
        var matching = rules.Where(query.Matches).ToList();
        var items = matching.Skip(skip).Take(query.PageSize).ToList();
        return new Paging.PagedList<NatRule>(items, query.Page, query.PageSize, matching.Count);
    }

    /// <summary>Moves one rule to <paramref name="position"/> (0 first; the others keep their order). Refused like <see cref="ReorderAsync"/>.</summary>
    public Task<RuleSaveOutcome> MoveToAsync(Guid id, int position, string? actor, CancellationToken ct = default) =>
        WriteAsync(draft =>
        {
            var index = draft.IndexOf(id);
            if (index < 0) return DraftWrite.None(new RuleSaveOutcome(null, [new ValidationIssue("id", "no such rule")]));
            if (position < 0 || position > draft.Count - 1)
                return DraftWrite.None(new RuleSaveOutcome(null, [new ValidationIssue("position", $"must be between 1 and {draft.Count}")]));
            return MoveOne(draft, index, position);
        }, ct);

    /// <summary>Moves one rule just before <paramref name="beforeId"/> (null: to the end).</summary>
    public Task<RuleSaveOutcome> MoveBeforeAsync(Guid id, Guid? beforeId, string? actor, CancellationToken ct = default) =>
        WriteAsync(draft =>
        {
            var index = draft.IndexOf(id);
            if (index < 0) return DraftWrite.None(new RuleSaveOutcome(null, [new ValidationIssue("id", "no such rule")]));
            // The place of "before" in the list without the moved rule.
            var before = beforeId is { } b ? (b == id ? -1 : draft.IndexOf(b)) : draft.Count;
            if (before < 0) return DraftWrite.None(new RuleSaveOutcome(null, [new ValidationIssue("before", beforeId == id ? "a rule cannot move before itself" : "no such rule")]));
            var target = before > index ? before - 1 : before;
            return MoveOne(draft, index, target);
        }, ct);

    /// <summary>
    /// Enables, disables or deletes the given rules as one draft change. All or nothing: refused when an id is unknown or
    /// the result has errors (enabling a rule another one shadows).
    /// </summary>
    public Task<BulkOutcome> BulkAsync(BulkAction action, IReadOnlyCollection<Guid> ids, string? actor, CancellationToken ct = default) =>
        WriteAsync(draft =>
        {
            var selected = ids.ToHashSet();
            var known = selected.Count(id => draft.IndexOf(id) >= 0);
            if (known != selected.Count)
                return DraftWrite.None(new BulkOutcome(0, [new ValidationIssue("ids", $"{selected.Count - known} of the {selected.Count} rule ids do not exist")]));
            var now = clock.GetUtcNow();
            var list = new List<NatRule>(draft.Count);
            var edited = new List<NatRule>();
            var deleted = new List<Guid>();
            foreach (var rule in draft.Rules)
            {
                if (!selected.Contains(rule.Id)) { list.Add(rule); continue; }
                if (action == BulkAction.Delete) { deleted.Add(rule.Id); continue; }
                var enabled = action == BulkAction.Enable;
                if (rule.Enabled == enabled) { list.Add(rule); continue; }
                var changed = Stored(rule with { Enabled = enabled, UpdatedAt = now, UpdatedBy = actor, Position = list.Count });
                edited.Add(changed);
                list.Add(changed);
            }
            var errors = ListErrors(list);
            if (errors.Count > 0) return DraftWrite.None(new BulkOutcome(0, errors));
            var count = edited.Count + deleted.Count;
            if (count == 0) return DraftWrite.None(new BulkOutcome(0, []));
            return new DraftWrite<BulkOutcome>(new BulkOutcome(count, []), RuleDraft.Of(list, -1),
                async (db, ct) =>
                {
                    if (deleted.Count > 0)
                    {
                        await db.NatRules.Where(r => deleted.Contains(r.Id)).ExecuteDeleteAsync(ct);
                        await RenumberAsync(db, ct);
                    }
                    foreach (var rule in edited) db.NatRules.Update(ToRecord(rule));
                    await db.SaveChangesAsync(ct);
                },
                null)
            { KnownValid = true };
        }, ct);

    /// <summary>
    /// Creates and updates many rules as ONE draft change (<c>POST /api/v1/rules/batch</c>): a rule whose id exists replaces
    /// it in place (keeping its mark id, position and creation facts); any other is appended in request order. Every
    /// rule is checked at once and every error is reported by its index in <paramref name="batch"/>; nothing is saved
    /// unless all pass. An existing rule the batch would break (e.g. now shadowed) is reported with index -1, its key
    /// "rules" and its name and position in the message.
    /// </summary>
    public Task<BatchOutcome> SaveBatchAsync(IReadOnlyList<NatRule> batch, string? actor, CancellationToken ct = default) =>
        WriteAsync(draft =>
        {
            var now = clock.GetUtcNow();
            var list = draft.Rules.ToList();
            var indexById = new Dictionary<Guid, int>();
            var batchIndexById = new Dictionary<Guid, int>();
            var errors = new List<BatchError>();
            int created = 0, updated = 0;
            for (var b = 0; b < batch.Count; b++)
            {
                var rule = batch[b];
                if (rule.Id != Guid.Empty && !batchIndexById.TryAdd(rule.Id, b))
                {
                    errors.Add(new BatchError(b, new ValidationIssue("id", $"the same id is already in this batch at rules[{batchIndexById[rule.Id]}]")));
                    continue;
                }
                if (clusterMode?.Refusal(rule) is { } refusal) { errors.Add(new BatchError(b, refusal)); continue; }
                var at = rule.Id == Guid.Empty ? -1 : draft.IndexOf(rule.Id);
                if (at < 0 && rule.Id != Guid.Empty && indexById.TryGetValue(rule.Id, out var added)) at = added;
                if (at >= 0)
                {
                    var existing = list[at];
                    list[at] = rule with { MarkId = existing.MarkId, CreatedAt = existing.CreatedAt, CreatedBy = existing.CreatedBy, UpdatedAt = now, UpdatedBy = actor };
                    updated++;
                }
                else
                {
                    var id = rule.Id == Guid.Empty ? Guid.NewGuid() : rule.Id;
                    batchIndexById[id] = b;
                    list.Add(rule with { Id = id, MarkId = 0, CreatedAt = now, UpdatedAt = now, CreatedBy = actor, UpdatedBy = actor });
                    indexById[id] = list.Count - 1;
                    created++;
                }
            }
            if (errors.Count > 0) return DraftWrite.None(new BatchOutcome([], 0, 0, errors));
            var assigned = MarkIdAllocator.AssignMissing(list);
            var byBatchIndex = batchIndexById;
            foreach (var (ruleId, name, issue) in ValidateList(assigned, null).Where(p => p.Issue.Severity == IssueSeverity.Error))
                if (byBatchIndex.TryGetValue(ruleId, out var b)) errors.Add(new BatchError(b, issue));
                else errors.Add(new BatchError(-1, issue with { Message = $"Rule '{name}' (position {draft.IndexOf(ruleId) + 1}, not in this batch): {issue.Message}" }));
            if (errors.Count > 0) return DraftWrite.None(new BatchOutcome([], 0, 0, errors.OrderBy(e => e.Index).ToList()));
            var changedRows = new List<(NatRule Rule, bool Insert)>();
            var stored = new List<NatRule>(assigned.Count);
            for (var i = 0; i < assigned.Count; i++)
            {
                if (!byBatchIndex.ContainsKey(assigned[i].Id)) { stored.Add(assigned[i]); continue; }
                var rule = Stored(assigned[i] with { Position = i });
                stored.Add(rule);
                changedRows.Add((rule, i >= draft.Count));
            }
            var saved = assigned.Select((r, i) => (r, i)).Where(x => byBatchIndex.ContainsKey(x.r.Id))
                .OrderBy(x => byBatchIndex[x.r.Id]).Select(x => x.r with { Position = x.i }).ToList();
            return new DraftWrite<BatchOutcome>(new BatchOutcome(saved, created, updated, []), RuleDraft.Of(stored, -1),
                async (db, ct) =>
                {
                    foreach (var (rule, insert) in changedRows)
                        if (insert) db.NatRules.Add(ToRecord(rule));
                        else db.NatRules.Update(ToRecord(rule));
                    await db.SaveChangesAsync(ct);
                },
                null)
            { KnownValid = true };
        }, ct);

    /// <summary>The name problem of <paramref name="name"/> for the rule <paramref name="id"/> (null for a new rule): missing, malformed or already used.</summary>
    public async Task<IReadOnlyList<ValidationIssue>> NameIssuesAsync(Guid? id, string name, CancellationToken ct = default)
    {
        var issues = NatRuleValidator.NameIssues(name).ToList();
        if (issues.Count == 0 && NatRuleValidator.NameClash(id ?? Guid.Empty, name, await ListAsync(ct)) is { } clash)
            issues.Add(clash);
        return issues;
    }

    /// <summary>Errors and warnings of every rule against the rules before it (warnings need the live host).</summary>
    public List<(Guid RuleId, string Name, ValidationIssue Issue)> ValidateList(IReadOnlyList<NatRule> rules, IHostFacts? host)
    {
        var results = NatRuleValidator.ValidateAll(rules, host);
        var names = new Dictionary<Guid, string>(rules.Count);
        foreach (var rule in rules) names.TryAdd(rule.Id, rule.Name);
        return results.SelectMany(kv => kv.Value.Issues.Select(i => (kv.Key, names[kv.Key], i))).ToList();
    }

    /// <summary>
    /// Compiles the desired rules, with the compiler's own <c>nft list</c> text (<see cref="NftListingText"/>, equal to the
    /// kernel's rendering): what revisions keep and diffs compare. Pure: no kernel, no scratch namespace (that rendering
    /// cost ~0.8 s per apply at 10,000 forwards; <see cref="CompileWithKernelText"/> does it when a page asks).
    /// </summary>
    public CompiledRuleset Compile(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        var compiled = NatRulesetCompiler.Compile(rules, compileOptions, mssClamp ?? []);
        return compiled with { NftText = NftListingText.Render(compiled) };
    }

    /// <summary>
    /// The JSON batch and listing text of <paramref name="rules"/> (<see cref="Compile"/>), made once per draft snapshot:
    /// an immutable list (a snapshot) keeps its documents while it lives, so the pending diff, an apply of a settings
    /// change and the next read of the same snapshot do not compile 10,000 rules again (~100 ms each, issue 12).
    /// </summary>
    public RulesetDocuments Documents(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        var clamp = string.Join(',', mssClamp ?? []);
        if (rules is not ImmutableList<NatRule> snapshot) return RulesetDocuments.Of(Compile(rules, mssClamp));
        if (_documents.TryGetValue(snapshot, out var known) && known.Clamp == clamp) return known.Documents;
        var made = RulesetDocuments.Of(Compile(rules, mssClamp));
        _documents.AddOrUpdate(snapshot, new CompiledSnapshot(clamp, made));
        return made;
    }

    /// <summary>Documents kept for <see cref="Documents"/> by snapshot, weakly (a snapshot nobody holds takes them with it).</summary>
    private readonly ConditionalWeakTable<ImmutableList<NatRule>, CompiledSnapshot> _documents = new();

    private sealed record CompiledSnapshot(string Clamp, RulesetDocuments Documents);

    /// <summary>
    /// <see cref="Compile"/> with the text rendered by the kernel itself in a scratch namespace (GET /api/v1/ruleset), when
    /// the kernel side can make one (CAP_SYS_ADMIN); otherwise the compiler's text.
    /// </summary>
    public CompiledRuleset CompileWithKernelText(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        var compiled = Compile(rules, mssClamp);
        try
        {
            return compiled with { NftText = kernel.NatTables.Render(rules, mssClamp) };
        }
        catch (InvalidOperationException)
        {
            return compiled;
        }
    }

    /// <summary>
    /// What apply would change: the rule diff against the revision in force (its parsed rules are cached by revision id).
    /// With <paramref name="withRuleset"/> also the compiled ruleset text and its line diff against the revision in force's
    /// (both the compiler's text; a DiffPlex diff).
    /// </summary>
    public async Task<PendingChanges> GetPendingAsync(bool withRuleset = true, CancellationToken ct = default)
    {
        var rules = await ListAsync(ct);
        var (lastId, applied) = await _revisions.InForceRulesWithIdAsync(ct);
        var ruleChanges = RuleListDiff.Compare(applied, rules);
        var hasChanges = ruleChanges.Count > 0 || (lastId is null && rules.Count > 0);
        if (!withRuleset) return new PendingChanges(hasChanges, ruleChanges, null, [], lastId);
        string? text = null;
        IReadOnlyList<string> diff = [];
        try
        {
            // The MSS clamp in force stays with the draft (it changes through its own fix, not the rule list).
            text = Documents(rules, await MssClampInForceAsync(ct)).Text;
            var last = lastId is null ? null : await _revisions.InForceRulesetAsync(ct);
            var before = TextLines(last?.RulesetText);
            var after = TextLines(text);
            if (!before.SequenceEqual(after)) diff = TextDiff.Lines(before, after);
        }
        catch (NatCompileException e)
        {
            diff = [$"! the rules cannot be compiled yet: {e.Message}"];
        }
        return new PendingChanges(hasChanges, ruleChanges, text, diff, lastId);
    }

    private static string[] TextLines(string? text) =>
        (text ?? "").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();

    /// <summary>
    /// Puts the rules into the kernel in ONE nftables transaction (<c>nft -j -f batch.json</c>): on any error
    /// libnftables rejects the whole batch and the kernel is unchanged. Revisions are recorded by the caller.
    /// </summary>
    public ApplyResult ApplyToKernel(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) => kernel.NatTables.Apply(rules, mssClamp);

    /// <summary>
    /// Gets the kernel side ready for <see cref="ApplyToKernel"/> of the same list (<see cref="INatTables.Prepare"/>); no
    /// kernel change. False: it prepared nothing (use <see cref="Documents"/>).
    /// </summary>
    public bool PrepareKernel(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) => kernel.NatTables.Prepare(rules, mssClamp);

    /// <summary>What the kernel side compiled for the list it prepared (<see cref="INatTables.PreparedDocuments"/>), else this side's compile.</summary>
    public RulesetDocuments PreparedDocuments(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        kernel.NatTables.PreparedDocuments(rules, mssClamp) ?? Documents(rules, mssClamp);

    /// <summary>The MSS-clamp interfaces of the revision in force (none before the first revision).</summary>
    public async Task<IReadOnlyList<string>> MssClampInForceAsync(CancellationToken ct = default) =>
        (await _revisions.InForceAsync(ct))?.Gateway.Fixes.MssClamp ?? [];

    /// <summary>
    /// Makes the stored rule list (the draft) equal to <paramref name="rules"/>: used by rollback and import. With
    /// <paramref name="validated"/> the caller found no error in exactly these rules with <see cref="NatRuleValidator.ValidateAll"/>
    /// (the import validates while it parses): the apply gate then need not validate this draft again.
    /// </summary>
    public Task ReplaceDraftAsync(IReadOnlyList<NatRule> rules, CancellationToken ct = default, bool validated = false) =>
        WriteAsync(_ => ReplaceAll(true, rules) with { KnownValid = validated }, ct);

    /// <summary>
    /// Makes the draft follow the revision in force when it changes from <paramref name="left"/> to <paramref name="restored"/>
    /// (rollback, automatic revert), keeping the operator's unapplied edits (see <see cref="DraftMerge"/>).
    /// </summary>
    public Task<DraftMergeResult> RebaseDraftAsync(IReadOnlyList<NatRule> left, IReadOnlyList<NatRule> restored, CancellationToken ct = default) =>
        WriteAsync(draft =>
        {
            var merged = DraftMerge.Merge(left, restored, draft.Rules);
            return ReplaceAll(merged, merged.Rules);
        }, ct);

    /// <summary>Discard changes: the draft goes back to the revision in force (none yet: no rules). Returns how many changes were dropped.</summary>
    public Task<int> DiscardDraftAsync(CancellationToken ct = default) =>
        WritePlannedAsync(async draft =>
        {
            var inForce = await _revisions.RulesInForceAsync(ct);
            var dropped = RuleListDiff.Compare(inForce, draft.Rules).Count;
            return ReplaceAll(dropped, inForce);
        }, ct);

    /// <summary>
    /// Errors of the whole list (no host facts), as the apply gate uses them. A draft snapshot (an immutable list) is
    /// validated at most once: its answer is kept with it, and a write that checked the list it made leaves "no errors".
    /// </summary>
    public List<(Guid RuleId, string Name, ValidationIssue Issue)> Errors(IReadOnlyList<NatRule> rules)
    {
        var snapshot = rules as ImmutableList<NatRule>;
        if (snapshot is not null && _listErrors.TryGetValue(snapshot, out var known)) return known.ToList();
        var errors = ValidateList(rules, null).Where(p => p.Issue.Severity == IssueSeverity.Error).ToList();
        if (snapshot is not null) _listErrors.AddOrUpdate(snapshot, errors.ToArray());
        return errors;
    }

    /// <summary>Whether the apply gate already knows <paramref name="rules"/> has no errors (for tests and the apply's log).</summary>
    internal bool IsKnownValid(IReadOnlyList<NatRule> rules) =>
        rules is ImmutableList<NatRule> snapshot && _listErrors.TryGetValue(snapshot, out var known) && known.Count == 0;

    public void RaiseChanged() => Changed?.Invoke();

    public IReadOnlyDictionary<Guid, RuleCounters> ReadCounters()
    {
        try { return kernel.NatTables.ReadCounters(); }
        catch (NftablesException) { return new Dictionary<Guid, RuleCounters>(); }
    }

    /// <summary>Our table in the kernel against the last applied revision (changes made with nft by hand, a deleted table).</summary>
    public async Task<DriftReport?> DetectDriftAsync(CancellationToken ct = default)
    {
        if (await _revisions.InForceRulesetAsync(ct) is null) return null;
        return DetectDrift(await _revisions.RulesInForceAsync(ct), await MssClampInForceAsync(ct));
    }

    /// <summary>
    /// Our table in the kernel against <paramref name="inForce"/>. The last answer stands while the list is the same
    /// instance (the store keeps one parsed list per revision), the MSS clamp the same, and the ruleset generation has not
    /// moved (every commit moves it, nft by hand included): every Rules page opened checks for drift, and at 10,000 rules a
    /// check sends the whole list to the kernel side, which compiles it and lists the whole table.
    /// </summary>
    public DriftReport DetectDrift(IReadOnlyList<NatRule> inForce, IReadOnlyList<string>? mssClamp = null)
    {
        var clamp = string.Join(',', mssClamp ?? []);
        if (ReusableDrift(inForce, clamp) is { } reused) return reused;
        // One check at a time: pages opened together (or one opened while a closed page's check still runs) wait for the
        // check under way and take its answer, instead of each sending the list again.
        lock (_driftGate)
        {
            // Read before the check: a change after this reading moves the generation, so the next check looks again.
            var generation = kernel.NatTables.Generation();
            if (ReusableDrift(inForce, clamp, generation) is { } checkedMeanwhile) return checkedMeanwhile;
            var report = kernel.NatTables.DetectDrift(inForce, mssClamp);
            if (generation is { } known) Volatile.Write(ref _lastDrift, new DriftCheck(inForce, inForce.Count, clamp, known, report));
            return report;
        }
    }

    private DriftReport? ReusableDrift(IReadOnlyList<NatRule> inForce, string clamp, uint? generation = null) =>
        Volatile.Read(ref _lastDrift) is { } last && ReferenceEquals(last.Rules, inForce) && last.Count == inForce.Count && last.Clamp == clamp
        && (generation ?? kernel.NatTables.Generation()) is { } now && now == last.Generation
            ? last.Report
            : null;

    private sealed record DriftCheck(IReadOnlyList<NatRule> Rules, int Count, string Clamp, uint Generation, DriftReport Report);
    private DriftCheck? _lastDrift;
    private readonly Lock _driftGate = new();

    /// <summary>Our tables as the kernel lists them now (<c>nft list table ip natgw</c>).</summary>
    public string ListKernelTables() => kernel.NatTables.ListText();

    public void Dispose() => _changes.Dispose();

    // ---- the draft in memory ----

    /// <summary>The draft, current with the database: from memory while nothing was committed since (one pragma).</summary>
    private async Task<RuleDraft> CurrentAsync(CancellationToken ct)
    {
        if (_draft is { } draft && draft.Stamp == _changes.Current()) return draft;
        await _writeLock.WaitAsync(ct);
        try
        {
            return await FreshLockedAsync(ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Under the write lock: the snapshot if the database still holds it, else the rules read again.</summary>
    private async Task<RuleDraft> FreshLockedAsync(CancellationToken ct)
    {
        // Read before the rows it guards: a commit after this point changes it and the next read checks again.
        var stamp = _changes.Current();
        var draft = _draft;
        if (draft is not null && draft.Stamp == stamp) return draft;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        if (draft is { Version: >= 0 })
        {
            // Some connection committed (the audit log, a revision, the CLI...): did the rules change? The query names
            // NatRules so that a dropped table fails here, as reading it would.
            var (version, any) = await VersionAndAnyAsync(db, ct);
            if (version == draft.Version && any == draft.Count > 0) return _draft = draft.WithStamp(stamp);
        }
        return _draft = await LoadAsync(db, stamp, ct);
    }

    private async Task<RuleDraft> LoadAsync(NatGatewayDbContext db, long stamp, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var hasVersion = Convert.ToInt64(await ScalarAsync(db, $"SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = '{VersionTable}'", ct)) > 0;
        var records = await db.NatRules.AsNoTracking().OrderBy(r => r.Position).ThenBy(r => r.Id).ToListAsync(ct);
        // Positions are dense 0..n-1 in the table (other code reads them); a writer that left gaps is corrected here.
        if (records.Where((r, i) => r.Position != i).Any()) await RenumberAsync(db, ct);
        var version = hasVersion ? Convert.ToInt64(await ScalarAsync(db, $"""SELECT "Version" FROM "{VersionTable}" """, ct)) : -1;
        await tx.CommitAsync(ct);
        var draft = RuleDraft.Of(records.Select(ToRule), version, stamp);
        Reindex(draft);
        return draft;
    }

    /// <summary>One planned change of the draft: the result, and (when something is saved) the rules after it, the rows
    /// to write and how the validation index follows (null: rebuilt).</summary>
    private sealed record DraftWrite<T>(T Result, RuleDraft? After, Func<NatGatewayDbContext, CancellationToken, Task>? Rows,
        Action<RuleValidationIndex>? Reindex)
    {
        /// <summary>
        /// <see cref="After"/> has no errors as <see cref="Errors"/> counts them, because this write checked it: the whole
        /// list validated (move, reorder, bulk, batch, a validated import), or one rule appended or removed from a list
        /// known valid. Each rule's errors come from itself and the rules before it (<see cref="NatRuleValidator.Validate"/>:
        /// names, shadowing and overlaps with earlier rules), so appending one that passed against all earlier rules, or
        /// removing one, cannot give another rule an error.
        /// </summary>
        public bool KnownValid { get; init; }
    }

    private static class DraftWrite
    {
        /// <summary>Nothing to save (refused, or nothing changes).</summary>
        public static DraftWrite<T> None<T>(T result) => new(result, null, null, null);
    }

    private Task<T> WriteAsync<T>(Func<RuleDraft, DraftWrite<T>> plan, CancellationToken ct) =>
        WritePlannedAsync(draft => Task.FromResult(plan(draft)), ct);

    /// <summary>
    /// Plans a change on the current draft and saves it in one transaction that first checks the database still holds
    /// that draft (else reloads and plans again, once). Memory changes only after the commit; on any failure the
    /// snapshot is dropped, so the next read reloads exactly what the database holds (the transaction rolled back).
    /// </summary>
    private async Task<T> WritePlannedAsync<T>(Func<RuleDraft, Task<DraftWrite<T>>> plan, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var draft = await FreshLockedAsync(ct);
                var write = await plan(draft);
                if (write.After is null)
                {
                    Changed?.Invoke();
                    return write.Result;
                }
                long version;
                try
                {
                    version = await CommitAsync(draft, write.Rows!, ct);
                }
                catch (DraftMovedException) when (attempt == 0)
                {
                    _draft = null;
                    continue;
                }
                catch
                {
                    _draft = null;
                    throw;
                }
                _draft = write.After.WithVersion(version);
                if (write.KnownValid) _listErrors.AddOrUpdate(_draft.Rules, []);
                if (write.Reindex is { } reindex) reindex(_index);
                else Reindex(_draft);
                Changed?.Invoke();
                return write.Result;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void Reindex(RuleDraft draft)
    {
        _index = RuleValidationIndex.Of(draft.Rules);
        _marks = MarkIdPool.Of(draft.Rules);
    }

    /// <summary>The rules changed in the database between our check and our transaction.</summary>
    private sealed class DraftMovedException : Exception;

    private async Task<long> CommitAsync(RuleDraft draft, Func<NatGatewayDbContext, CancellationToken, Task> rows, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default): no other writer between the check and the commit.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (draft.Version >= 0 && await VersionAsync(db, ct) != draft.Version) throw new DraftMovedException();
        await rows(db, ct);
        var version = draft.Version >= 0 ? await VersionAsync(db, ct) : -1;
        await tx.CommitAsync(ct);
        return version;
    }

    // ---- plans ----

    /// <summary>
    /// Creates (<paramref name="insert"/>) or replaces the rule at <paramref name="index"/> after validating it against
    /// the rules before it and the names after it, as <see cref="NatRuleValidator.Validate"/> does with the whole list,
    /// but handed only the candidates the index names (same result, see <see cref="RuleValidationIndex"/>).
    /// </summary>
    private DraftWrite<RuleSaveOutcome> SaveOne(RuleDraft draft, int index, NatRule candidate, bool insert)
    {
        // Where each existing rule stands once the candidate is in the list.
        Func<NatRule, int> positionOf = insert
            ? r => draft.IndexOf(r.Id) is var q && q < index ? q : q + 1
            : r => draft.IndexOf(r.Id);
        var (earlier, later) = _index.Context(candidate, index, positionOf);
        var result = NatRuleValidator.Validate(candidate, earlier, kernel.ReadHostFacts(), later);
        if (!result.IsValid) return DraftWrite.None(new RuleSaveOutcome(null, result.Issues));
        // In cluster mode a masquerade rule is refused at its field (the apply gate refuses it too: JournalStep).
        if (clusterMode?.Refusal(candidate) is { } refusal) return DraftWrite.None(new RuleSaveOutcome(null, [refusal]));
        var stored = Stored(candidate with { Position = index });
        var outcome = new RuleSaveOutcome(candidate with { Position = index }, result.Issues);
        if (!insert)
        {
            var before = draft.Rules[index];
            return new DraftWrite<RuleSaveOutcome>(outcome, draft.Replace(index, stored),
                async (db, ct) =>
                {
                    db.NatRules.Update(ToRecord(stored));
                    await db.SaveChangesAsync(ct);
                },
                ix => ix.Replace(before, stored));
        }
        var atEnd = index == draft.Count;
        return new DraftWrite<RuleSaveOutcome>(outcome, atEnd ? draft.Append(stored) : RuleDraft.Of(draft.Rules.Insert(index, stored), -1),
            async (db, ct) =>
            {
                if (!atEnd)
                    await db.NatRules.Where(r => r.Position >= index).ExecuteUpdateAsync(s => s.SetProperty(r => r.Position, r => r.Position + 1), ct);
                // The prepared INSERT of whole-list writes, not EF's change tracking (~0.5 ms of CPU per create).
                await InsertAllAsync(db, [ToRecord(stored)], ct);
            },
            ix =>
            {
                ix.Add(stored);
                _marks.Use(stored.MarkId);
            })
        {
            // Inserted before other rules it could shadow them: only the append keeps a valid list valid.
            KnownValid = atEnd && IsKnownValid(draft.Rules),
        };
    }

    /// <summary>Moves the rule at <paramref name="from"/> to <paramref name="to"/>: refused when the new order has errors;
    /// saved as one ranged UPDATE of the rules in between and one of the rule.</summary>
    private DraftWrite<RuleSaveOutcome> MoveOne(RuleDraft draft, int from, int to)
    {
        var moving = draft.Rules[from];
        var list = draft.Rules.RemoveAt(from).Insert(to, moving);
        if (ListErrors(list) is { Count: > 0 } errors) return DraftWrite.None(new RuleSaveOutcome(null, errors));
        var id = moving.Id;
        return new DraftWrite<RuleSaveOutcome>(new RuleSaveOutcome(moving with { Position = to }, []), RuleDraft.Of(list, -1),
            async (db, ct) =>
            {
                if (from == to) return;
                if (from < to)
                    await db.NatRules.Where(r => r.Position > from && r.Position <= to).ExecuteUpdateAsync(s => s.SetProperty(r => r.Position, r => r.Position - 1), ct);
                else
                    await db.NatRules.Where(r => r.Position >= to && r.Position < from).ExecuteUpdateAsync(s => s.SetProperty(r => r.Position, r => r.Position + 1), ct);
                await db.NatRules.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Position, to), ct);
            },
            _ => { })
        { KnownValid = true };
    }

    /// <summary>A whole new list (import, rollback, discard): every row rewritten.</summary>
    private static DraftWrite<T> ReplaceAll<T>(T result, IReadOnlyList<NatRule> rules)
    {
        var records = rules.Select((r, i) => ToRecord(r with { Position = i })).ToList();
        return new DraftWrite<T>(result, RuleDraft.Of(records.Select(ToRule), -1),
            async (db, ct) =>
            {
                await db.NatRules.ExecuteDeleteAsync(ct);
                await InsertAllAsync(db, records, ct);
            },
            null);
    }

    /// <summary>Errors of the whole list as a reorder or bulk change reports them: named by rule.</summary>
    private List<ValidationIssue> ListErrors(IReadOnlyList<NatRule> list) =>
        ValidateList(list, null).Where(p => p.Issue.Severity == IssueSeverity.Error)
            .Select(p => p.Issue with { Field = $"{p.Name}.{p.Issue.Field}", Message = $"Rule '{p.Name}': {p.Issue.Message}" }).ToList();

    // ---- rows ----

    /// <summary>Makes positions dense again in one statement (after deleting several rows).</summary>
    private static Task RenumberAsync(NatGatewayDbContext db, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync("""
            UPDATE "NatRules" SET "Position" = n."Rank"
            FROM (SELECT "Id", ROW_NUMBER() OVER (ORDER BY "Position", "Id") - 1 AS "Rank" FROM "NatRules") AS n
            WHERE "NatRules"."Id" = n."Id" AND "NatRules"."Position" <> n."Rank"
            """, ct);

    /// <summary>
    /// Inserts many rows with one prepared statement (EF's change tracking takes seconds for 10,000). The values are
    /// written as EF's mapping writes them (Guid as upper-case text, dates as UTC ticks), so EF reads and finds them.
    /// </summary>
    private static async Task InsertAllAsync(NatGatewayDbContext db, IReadOnlyList<NatRuleRecord> records, CancellationToken ct)
    {
        await using var command = Command(db, """
            INSERT INTO "NatRules" ("Id", "Position", "Kind", "Name", "Enabled", "MarkId", "Document", "CreatedAt", "UpdatedAt", "CreatedBy", "UpdatedBy")
            VALUES ($id, $position, $kind, $name, $enabled, $markId, $document, $createdAt, $updatedAt, $createdBy, $updatedBy)
            """);
        var names = new[] { "$id", "$position", "$kind", "$name", "$enabled", "$markId", "$document", "$createdAt", "$updatedAt", "$createdBy", "$updatedBy" };
        var parameters = names.Select(name =>
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            command.Parameters.Add(p);
            return p;
        }).ToArray();
        foreach (var r in records)
        {
            parameters[0].Value = r.Id.ToString("D").ToUpperInvariant();
            parameters[1].Value = r.Position;
            parameters[2].Value = r.Kind;
            parameters[3].Value = r.Name;
            parameters[4].Value = r.Enabled ? 1 : 0;
            parameters[5].Value = r.MarkId;
            parameters[6].Value = r.Document;
            parameters[7].Value = r.CreatedAt.UtcTicks;
            parameters[8].Value = r.UpdatedAt.UtcTicks;
            parameters[9].Value = (object?)r.CreatedBy ?? DBNull.Value;
            parameters[10].Value = (object?)r.UpdatedBy ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task<long> VersionAsync(NatGatewayDbContext db, CancellationToken ct) =>
        Convert.ToInt64(await ScalarAsync(db, $"""SELECT "Version" FROM "{VersionTable}" """, ct));

    private static async Task<(long Version, bool Any)> VersionAndAnyAsync(NatGatewayDbContext db, CancellationToken ct)
    {
        await using var command = Command(db, $"""SELECT v."Version", EXISTS (SELECT 1 FROM "NatRules") FROM "{VersionTable}" v""");
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return (-1, false);
        return (reader.GetInt64(0), reader.GetInt64(1) != 0);
    }

    private static async Task<object?> ScalarAsync(NatGatewayDbContext db, string sql, CancellationToken ct)
    {
        await using var command = Command(db, sql);
        return await command.ExecuteScalarAsync(ct);
    }

    private static DbCommand Command(NatGatewayDbContext db, string sql)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        return command;
    }

    /// <summary>The rule exactly as reading its row gives it back (so memory never differs from a reload).</summary>
    private static NatRule Stored(NatRule rule) => ToRule(ToRecord(rule));

    private static NatRuleRecord ToRecord(NatRule rule) => new()
    {
        Id = rule.Id, Position = rule.Position, Kind = NatRuleJson.KindText(rule.Kind), Name = rule.Name, Enabled = rule.Enabled,
        MarkId = rule.MarkId, Document = NatRuleJson.Serialize(rule), CreatedAt = rule.CreatedAt, UpdatedAt = rule.UpdatedAt,
        CreatedBy = rule.CreatedBy, UpdatedBy = rule.UpdatedBy,
    };

    private static NatRule ToRule(NatRuleRecord record)
    {
        var parsed = NatRuleJson.Parse(record.Document);
        if (!parsed.Success) throw new InvalidDataException($"stored rule {record.Id} is unreadable: {string.Join("; ", parsed.Errors)}");
        return parsed.Rule! with { Position = record.Position, MarkId = record.MarkId };
    }
}
