using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Data;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Core.Revisions;

/// <summary>
/// The one way the gateway's state changes in the kernel: every apply (rules, settings, rollback, automatic revert,
/// start-up re-apply) becomes a revision. An apply is journaled — the revision is written as "applying" before the
/// kernel is touched and finished afterwards — so a crash at any point leaves exactly one whole revision in force
/// after the next start (<see cref="RecoverAtStartupAsync"/>).
/// </summary>
public sealed class RevisionService(
    NatRulesService rules,
    KernelSettingsService settings,
    RuleFlowService flows,
    IDbContextFactory<NatGatewayDbContext> dbFactory,
    TimeProvider clock,
    ILogger<RevisionService> logger,
    Capacity.CapacityService? capacity = null,
    RevisionRetention? retention = null)
{
    private readonly RevisionRetention _retention = retention ?? new RevisionRetention();

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Live.SubscriberList<AutoRevertNotice> _reverts = new(logger);

    /// <summary>Raised after any revision is written or changes state (pages refresh, the countdown starts or stops).</summary>
    public event Action? Changed;

    /// <summary>Every open page announces an automatic revert: the callback runs once per revert until the handle is disposed.</summary>
    public IDisposable SubscribeReverts(Action<AutoRevertNotice> callback) => _reverts.Add(callback);

    /// <summary>
    /// Applies the draft rule list (the Rules page / POST /api/v1/rules/apply). With <paramref name="purgeChangedFlows"/>,
    /// the live connections created by rules this apply changes, disables or removes are deleted afterwards — and only those.
    /// </summary>
    public async Task<Revision> ApplyRulesAsync(string? comment, string? author, TimeSpan? confirmWithin = null,
        bool purgeChangedFlows = false, CancellationToken ct = default)
    {
        var draft = await rules.ListAsync(ct);
        var affected = purgeChangedFlows ? await ChangedMarkIdsAsync(ct) : [];
        var revision = await ApplyStateAsync(new GatewayState(draft, null), "apply", comment, author, confirmWithin, ct);
        if (affected.Count > 0)
        {
            var removed = flows.Purge(affected);
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var stored = await db.Revisions.FirstAsync(r => r.Id == revision.Id, ct);
            stored.Outcome = $"deleted {removed} live connection(s) created by the changed rules (mark ids {string.Join(", ", affected)})";
            await db.SaveChangesAsync(ct);
            revision.Outcome = stored.Outcome;
        }
        return revision;
    }

    /// <summary>Mark ids of rules in force that the draft changes (other than moving), disables or removes.</summary>
    public async Task<IReadOnlyList<int>> ChangedMarkIdsAsync(CancellationToken ct = default)
    {
        var active = await ActiveAsync(ct);
        if (active is null) return [];
        var inForce = NatRulesService.ParseRules(active.RulesDocument);
        var draft = await rules.ListAsync(ct);
        var byId = inForce.ToDictionary(r => r.Id);
        return RuleListDiff.Compare(inForce, draft)
            .Where(c => c.Change == "removed" || (c.Change == "changed" && c.Details.Any(d => !d.StartsWith("moved ", StringComparison.Ordinal))))
            .Where(c => byId.ContainsKey(c.RuleId))
            .Select(c => byId[c.RuleId].MarkId)
            .Where(id => id > 0)
            .ToList();
    }

    /// <summary>Live connections per rule in force (from conntrack marks), for the apply dialog and API.</summary>
    public async Task<IReadOnlyList<RuleFlowCount>> FlowCountsAsync(CancellationToken ct = default)
    {
        var active = await ActiveAsync(ct);
        var inForce = active is null ? [] : NatRulesService.ParseRules(active.RulesDocument);
        var counts = flows.CountByMarkId();
        return inForce.Select(r => new RuleFlowCount(r.Id, r.Name, r.MarkId, counts.GetValueOrDefault(r.MarkId))).ToList();
    }

    /// <summary>Applies a settings change (the Settings page / PUT /api/v1/settings) as a revision; rules stay as in force.</summary>
    public async Task<Revision> ApplySettingsAsync(SettingsUpdate update, string? author, TimeSpan? confirmWithin = null, CancellationToken ct = default)
    {
        var active = await ActiveAsync(ct);
        var inForceRules = active is null ? [] : NatRulesService.ParseRules(active.RulesDocument);
        var merged = Merge(SettingsDocument.Capture(settings.Read()), update);
        return await ApplyStateAsync(new GatewayState(inForceRules, merged), "settings", null, author, confirmWithin, ct, update.Persist);
    }

    /// <summary>
    /// Applies a conntrack sizing/timeouts change (the Capacity page / POST /api/v1/capacity/apply) as a revision;
    /// rules and forwarding stay as in force. Read-only keys (global ones inside a namespace) are reported, not failed.
    /// </summary>
    public async Task<(Revision Revision, Capacity.CapacityApplyResult? Result)> ApplyCapacityAsync(
        Capacity.CapacityApplyRequest change, string? author, TimeSpan? confirmWithin = null, CancellationToken ct = default)
    {
        var active = await ActiveAsync(ct);
        var inForceRules = active is null ? [] : NatRulesService.ParseRules(active.RulesDocument);
        var target = ConntrackDocument.Merge(ConntrackDocument.Capture(settings.Kernel.Sysctl), change);
        await _lock.WaitAsync(ct);
        try
        {
            if (await PendingAsync(ct) is { } pending) throw new ConfirmationPendingException(pending.RevisionId);
            _lastCapacityResult = null;
            var revision = await ApplyLockedAsync(new GatewayState(inForceRules, null, target), "capacity", null, author, confirmWithin, change.Persist, ct);
            return (revision, _lastCapacityResult);
        }
        finally
        {
            _lock.Release();
        }
    }

    private Capacity.CapacityApplyResult? _lastCapacityResult;

    /// <summary>
    /// Puts <paramref name="target"/> into the kernel. Settings null = keep the kernel's (they are captured into the revision).
    /// Throws <see cref="RulesInvalidException"/>, <see cref="NftablesException"/>, <see cref="SettingsApplyException"/>,
    /// <see cref="ConfirmationPendingException"/>; in every failure case the kernel is left as it was.
    /// </summary>
    public async Task<Revision> ApplyStateAsync(GatewayState target, string kind, string? comment, string? author,
        TimeSpan? confirmWithin, CancellationToken ct = default, bool persistSettings = false)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var pending = await PendingAsync(ct);
            if (pending is not null && kind is not ("auto-revert" or "startup")) throw new ConfirmationPendingException(pending.RevisionId);
            return await ApplyLockedAsync(target, kind, comment, author, confirmWithin, persistSettings, ct);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<Revision> ApplyLockedAsync(GatewayState target, string kind, string? comment, string? author,
        TimeSpan? confirmWithin, bool persistSettings, CancellationToken ct)
    {
        // The API and the editors refuse a long comment with a field error; this guards every other caller.
        if (TextLimits.CommentError(comment) is { } tooLong) throw new ArgumentException($"comment {tooLong}", nameof(comment));
        author = TextLimits.Actor(author);
        var errors = rules.Errors(target.Rules);
        if (errors.Count > 0) throw new RulesInvalidException(errors);
        var compiled = rules.Compile(target.Rules);
        await EnsureBaselineAsync(ct);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var previous = await db.Revisions.AsNoTracking().Where(r => RevisionStates.InForce.Contains(r.State))
            .OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
        var before = settings.Read();
        var targetSettings = target.Settings ?? SettingsDocument.Capture(before);
        var previousRules = previous is null ? [] : NatRulesService.ParseRules(previous.RulesDocument);
        var conntrackBefore = ConntrackDocument.Capture(settings.Kernel.Sysctl);
        var targetConntrack = target.Conntrack ?? conntrackBefore;

        // 1. Journal: the intent is durable before the kernel changes.
        var revision = new Revision
        {
            CreatedAt = clock.GetUtcNow(), Author = author, Comment = comment, Kind = kind, State = RevisionStates.Applying,
            RulesDocument = NatRulesService.SerializeRules(target.Rules), RulesetJson = compiled.Json, RulesetText = compiled.NftText,
            SettingsDocument = SettingsDocument.Serialize(targetSettings), PreviousRevisionId = previous?.Id,
            ConntrackDocument = ConntrackDocument.Serialize(targetConntrack),
            Diff = NatRulesService.DescribeDiff(previousRules, target.Rules, previous?.RulesetText, compiled.NftText)
                   + string.Concat(SettingsDocument.Diff(SettingsDocument.Parse(previous?.SettingsDocument), targetSettings).Select(l => "setting " + l + "\n"))
                   + string.Concat(ConntrackDocument.Diff(ConntrackDocument.Parse(previous?.ConntrackDocument) ?? (previous is null ? null : conntrackBefore), targetConntrack)
                       .Select(l => "conntrack " + l + "\n")),
        };
        db.Revisions.Add(revision);
        await db.SaveChangesAsync(ct);
        Failpoints.Hit(Failpoints.AfterJournal);

        // 2. Rules: one nftables transaction, all or nothing. A settings-only change leaves nftables alone.
        var rulesUnchanged = kind is "settings" or "capacity" && previous is not null && previous.RulesetJson == compiled.Json;
        try
        {
            if (!rulesUnchanged) rules.ApplyToKernel(target.Rules);
        }
        catch (NftablesException e)
        {
            await FinishAsync(db, revision, RevisionStates.Failed, $"nftables refused the batch: {e.NftError}", ct);
            throw;
        }
        Failpoints.Hit(Failpoints.AfterRules);

        // 3. Settings, then conntrack sizing/timeouts: each all or nothing; on failure the rules go back too, so no mix is left.
        if (target.Settings is not null || (target.Conntrack is not null && capacity is not null))
        {
            try
            {
                if (target.Settings is not null) await settings.ApplyAsync(target.Settings with { Persist = persistSettings }, author, ct);
                if (target.Conntrack is not null && capacity is not null)
                    _lastCapacityResult = await capacity.ApplyAsync(target.Conntrack with { Persist = persistSettings }, author, ct);
            }
            catch (SettingsApplyException e)
            {
                if (previous is not null && !rulesUnchanged) rules.ApplyToKernel(previousRules);
                await FinishAsync(db, revision, RevisionStates.Failed, e.Message, ct);
                throw;
            }
        }
        Failpoints.Hit(Failpoints.AfterSettings);

        // 4. Commit: in force (or in force until the confirmation window ends).
        revision.State = confirmWithin is { } window ? RevisionStates.PendingConfirmation : RevisionStates.Applied;
        revision.ConfirmBy = confirmWithin is { } w ? clock.GetUtcNow() + w : null;
        await db.SaveChangesAsync(ct);
        Failpoints.Hit(Failpoints.AfterCommit);
        logger.LogInformation("revision {Id} ({Kind}) {State} by {Author}", revision.Id, kind, revision.State, author);
        await PruneQuietlyAsync(ct);
        rules.RaiseChanged();
        Changed?.Invoke();
        return revision;
    }

    /// <summary>The very first apply records what the kernel had before NatGateway touched it, so it can be rolled back to.</summary>
    private async Task EnsureBaselineAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Revisions.AnyAsync(ct)) return;
        var empty = rules.Compile([]);
        db.Revisions.Add(new Revision
        {
            CreatedAt = clock.GetUtcNow(), Author = "natgw", Comment = "kernel state before NatGateway's first apply", Kind = "baseline",
            State = RevisionStates.Applied, RulesDocument = "[]", RulesetJson = empty.Json, RulesetText = empty.NftText,
            SettingsDocument = SettingsDocument.Serialize(SettingsDocument.Capture(settings.Read())),
            ConntrackDocument = ConntrackDocument.Serialize(ConntrackDocument.Capture(settings.Kernel.Sysctl)), Diff = "",
        });
        await db.SaveChangesAsync(ct);
    }

    private static async Task FinishAsync(NatGatewayDbContext db, Revision revision, string state, string outcome, CancellationToken ct)
    {
        revision.State = state;
        revision.Outcome = outcome;
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Keeps the change: POST /api/v1/revisions/{id}/confirm.</summary>
    public async Task<bool> ConfirmAsync(long id, string? author, CancellationToken ct = default)
    {
        await _lock.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var revision = await db.Revisions.FirstOrDefaultAsync(r => r.Id == id, ct);
            if (revision is null || revision.State != RevisionStates.PendingConfirmation) return false;
            revision.State = RevisionStates.Applied;
            revision.Outcome = $"confirmed by {author ?? "unknown"} at {clock.GetUtcNow():u}";
            revision.ConfirmBy = null;
            await db.SaveChangesAsync(ct);
        }
        finally
        {
            _lock.Release();
        }
        Changed?.Invoke();
        return true;
    }

    /// <summary>
    /// Restores the previous revision when a pending one's window has ended. Called by the watchdog on a timer and at
    /// start-up; returns the revert revision, or null when nothing was due.
    /// </summary>
    public async Task<Revision?> RevertExpiredAsync(CancellationToken ct = default)
    {
        AutoRevertNotice notice;
        Revision revert;
        await _lock.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var now = clock.GetUtcNow();
            var due = await db.Revisions.Where(r => r.State == RevisionStates.PendingConfirmation).ToListAsync(ct);
            var expired = due.Where(r => r.ConfirmBy <= now).OrderByDescending(r => r.Id).FirstOrDefault();
            if (expired is null) return null;
            var target = expired.PreviousRevisionId is { } prevId ? await db.Revisions.AsNoTracking().FirstAsync(r => r.Id == prevId, ct) : null;
            expired.State = RevisionStates.Reverted;
            expired.Outcome = $"not confirmed by {expired.ConfirmBy:u}: reverted to revision {target?.Id.ToString() ?? "(none)"}";
            await db.SaveChangesAsync(ct);
            var state = target is null ? GatewayState.Empty : StateOf(target);
            logger.LogWarning("revision {Id} was not confirmed in time; restoring revision {Target}", expired.Id, target?.Id);
            revert = await ApplyLockedAsync(state, "auto-revert", $"automatic revert of revision {expired.Id} (not confirmed)", "natgw", null, false, ct);

            // The draft follows the restored revision (no stale pending change); only edits made since the reverted one stay.
            var merged = await rules.RebaseDraftAsync(StateOf(expired).Rules, state.Rules, ct);
            notice = new AutoRevertNotice(expired.Id, (int)Math.Floor(((expired.ConfirmBy ?? now) - expired.CreatedAt).TotalSeconds),
                revert.CreatedAt, revert.Id, merged.Notice);
            var stored = await db.Revisions.FirstAsync(r => r.Id == revert.Id, ct);
            stored.Outcome = revert.Outcome = notice.Text(TimeZoneInfo.Utc);
            await db.SaveChangesAsync(ct);
        }
        finally
        {
            _lock.Release();
        }
        Changed?.Invoke();
        _reverts.Publish(notice);
        return revert;
    }

    /// <summary>Puts the revision in force back into the kernel (after drift), as a new revision: commit-confirmed like any apply.</summary>
    public async Task<Revision?> ReapplyActiveAsync(string? author, TimeSpan? confirmWithin = null, CancellationToken ct = default)
    {
        var active = await ActiveAsync(ct);
        return active is null ? null : await ApplyStateAsync(StateOf(active), "reapply", $"re-apply revision {active.Id}", author, confirmWithin, ct);
    }

    /// <summary>
    /// Rollback to any revision: its state is applied as a NEW revision, and the draft rule list follows it. Unapplied edits
    /// the operator made to the draft are kept, and named in the revision's outcome.
    /// </summary>
    public async Task<Revision?> RollbackAsync(long id, string? author, string? comment, TimeSpan? confirmWithin = null, CancellationToken ct = default)
    {
        var target = await GetAsync(id, ct);
        if (target is null) return null;
        var state = StateOf(target);
        var revision = await ApplyStateAsync(state, "rollback", comment ?? $"rollback to revision {id}", author, confirmWithin, ct);
        var left = revision.PreviousRevisionId is { } p && await GetAsync(p, ct) is { } previous ? StateOf(previous).Rules : [];
        var merged = await rules.RebaseDraftAsync(left, state.Rules, ct);
        if (merged.Notice is { } kept)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var stored = await db.Revisions.FirstAsync(r => r.Id == revision.Id, ct);
            stored.Outcome = revision.Outcome = kept;
            await db.SaveChangesAsync(ct);
            Changed?.Invoke();
        }
        return revision;
    }

    /// <summary>
    /// At start: journal entries left "applying" by a crash are marked interrupted; an expired confirmation is reverted;
    /// otherwise the revision in force is applied again (correcting any drift), so the kernel equals one whole revision.
    /// </summary>
    public async Task<string> RecoverAtStartupAsync(CancellationToken ct = default)
    {
        var report = await RecoverAsync(ct);
        await PruneQuietlyAsync(ct);
        return report;
    }

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
        logger.LogInformation("retention: deleted {Count} old revision(s) (keeping the newest {KeepCount}, none older than {KeepDays} days)",
            deleted, _retention.KeepCount, _retention.KeepDays);
        return deleted;
    }

    /// <summary>Pruning is housekeeping: its failure is logged and never fails the apply or the start that ran it.</summary>
    private async Task PruneQuietlyAsync(CancellationToken ct)
    {
        try
        {
            await PruneAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "revision retention failed; old revisions are kept until the next apply");
        }
    }

    private async Task<string> RecoverAsync(CancellationToken ct)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            foreach (var r in await db.Revisions.Where(r => r.State == RevisionStates.Applying).ToListAsync(ct))
            {
                r.State = RevisionStates.Interrupted;
                r.Outcome = "the process stopped during this apply; the revision in force before it was restored at start-up";
            }
            await db.SaveChangesAsync(ct);
        }
        if (await RevertExpiredAsync(ct) is { } reverted) return $"reverted an unconfirmed change (revision {reverted.Id})";
        var active = await ActiveAsync(ct);
        if (active is null) return "no revision yet";
        var drift = await rules.DetectDriftAsync(ct);
        await _lock.WaitAsync(ct);
        try
        {
            var state = StateOf(active);
            rules.ApplyToKernel(state.Rules);
            if (state.Settings is not null) await settings.ApplyAsync(state.Settings, "natgw (start-up)", ct);
            if (state.Conntrack is not null && capacity is not null) await capacity.ApplyAsync(state.Conntrack, "natgw (start-up)", ct);
        }
        finally
        {
            _lock.Release();
        }
        Changed?.Invoke();
        var message = drift is { HasDrift: true }
            ? $"re-applied revision {active.Id}; corrected drift:\n{string.Join('\n', drift.Diff)}"
            : $"re-applied revision {active.Id}; no drift";
        logger.LogInformation("start-up: {Message}", message);
        return message;
    }

    public static GatewayState StateOf(Revision revision) =>
        new(NatRulesService.ParseRules(revision.RulesDocument), SettingsDocument.Parse(revision.SettingsDocument),
            ConntrackDocument.Parse(revision.ConntrackDocument));

    public async Task<Revision?> ActiveAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Revisions.AsNoTracking().Where(r => RevisionStates.InForce.Contains(r.State))
            .OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
    }

    public async Task<PendingConfirmation?> PendingAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var r = await db.Revisions.AsNoTracking().Where(r => r.State == RevisionStates.PendingConfirmation)
            .OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
        return r is null ? null : new PendingConfirmation(r.Id, r.ConfirmBy!.Value, r.PreviousRevisionId);
    }

    public async Task<IReadOnlyList<RevisionSummary>> ListAsync(int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = await db.Revisions.AsNoTracking().OrderByDescending(r => r.Id).Take(take).ToListAsync(ct);
        return list.Select(Summary).ToList();
    }

    /// <summary>
    /// One page of the history, newest first, without the large documents (rules, ruleset, diff: GET /revisions/{id}):
    /// SQLite counts the rules (<c>json_array_length</c>) and cuts old over-long comments, so a page stays small whatever
    /// the revisions hold.
    /// </summary>
    public async Task<Paging.PagedList<RevisionSummary>> PageAsync(int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var total = await db.Revisions.CountAsync(ct);
        var skip = Paging.Paging.Skip(page, pageSize);
        var limit = TextLimits.MaxCommentLength;
        var rows = await db.Database.SqlQuery<SummaryRow>($"""
            SELECT "Id", "CreatedAt", "Author", substr("Comment", 1, {limit}) AS "Comment", "Kind", "State", "ConfirmBy",
                   "PreviousRevisionId", substr("Outcome", 1, {limit}) AS "Outcome", json_array_length("RulesDocument") AS "RuleCount"
            FROM "Revisions" ORDER BY "Id" DESC LIMIT {pageSize} OFFSET {skip}
            """).ToListAsync(ct);
        var items = rows.Select(r => new RevisionSummary(r.Id, new DateTimeOffset(r.CreatedAt, TimeSpan.Zero), r.Author, r.Comment, r.Kind, r.State,
            r.ConfirmBy is { } c ? new DateTimeOffset(c, TimeSpan.Zero) : null, r.PreviousRevisionId, r.Outcome, r.RuleCount)).ToList();
        return new Paging.PagedList<RevisionSummary>(items, page, pageSize, total);
    }

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
        new(r.Id, r.CreatedAt, r.Author, r.Comment, r.Kind, r.State, r.ConfirmBy, r.PreviousRevisionId, r.Outcome, RuleCount(r.RulesDocument));

    /// <summary>Lists only need the number of rules: count the array instead of parsing and validating every rule.</summary>
    private static int RuleCount(string rulesDocument)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(rulesDocument);
        return doc.RootElement.GetArrayLength();
    }

    public async Task<Revision?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Revisions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
    }

    public async Task<RevisionDiff?> DiffAsync(long from, long to, CancellationToken ct = default)
    {
        var a = await GetAsync(from, ct);
        var b = await GetAsync(to, ct);
        if (a is null || b is null) return null;
        var sa = StateOf(a);
        var sb = StateOf(b);
        var la = (a.RulesetText ?? "").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();
        var lb = (b.RulesetText ?? "").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();
        return new RevisionDiff(from, to, RuleListDiff.Compare(sa.Rules, sb.Rules),
            [.. SettingsDocument.Diff(sa.Settings, sb.Settings), .. ConntrackDocument.Diff(sa.Conntrack, sb.Conntrack)],
            la.SequenceEqual(lb) ? [] : TextDiff.Lines(la, lb));
    }

    /// <summary>The revisions in which one rule was added, changed or removed (per-rule history).</summary>
    public async Task<IReadOnlyList<(RevisionSummary Revision, RuleChange Change)>> RuleHistoryAsync(Guid ruleId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var all = await db.Revisions.AsNoTracking().OrderBy(r => r.Id).ToListAsync(ct);
        var result = new List<(RevisionSummary, RuleChange)>();
        IReadOnlyList<NatRule> previous = [];
        foreach (var r in all.Where(r => r.State != RevisionStates.Failed))
        {
            var current = NatRulesService.ParseRules(r.RulesDocument);
            var change = RuleListDiff.Compare(previous, current).FirstOrDefault(c => c.RuleId == ruleId);
            if (change is not null) result.Add((Summary(r), change));
            if (RevisionStates.InForce.Contains(r.State) || r.State == RevisionStates.Reverted) previous = current;
        }
        return result;
    }

    /// <summary>The state in force, as the versioned export document (GET /api/v1/config/export, <c>natgw config export</c>).</summary>
    public async Task<string> ExportAsync(CancellationToken ct = default)
    {
        var active = await ActiveAsync(ct);
        var state = active is null
            ? new GatewayState(await rules.ListAsync(ct), SettingsDocument.Capture(settings.Read()))
            : StateOf(active);
        return GatewayStateDocument.Serialize(state, clock.GetUtcNow());
    }

    /// <summary>Validates an export document and makes its rules the draft (apply is a separate, explicit step).</summary>
    public async Task<(GatewayState? State, Dictionary<string, string[]> Errors)> ImportAsync(string json, CancellationToken ct = default)
    {
        var (state, errors) = GatewayStateDocument.Parse(json);
        if (state is null) return (null, errors);
        await rules.ReplaceDraftAsync(MarkIdAllocator.AssignMissing(state.Rules), ct);
        return (state, errors);
    }

    private static SettingsUpdate Merge(SettingsUpdate current, SettingsUpdate change) => current with
    {
        Ipv4Forwarding = change.Ipv4Forwarding ?? current.Ipv4Forwarding,
        Ipv6Forwarding = change.Ipv6Forwarding ?? current.Ipv6Forwarding,
        RpFilterAll = change.RpFilterAll ?? current.RpFilterAll,
        RpFilterDefault = change.RpFilterDefault ?? current.RpFilterDefault,
        RpFilterInterfaces = current.RpFilterInterfaces.Concat(change.RpFilterInterfaces.Where(p => !current.RpFilterInterfaces.ContainsKey(p.Key)))
            .ToDictionary(p => p.Key, p => change.RpFilterInterfaces.GetValueOrDefault(p.Key, p.Value)),
        Persist = change.Persist,
    };
}
