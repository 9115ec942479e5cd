using Microsoft.Extensions.Logging;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Data.Entities;
using NatGateway.Nat;

namespace NatGateway.Core.Revisions;

/// <summary>
/// What pages and the API ask of revisions, over <see cref="RevisionStore"/> (reads and writes revisions) and
/// <see cref="ApplyPipeline"/> (puts a state into the kernel): each change becomes an <see cref="ApplyRequest"/>, and
/// recovery (<see cref="RecoverAsync"/>) brings the kernel back to one whole revision.
/// </summary>
public sealed class RevisionService(
    RevisionStore store,
    ApplyPipeline pipeline,
    NatRulesService rules,
    KernelSettingsService settings,
    RuleFlowService flows,
    TimeProvider clock,
    ILogger<RevisionService> logger)
{
    private readonly Live.SubscriberList<AutoRevertNotice> _reverts = new(logger);

    /// <summary>Raised after any revision is written or changes state (pages refresh, the countdown starts or stops).</summary>
    public event Action? Changed
    {
        add => store.Changed += value;
        remove => store.Changed -= value;
    }

    /// <summary>Every open page announces an automatic revert: the callback runs once per revert until the handle is disposed.</summary>
    public IDisposable SubscribeReverts(Action<AutoRevertNotice> callback) => _reverts.Add(callback);

    /// <summary>
    /// Applies the draft rule list (the Rules page / POST /api/v1/rules/apply). With <paramref name="purgeChangedFlows"/>,
    /// the live connections created by rules this apply changes, disables or removes are deleted afterwards — and only those.
    /// </summary>
    public async Task<Revision> ApplyRulesAsync(string? comment, string? author, TimeSpan? confirmWithin = null,
        bool purgeChangedFlows = false, CancellationToken ct = default)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var draft = await rules.ListAsync(ct);
        var affected = purgeChangedFlows ? ChangedMarkIds(await store.RulesInForceAsync(ct), draft) : [];
        var read = watch.Elapsed;
        var revision = (await pipeline.RunAsync(new ApplyRequest(new GatewayState(draft, null), RevisionKind.Apply, comment, author, confirmWithin), ct)).Revision;
        logger.LogInformation("apply of {Count} rules: draft read in {Read:0} ms, revision {Id} in {Total:0} ms", draft.Count, read.TotalMilliseconds,
            revision.Id, watch.Elapsed.TotalMilliseconds);
        if (affected.Count > 0)
        {
            var removed = flows.Purge(affected);
            await store.SetOutcomeAsync(revision, $"deleted {removed} live connection(s) created by the changed rules (mark ids {string.Join(", ", affected)})", ct);
        }
        return revision;
    }

    /// <summary>Mark ids of rules in force that the draft changes (other than moving), disables or removes.</summary>
    public async Task<IReadOnlyList<int>> ChangedMarkIdsAsync(CancellationToken ct = default) =>
        ChangedMarkIds(await store.RulesInForceAsync(ct), await rules.ListAsync(ct));

    /// <summary>Mark ids of rules in <paramref name="inForce"/> that <paramref name="draft"/> changes, disables or removes.</summary>
    private static List<int> ChangedMarkIds(IReadOnlyList<NatRule> inForce, IReadOnlyList<NatRule> draft)
    {
        // From the rule models: a moved rule still matches its flows; a changed (renamed, disabled, retargeted) or removed one does not.
        return RuleListDiff.Edits(inForce, draft)
            .Where(e => e.ChangesTraffic)
            .Select(e => e.Before!.MarkId)
            .Where(id => id > 0)
            .ToList();
    }

    /// <summary>Live connections per rule in force (from conntrack marks), for the apply dialog and API.</summary>
    public async Task<IReadOnlyList<RuleFlowCount>> FlowCountsAsync(CancellationToken ct = default)
    {
        var inForce = await store.RulesInForceAsync(ct);
        var counts = flows.CountByMarkId();
        return inForce.Select(r => new RuleFlowCount(r.Id, r.Name, r.MarkId, counts.GetValueOrDefault(r.MarkId))).ToList();
    }

    /// <summary>Applies a settings change (the Settings page / PUT /api/v1/settings) as a revision; rules stay as in force.</summary>
    public async Task<Revision> ApplySettingsAsync(SettingsUpdate update, string? author, TimeSpan? confirmWithin = null, CancellationToken ct = default)
    {
        var inForceRules = await store.RulesInForceAsync(ct);
        var merged = SettingsDocument.Merge(SettingsDocument.Capture(settings.Read()), update);
        var request = new ApplyRequest(new GatewayState(inForceRules, merged), RevisionKind.Settings, null, author, confirmWithin, update.Persist);
        return (await pipeline.RunAsync(request, ct)).Revision;
    }

    /// <summary>
    /// Applies a conntrack sizing/timeouts change (the Capacity page / POST /api/v1/capacity/apply) as a revision;
    /// rules and forwarding stay as in force. Read-only keys (global ones inside a namespace) are reported, not failed.
    /// </summary>
    public async Task<(Revision Revision, Capacity.CapacityApplyResult? Result)> ApplyCapacityAsync(
        Capacity.CapacityApplyRequest change, string? author, TimeSpan? confirmWithin = null, CancellationToken ct = default)
    {
        var inForceRules = await store.RulesInForceAsync(ct);
        var target = ConntrackDocument.Merge(ConntrackDocument.Capture(settings.Kernel.Sysctl), change);
        var request = new ApplyRequest(new GatewayState(inForceRules, null, target), RevisionKind.Capacity, null, author, confirmWithin, change.Persist);
        var result = await pipeline.RunAsync(request, ct);
        return (result.Revision, result.ConntrackSizing.Capacity);
    }

    /// <summary>
    /// The doctor's LRO fix (and its undo) as a revision: <paramref name="lroOff"/> true forces LRO off on
    /// <paramref name="interfaceName"/> and keeps it off (the revision holds it; start-up recovery applies it again), false
    /// stops forcing it and turns LRO back on if this natgw had turned it off. Rules, settings and sizing stay as in force;
    /// commit-confirmed like every change. Throws <see cref="ArgumentException"/> for a name that is not an interface name,
    /// <see cref="InterfaceFixApplyException"/> when the driver refuses (nothing is left changed).
    /// </summary>
    public Task<ApplyPipelineResult> ApplyOffloadsAsync(string interfaceName, bool lroOff, string? author, TimeSpan? confirmWithin = null,
        CancellationToken ct = default) =>
        ApplyInterfaceFixAsync(interfaceName, fixes => fixes.WithLroOff(interfaceName, lroOff), author, confirmWithin, ct);

    /// <summary>
    /// The doctor's MSS-clamp fix (and its undo) as a revision: <paramref name="clamp"/> true adds
    /// <c>oifname "IF" tcp flags syn tcp option maxseg size set rt mtu</c> for <paramref name="interfaceName"/> to our tables
    /// (chain <c>mssclamp</c>, filter forward, priority mangle), compiled into the same nftables transaction as the rules;
    /// false removes it. Rules, settings and sizing stay as in force; commit-confirmed like every change.
    /// </summary>
    public Task<ApplyPipelineResult> ApplyMssClampAsync(string interfaceName, bool clamp, string? author, TimeSpan? confirmWithin = null,
        CancellationToken ct = default) =>
        ApplyInterfaceFixAsync(interfaceName, fixes => fixes.WithMssClamp(interfaceName, clamp), author, confirmWithin, ct);

    private async Task<ApplyPipelineResult> ApplyInterfaceFixAsync(string interfaceName, Func<InterfaceFixes, InterfaceFixes> change,
        string? author, TimeSpan? confirmWithin, CancellationToken ct)
    {
        var problem = NatGateway.Nat.InterfaceName.Problem(interfaceName)
            ?? (interfaceName.EndsWith('*') ? $"'{interfaceName}' is a wildcard; name one interface" : null);
        if (problem is not null) throw new ArgumentException($"interface {problem}", nameof(interfaceName));
        var inForce = await store.InForceAsync(ct);
        var fixes = change(inForce?.Gateway.Fixes ?? InterfaceFixes.None);
        var request = new ApplyRequest(new GatewayState(inForce?.Gateway.Rules ?? await store.RulesInForceAsync(ct), null, null, fixes),
            RevisionKind.Settings, null, author, confirmWithin);
        return await pipeline.RunAsync(request, ct);
    }

    /// <summary>
    /// Applies a cluster configuration (the Cluster page / PUT /api/v1/cluster, and "fail over now") as a revision; rules,
    /// settings, sizing and interface fixes stay as in force. The caller validated <paramref name="config"/>
    /// (<see cref="Cluster.ClusterConfigValidator"/>); the journal refuses it while an enabled masquerade rule is in force.
    /// </summary>
    public async Task<ApplyPipelineResult> ApplyClusterAsync(Cluster.ClusterConfig config, string? comment, string? author,
        TimeSpan? confirmWithin = null, CancellationToken ct = default)
    {
        var inForce = await store.InForceAsync(ct);
        var request = new ApplyRequest(new GatewayState(inForce?.Gateway.Rules ?? await store.RulesInForceAsync(ct), null, null, null, config),
            RevisionKind.Cluster, comment, author, confirmWithin);
        return await pipeline.RunAsync(request, ct);
    }

    /// <summary>The cluster configuration of the revision in force (null: never configured).</summary>
    public async Task<(long? RevisionId, Cluster.ClusterConfig? Config)> ClusterInForceAsync(CancellationToken ct = default)
    {
        var inForce = await store.InForceAsync(ct);
        return (inForce?.Id, inForce?.Gateway.Cluster);
    }

    /// <summary>Keeps the change: POST /api/v1/revisions/{id}/confirm.</summary>
    public async Task<bool> ConfirmAsync(long id, string? author, CancellationToken ct = default)
    {
        if (!await pipeline.ExclusiveAsync(() => store.ConfirmAsync(id, author, ct), ct)) return false;
        store.NotifyChanged();
        return true;
    }

    /// <summary>
    /// Restores the previous revision when a pending one's window has ended. Called by the watchdog on a timer and by
    /// recovery; returns the revert revision, or null when nothing was due.
    /// </summary>
    public async Task<Revision?> RevertExpiredAsync(CancellationToken ct = default)
    {
        var done = await pipeline.ExclusiveAsync<(Revision Revert, AutoRevertNotice Notice)?>(async () =>
        {
            var now = clock.GetUtcNow();
            if (await store.ExpiredPendingAsync(now, ct) is not { } expired) return null;
            var target = expired.PreviousRevisionId is { } prevId ? await store.ContentAsync(prevId, ct) : null;
            await store.MarkRevertedAsync(expired.Id, $"not confirmed by {expired.ConfirmBy:u}: reverted to revision {target?.Id.ToString() ?? "(none)"}", ct);
            var state = target?.Gateway ?? GatewayState.Empty;
            logger.LogWarning("revision {Id} was not confirmed in time; restoring revision {Target}", expired.Id, target?.Id);
            var revert = (await pipeline.RunHeldAsync(new ApplyRequest(state, RevisionKind.AutoRevert,
                $"automatic revert of revision {expired.Id} (not confirmed)", "natgw"), ct)).Revision;

            // The draft follows the restored revision (no stale pending change); only edits made since the reverted one stay.
            var merged = await rules.RebaseDraftAsync(expired.Gateway.Rules, state.Rules, ct);
            var notice = new AutoRevertNotice(expired.Id, (int)Math.Floor(((expired.ConfirmBy ?? now) - expired.CreatedAt).TotalSeconds),
                revert.CreatedAt, revert.Id, merged.Notice);
            await store.SetOutcomeAsync(revert, notice.Text(TimeZoneInfo.Utc), ct);
            return (revert, notice);
        }, ct);
        if (done is not { } reverted) return null;
        var (revision, notice) = reverted;
        store.NotifyChanged();
        _reverts.Publish(notice);
        return revision;
    }

    /// <summary>Puts the revision in force back into the kernel (after drift), as a new revision: commit-confirmed like any apply.</summary>
    public async Task<Revision?> ReapplyActiveAsync(string? author, TimeSpan? confirmWithin = null, CancellationToken ct = default, string? comment = null)
    {
        var active = await store.InForceAsync(ct);
        return active is null ? null
            : (await pipeline.RunAsync(new ApplyRequest(active.Gateway, RevisionKind.Reapply, comment ?? $"re-apply revision {active.Id}", author, confirmWithin), ct)).Revision;
    }

    /// <summary>
    /// Rollback to any revision: its state is applied as a NEW revision, and the draft rule list follows it. Unapplied edits
    /// the operator made to the draft are kept, and named in the revision's outcome.
    /// </summary>
    public async Task<Revision?> RollbackAsync(long id, string? author, string? comment, TimeSpan? confirmWithin = null, CancellationToken ct = default)
    {
        var target = await store.ContentAsync(id, ct);
        if (target is null) return null;
        var state = target.Gateway;
        var revision = (await pipeline.RunAsync(new ApplyRequest(state, RevisionKind.Rollback, comment ?? $"rollback to revision {id}", author, confirmWithin), ct)).Revision;
        var left = revision.PreviousRevisionId is { } p && await store.ContentAsync(p, ct) is { } previous ? previous.Gateway.Rules : [];
        var merged = await rules.RebaseDraftAsync(left, state.Rules, ct);
        if (merged.Notice is { } kept)
        {
            await store.SetOutcomeAsync(revision, kept, ct);
            store.NotifyChanged();
        }
        return revision;
    }

    /// <summary>Start-up recovery (<see cref="RecoverAsync"/>), then retention's first pass.</summary>
    public async Task<string> RecoverAtStartupAsync(CancellationToken ct = default)
    {
        var report = await RecoverAsync(ct);
        await store.PruneQuietlyAsync(ct);
        return report;
    }

    /// <summary>
    /// Brings the kernel back to exactly one whole revision: at start, and whenever the kernel side (the agent) is back.
    /// Journal entries left applying by a crash are marked interrupted; an expired confirmation is reverted; otherwise
    /// the revision in force is applied again through the pipeline, as a <see cref="RevisionKind.Startup"/> revision
    /// that records what was re-applied and the drift it corrected — only when the kernel differs from it (a restart or
    /// an agent reconnect with nothing to correct adds no revision). Safe to call again at any time.
    /// </summary>
    public async Task<string> RecoverAsync(CancellationToken ct = default)
    {
        await pipeline.ExclusiveAsync(() => store.InterruptApplyingAsync(
            "the process stopped during this apply; the revision in force before it was restored at start-up", ct), ct);
        if (await RevertExpiredAsync(ct) is { } reverted) return $"reverted an unconfirmed change (revision {reverted.Id})";
        var message = await pipeline.ExclusiveAsync(async () =>
        {
            var active = await store.InForceAsync(ct);
            if (active is null) return "no revision yet";
            var drift = rules.DetectDrift(active.Gateway.Rules, active.Gateway.Fixes.MssClamp);
            // A kernel that already matches needs nothing: no revision for every restart or agent reconnect.
            if (drift is not { HasDrift: true } && KernelMatchesSettings(active.Gateway))
                return $"revision {active.Id} is in force and the kernel matches it; nothing re-applied";
            var report = drift is { HasDrift: true }
                ? $"re-applied revision {active.Id}; corrected drift:\n{string.Join('\n', drift.Diff)}"
                : $"re-applied revision {active.Id}; no drift";
            var result = await pipeline.RunHeldAsync(new ApplyRequest(active.Gateway, RevisionKind.Startup,
                $"recovery: re-apply revision {active.Id}", "natgw (start-up)"), ct);
            await store.SetOutcomeAsync(result.Revision, report.Length > 1000 ? report[..999] + "…" : report, ct);
            return report;
        }, ct);
        store.NotifyChanged();
        logger.LogInformation("recovery: {Message}", message);
        return message;
    }

    /// <summary>
    /// Every managed value the revision holds is what the kernel has now. Keys the revision does not hold (an interface
    /// that appeared since) or the kernel no longer has (an interface that went away) leave nothing to re-apply.
    /// </summary>
    private bool KernelMatchesSettings(GatewayState state)
    {
        // LRO forced off by the revision but on now (a driver reset, a reboot): re-apply. An absent interface is not drift.
        if (state.Fixes.LroOff.Count > 0
            && settings.Kernel.Diagnostics.ReadOffloads().Any(o => o.LroActive && state.Fixes.LroOff.Contains(o.Interface)))
            return false;
        // Cluster mode on but keepalived/conntrackd not running (a restart of the agent, a crash): re-apply starts them.
        if (state.Cluster is { Enabled: true })
        {
            var status = settings.Kernel.Cluster.Status();
            if (!status.KeepalivedRunning || !status.ConntrackdRunning) return false;
        }
        if (state.Settings is { } wanted)
        {
            var now = SettingsDocument.Capture(settings.Read());
            static bool Same<T>(T? want, T? have) where T : struct => want is null || have is null || want.Value.Equals(have.Value);
            if (!Same(wanted.Ipv4Forwarding, now.Ipv4Forwarding) || !Same(wanted.Ipv6Forwarding, now.Ipv6Forwarding)
                || !Same(wanted.RpFilterAll, now.RpFilterAll) || !Same(wanted.RpFilterDefault, now.RpFilterDefault))
                return false;
            foreach (var (name, mode) in wanted.RpFilterInterfaces)
                if (now.RpFilterInterfaces.TryGetValue(name, out var current) && current != mode) return false;
        }
        if (state.Conntrack is { } sizing)
        {
            var now = ConntrackDocument.Capture(settings.Kernel.Sysctl);
            if ((sizing.ConntrackMax is { } max && now.ConntrackMax is { } nowMax && max != nowMax)
                || (sizing.Buckets is { } buckets && now.Buckets is { } nowBuckets && buckets != nowBuckets))
                return false;
            foreach (var (name, seconds) in sizing.Timeouts)
                if (now.Timeouts.TryGetValue(name, out var current) && current != seconds) return false;
        }
        return true;
    }

    /// <summary>Deletes the revisions retention no longer keeps. Returns how many were deleted.</summary>
    public Task<int> PruneAsync(CancellationToken ct = default) => store.PruneAsync(ct);

    public static RevisionSummary Summary(Revision r) => RevisionStore.Summary(r);

    public Task<Revision?> ActiveAsync(CancellationToken ct = default) => store.ActiveAsync(ct);

    /// <summary>The revision in force as lists show it, without its documents (the dashboard).</summary>
    public Task<RevisionSummary?> ActiveSummaryAsync(CancellationToken ct = default) => store.ActiveSummaryAsync(ct);

    public Task<PendingConfirmation?> PendingAsync(CancellationToken ct = default) => store.PendingAsync(ct);

    public Task<IReadOnlyList<RevisionSummary>> ListAsync(int take = 200, CancellationToken ct = default) => store.ListAsync(take, ct);

    public Task<Paging.PagedList<RevisionSummary>> PageAsync(int page, int pageSize, CancellationToken ct = default) => store.PageAsync(page, pageSize, ct);

    public Task<Revision?> GetAsync(long id, CancellationToken ct = default) => store.GetAsync(id, ct);

    public Task<RevisionDiff?> DiffAsync(long from, long to, CancellationToken ct = default) => store.DiffAsync(from, to, ct);

    public Task<IReadOnlyList<(RevisionSummary Revision, RuleChange Change)>> RuleHistoryAsync(Guid ruleId, CancellationToken ct = default) =>
        store.RuleHistoryAsync(ruleId, ct);

    /// <summary>The state in force, as the versioned export document (GET /api/v1/config/export, <c>natgw config export</c>).</summary>
    public async Task<string> ExportAsync(CancellationToken ct = default)
    {
        var active = await store.InForceAsync(ct);
        var state = active?.Gateway ?? new GatewayState(await rules.ListAsync(ct), SettingsDocument.Capture(settings.Read()));
        return store.Export(state);
    }

    /// <summary>Validates an export document and makes its rules the draft (apply is a separate, explicit step).</summary>
    public Task<(GatewayState? State, Dictionary<string, string[]> Errors)> ImportAsync(string json, CancellationToken ct = default) =>
        MakeDraftAsync(RevisionStore.ParseExport(json), ct);

    /// <summary>
    /// Imports a document already parsed (the API and the CLI parse the bytes once): read, validated in the same pass,
    /// then written as ONE draft change. Nothing is replaced when any rule or setting is invalid.
    /// </summary>
    public Task<(GatewayState? State, Dictionary<string, string[]> Errors)> ImportAsync(System.Text.Json.JsonElement document, CancellationToken ct = default) =>
        MakeDraftAsync(GatewayStateDocument.Parse(document), ct);

    private async Task<(GatewayState? State, Dictionary<string, string[]> Errors)> MakeDraftAsync(
        (GatewayState? State, Dictionary<string, string[]> Errors) parsed, CancellationToken ct)
    {
        var (state, errors) = parsed;
        if (state is null) return (null, errors);
        // The parse validated every rule against the ones before it (GatewayStateDocument.Parse: a state only without errors);
        // mark ids, which AssignMissing fills, are not part of the validation.
        await rules.ReplaceDraftAsync(MarkIdAllocator.AssignMissing(state.Rules), ct, validated: true);
        return (state, errors);
    }
}
