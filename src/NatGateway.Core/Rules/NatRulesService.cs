using Microsoft.EntityFrameworkCore;
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
/// </summary>
public sealed class NatRulesService(
    IGatewayKernel kernel,
    IDbContextFactory<NatGatewayDbContext> dbFactory,
    NatCompileOptions compileOptions,
    TimeProvider clock,
    Revisions.RevisionStore? revisions = null)
{
    // The rules in force come from the revision store; the draft alone is this service's.
    private readonly Revisions.RevisionStore _revisions = revisions ?? new Revisions.RevisionStore(dbFactory, clock);

    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Raised after any change to the desired rules or an apply.</summary>
    public event Action? Changed;

    public NatCompileOptions CompileOptions => compileOptions;

    public async Task<IReadOnlyList<NatRule>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var records = await db.NatRules.AsNoTracking().OrderBy(r => r.Position).ToListAsync(ct);
        return records.Select(ToRule).ToList();
    }

    public async Task<NatRule?> GetAsync(Guid id, CancellationToken ct = default) =>
        (await ListAsync(ct)).FirstOrDefault(r => r.Id == id);

    /// <summary>Adds a rule at the end of the list (or at <paramref name="position"/>), after validation against the rules before it.</summary>
    public Task<RuleSaveOutcome> CreateAsync(NatRule rule, string? actor, int? position = null, CancellationToken ct = default) =>
        WriteAsync(async (db, rules) =>
        {
            var now = clock.GetUtcNow();
            var index = Math.Clamp(position ?? rules.Count, 0, rules.Count);
            var candidate = rule with
            {
                Id = rule.Id == Guid.Empty || rules.Any(r => r.Id == rule.Id) ? Guid.NewGuid() : rule.Id,
                MarkId = MarkIdAllocator.Next(rules),
                CreatedAt = now, UpdatedAt = now, CreatedBy = actor, UpdatedBy = actor,
            };
            var list = rules.ToList();
            list.Insert(index, candidate);
            return await SaveIfValidAsync(db, list, candidate, ct);
        }, ct);

    /// <summary>Replaces a rule's content, keeping its id, mark id, position and creation facts.</summary>
    public Task<RuleSaveOutcome?> UpdateAsync(Guid id, NatRule rule, string? actor, CancellationToken ct = default) =>
        WriteAsync<RuleSaveOutcome?>(async (db, rules) =>
        {
            var index = rules.ToList().FindIndex(r => r.Id == id);
            if (index < 0) return null;
            var existing = rules[index];
            var candidate = rule with
            {
                Id = id, MarkId = existing.MarkId, CreatedAt = existing.CreatedAt, CreatedBy = existing.CreatedBy,
                UpdatedAt = clock.GetUtcNow(), UpdatedBy = actor,
            };
            var list = rules.ToList();
            list[index] = candidate;
            return await SaveIfValidAsync(db, list, candidate, ct);
        }, ct);

    public Task<RuleSaveOutcome?> SetEnabledAsync(Guid id, bool enabled, string? actor, CancellationToken ct = default) =>
        WriteAsync<RuleSaveOutcome?>(async (db, rules) =>
        {
            var index = rules.ToList().FindIndex(r => r.Id == id);
            if (index < 0) return null;
            var list = rules.ToList();
            list[index] = list[index] with { Enabled = enabled, UpdatedAt = clock.GetUtcNow(), UpdatedBy = actor };
            return await SaveIfValidAsync(db, list, list[index], ct);
        }, ct);

    public Task<bool> DeleteAsync(Guid id, string? actor, CancellationToken ct = default) =>
        WriteAsync(async (db, rules) =>
        {
            if (rules.All(r => r.Id != id)) return false;
            await ReplaceAllAsync(db, rules.Where(r => r.Id != id).ToList(), ct);
            return true;
        }, ct);

    /// <summary>Puts the rules in the given order (every id exactly once). Refused when the new order makes a rule invalid (e.g. shadowed).</summary>
    public Task<RuleSaveOutcome> ReorderAsync(IReadOnlyList<Guid> order, string? actor, CancellationToken ct = default) =>
        WriteAsync(async (db, rules) =>
        {
            if (order.Count != rules.Count || order.Distinct().Count() != order.Count || order.Any(id => rules.All(r => r.Id != id)))
                return new RuleSaveOutcome(null, [new ValidationIssue("order", $"must list each of the {rules.Count} rule ids exactly once")]);
            var byId = rules.ToDictionary(r => r.Id);
            var list = order.Select(id => byId[id]).ToList();
            var problems = ValidateList(list, new KernelHostFacts(kernel));
            if (problems.Any(p => p.Issue.Severity == IssueSeverity.Error))
                return new RuleSaveOutcome(null, problems.Where(p => p.Issue.Severity == IssueSeverity.Error)
                    .Select(p => p.Issue with { Field = $"{p.Name}.{p.Issue.Field}", Message = $"Rule '{p.Name}': {p.Issue.Message}" }).ToList());
            await ReplaceAllAsync(db, list, ct);
            return new RuleSaveOutcome(list[0], []);
        }, ct);

    /// <summary>Moves one rule up (-1) or down (+1).</summary>
    public async Task<RuleSaveOutcome> MoveAsync(Guid id, int delta, string? actor, CancellationToken ct = default)
    {
        var ids = (await ListAsync(ct)).Select(r => r.Id).ToList();
        var index = ids.IndexOf(id);
        var target = index + delta;
        if (index < 0 || target < 0 || target >= ids.Count) return new RuleSaveOutcome(null, [new ValidationIssue("position", "cannot move further")]);
        (ids[index], ids[target]) = (ids[target], ids[index]);
        return await ReorderAsync(ids, actor, ct);
    }

    /// <summary>How many rules the draft has.</summary>
    public async Task<int> CountAsync(CancellationToken ct = default) => (await ListAsync(ct)).Count;

    /// <summary>One page of the draft, filtered (<see cref="RuleQuery"/>); each rule keeps its position in the whole list.</summary>
    public async Task<Paging.PagedList<NatRule>> QueryAsync(RuleQuery query, CancellationToken ct = default)
    {
        var matching = (await ListAsync(ct)).Where(query.Matches).ToList();
        var items = matching.Skip(Paging.Paging.Skip(query.Page, query.PageSize)).Take(query.PageSize).ToList();
        return new Paging.PagedList<NatRule>(items, query.Page, query.PageSize, matching.Count);
    }

    /// <summary>Moves one rule to <paramref name="position"/> (0 first; the others keep their order). Refused like <see cref="ReorderAsync"/>.</summary>
    public async Task<RuleSaveOutcome> MoveToAsync(Guid id, int position, string? actor, CancellationToken ct = default)
    {
        var ids = (await ListAsync(ct)).Select(r => r.Id).ToList();
        if (!ids.Remove(id)) return new RuleSaveOutcome(null, [new ValidationIssue("id", "no such rule")]);
        if (position < 0 || position > ids.Count)
            return new RuleSaveOutcome(null, [new ValidationIssue("position", $"must be between 1 and {ids.Count + 1}")]);
        ids.Insert(position, id);
        return await ReorderAsync(ids, actor, ct);
    }

    /// <summary>Moves one rule just before <paramref name="beforeId"/> (null: to the end).</summary>
    public async Task<RuleSaveOutcome> MoveBeforeAsync(Guid id, Guid? beforeId, string? actor, CancellationToken ct = default)
    {
        var ids = (await ListAsync(ct)).Select(r => r.Id).ToList();
        if (!ids.Remove(id)) return new RuleSaveOutcome(null, [new ValidationIssue("id", "no such rule")]);
        var index = beforeId is { } b ? ids.IndexOf(b) : ids.Count;
        if (index < 0) return new RuleSaveOutcome(null, [new ValidationIssue("before", beforeId == id ? "a rule cannot move before itself" : "no such rule")]);
        ids.Insert(index, id);
        return await ReorderAsync(ids, actor, ct);
    }

    /// <summary>
    /// Enables, disables or deletes the given rules as one draft change. All or nothing: refused when an id is unknown or
    /// the result has errors (enabling a rule another one shadows).
    /// </summary>
    public Task<BulkOutcome> BulkAsync(BulkAction action, IReadOnlyCollection<Guid> ids, string? actor, CancellationToken ct = default) =>
        WriteAsync(async (db, rules) =>
        {
            var selected = ids.ToHashSet();
            var known = rules.Where(r => selected.Contains(r.Id)).Select(r => r.Id).ToHashSet();
            if (known.Count != selected.Count)
                return new BulkOutcome(0, [new ValidationIssue("ids", $"{selected.Count - known.Count} of the {selected.Count} rule ids do not exist")]);
            var now = clock.GetUtcNow();
            var changed = 0;
            var list = new List<NatRule>(rules.Count);
            foreach (var rule in rules)
            {
                if (!selected.Contains(rule.Id)) { list.Add(rule); continue; }
                if (action == BulkAction.Delete) { changed++; continue; }
                var enabled = action == BulkAction.Enable;
                if (rule.Enabled != enabled) changed++;
                list.Add(rule.Enabled == enabled ? rule : rule with { Enabled = enabled, UpdatedAt = now, UpdatedBy = actor });
            }
            var errors = ValidateList(list, null).Where(p => p.Issue.Severity == IssueSeverity.Error)
                .Select(p => p.Issue with { Field = $"{p.Name}.{p.Issue.Field}", Message = $"Rule '{p.Name}': {p.Issue.Message}" }).ToList();
            if (errors.Count > 0) return new BulkOutcome(0, errors);
            if (changed > 0) await ReplaceAllAsync(db, list, ct);
            return new BulkOutcome(changed, []);
        }, ct);

    /// <summary>
    /// Creates and updates many rules as ONE draft change (<c>POST /api/v1/rules/batch</c>): a rule whose id exists replaces
    /// it in place (keeping its mark id, position and creation facts); any other is appended in request order. Every
    /// rule is checked at once and every error is reported by its index in <paramref name="batch"/>; nothing is saved
    /// unless all pass.
    /// </summary>
    public Task<BatchOutcome> SaveBatchAsync(IReadOnlyList<NatRule> batch, string? actor, CancellationToken ct = default) =>
        WriteAsync(async (db, rules) =>
        {
            var now = clock.GetUtcNow();
            var list = rules.ToList();
            var indexById = list.Select((r, i) => (r.Id, i)).ToDictionary(x => x.Id, x => x.i);
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
                if (rule.Id != Guid.Empty && indexById.TryGetValue(rule.Id, out var at))
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
            if (errors.Count > 0) return new BatchOutcome([], 0, 0, errors);
            var assigned = MarkIdAllocator.AssignMissing(list);
            var byBatchIndex = batchIndexById.ToDictionary(kv => kv.Key, kv => kv.Value);
            foreach (var (ruleId, _, issue) in ValidateList(assigned, null).Where(p => p.Issue.Severity == IssueSeverity.Error))
                if (byBatchIndex.TryGetValue(ruleId, out var b)) errors.Add(new BatchError(b, issue));
                else errors.Add(new BatchError(-1, issue)); // an existing rule broken by the batch (e.g. now shadowed)
            if (errors.Count > 0) return new BatchOutcome([], 0, 0, errors.OrderBy(e => e.Index).ToList());
            await ReplaceAllAsync(db, assigned, ct);
            var saved = assigned.Select((r, i) => (r, i)).Where(x => byBatchIndex.ContainsKey(x.r.Id))
                .OrderBy(x => byBatchIndex[x.r.Id]).Select(x => x.r with { Position = x.i }).ToList();
            return new BatchOutcome(saved, created, updated, []);
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
    public List<(Guid RuleId, string Name, ValidationIssue Issue)> ValidateList(IReadOnlyList<NatRule> rules, IHostFacts? host) =>
        NatRuleValidator.ValidateAll(rules, host)
            .SelectMany(kv => kv.Value.Issues.Select(i => (kv.Key, rules.First(r => r.Id == kv.Key).Name, i)))
            .ToList();

    /// <summary>
    /// Compiles the desired rules, with the compiler's own <c>nft list</c> text (<see cref="NftListingText"/>, equal to the
    /// kernel's rendering): what revisions keep and diffs compare. Pure: no kernel, no scratch namespace (that rendering
    /// cost ~0.8 s per apply at 10,000 forwards; <see cref="CompileWithKernelText"/> does it when a page asks).
    /// </summary>
    public CompiledRuleset Compile(IReadOnlyList<NatRule> rules)
    {
        var compiled = NatRulesetCompiler.Compile(rules, compileOptions);
        return compiled with { NftText = NftListingText.Render(compiled) };
    }

    /// <summary>
    /// <see cref="Compile"/> with the text rendered by the kernel itself in a scratch namespace (GET /api/v1/ruleset), when
    /// the kernel side can make one (CAP_SYS_ADMIN); otherwise the compiler's text.
    /// </summary>
    public CompiledRuleset CompileWithKernelText(IReadOnlyList<NatRule> rules)
    {
        var compiled = Compile(rules);
        try
        {
            return compiled with { NftText = kernel.NatTables.Render(rules) };
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
            text = Compile(rules).NftText;
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
    public ApplyResult ApplyToKernel(IReadOnlyList<NatRule> rules) => kernel.NatTables.Apply(rules);

    /// <summary>Gets the kernel side ready for <see cref="ApplyToKernel"/> of the same list (<see cref="INatTables.Prepare"/>); no kernel change.</summary>
    public void PrepareKernel(IReadOnlyList<NatRule> rules) => kernel.NatTables.Prepare(rules);

    /// <summary>Makes the stored rule list (the draft) equal to <paramref name="rules"/>: used by rollback and import.</summary>
    public Task ReplaceDraftAsync(IReadOnlyList<NatRule> rules, CancellationToken ct = default) =>
        WriteAsync(async (db, _) =>
        {
            await ReplaceAllAsync(db, rules, ct);
            return true;
        }, ct);

    /// <summary>
    /// Makes the draft follow the revision in force when it changes from <paramref name="left"/> to <paramref name="restored"/>
    /// (rollback, automatic revert), keeping the operator's unapplied edits (see <see cref="DraftMerge"/>).
    /// </summary>
    public Task<DraftMergeResult> RebaseDraftAsync(IReadOnlyList<NatRule> left, IReadOnlyList<NatRule> restored, CancellationToken ct = default) =>
        WriteAsync(async (db, draft) =>
        {
            var merged = DraftMerge.Merge(left, restored, draft);
            await ReplaceAllAsync(db, merged.Rules, ct);
            return merged;
        }, ct);

    /// <summary>Discard changes: the draft goes back to the revision in force (none yet: no rules). Returns how many changes were dropped.</summary>
    public Task<int> DiscardDraftAsync(CancellationToken ct = default) =>
        WriteAsync(async (db, draft) =>
        {
            var inForce = await _revisions.RulesInForceAsync(ct);
            var dropped = RuleListDiff.Compare(inForce, draft).Count;
            await ReplaceAllAsync(db, inForce, ct);
            return dropped;
        }, ct);

    /// <summary>Errors of the whole list (no host facts), as the apply gate uses them.</summary>
    public List<(Guid RuleId, string Name, ValidationIssue Issue)> Errors(IReadOnlyList<NatRule> rules) =>
        ValidateList(rules, null).Where(p => p.Issue.Severity == IssueSeverity.Error).ToList();

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
        return DetectDrift(await _revisions.RulesInForceAsync(ct));
    }

    /// <summary>Our table in the kernel against <paramref name="inForce"/>.</summary>
    public DriftReport DetectDrift(IReadOnlyList<NatRule> inForce) => kernel.NatTables.DetectDrift(inForce);

    /// <summary>Our tables as the kernel lists them now (<c>nft list table ip natgw</c>).</summary>
    public string ListKernelTables() => kernel.NatTables.ListText();

    private async Task<RuleSaveOutcome> SaveIfValidAsync(NatGatewayDbContext db, List<NatRule> list, NatRule candidate, CancellationToken ct)
    {
        var index = list.FindIndex(r => r.Id == candidate.Id);
        // Later rules matter for the name only: names are unique across the whole list, ignoring case.
        var result = NatRuleValidator.Validate(candidate, list.Take(index).ToArray(), new KernelHostFacts(kernel), list.Skip(index + 1).ToArray());
        if (!result.IsValid) return new RuleSaveOutcome(null, result.Issues);
        await ReplaceAllAsync(db, list, ct);
        return new RuleSaveOutcome(candidate with { Position = index }, result.Issues);
    }

    private async Task<T> WriteAsync<T>(Func<NatGatewayDbContext, IReadOnlyList<NatRule>, Task<T>> action, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            var rules = await ListAsync(ct);
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var result = await action(db, rules);
            Changed?.Invoke();
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Rewrites the whole list in one SQLite transaction: positions stay dense and consistent.</summary>
    private static async Task ReplaceAllAsync(NatGatewayDbContext db, IReadOnlyList<NatRule> list, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.NatRules.ExecuteDeleteAsync(ct);
        db.NatRules.AddRange(list.Select((r, i) => ToRecord(r with { Position = i })));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

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
