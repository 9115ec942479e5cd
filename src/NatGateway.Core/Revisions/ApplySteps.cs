using NatGateway.Core.Kernel;
using NatGateway.Core.Capacity;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Data.Entities;
using NatGateway.Nftables;

namespace NatGateway.Core.Revisions;

/// <summary>One change to put into the kernel as a revision. Settings or Conntrack null in the target = keep the kernel's.</summary>
public sealed record ApplyRequest(GatewayState Target, RevisionKind Kind, string? Comment = null, string? Author = null,
    TimeSpan? ConfirmWithin = null, bool Persist = false)
{
    /// <summary>A settings-only change leaves nftables alone when its compiled ruleset equals the one in force.</summary>
    public bool KeepsRules => Kind is RevisionKind.Settings or RevisionKind.Capacity or RevisionKind.Cluster;

    /// <summary>The target is a whole stored state (a rollback, revert, re-apply or recovery): a part it lacks means "none",
    /// not "keep the one in force".</summary>
    public bool RestoresStoredState => Kind is RevisionKind.Rollback or RevisionKind.AutoRevert or RevisionKind.Reapply or RevisionKind.Startup;

    /// <summary>An automatic revert or a recovery runs even while a change waits for confirmation.</summary>
    public bool RunsWhilePending => Kind is RevisionKind.AutoRevert or RevisionKind.Startup;

    /// <summary>HA configuration sync: the primary's revision id, stored as this revision's id on the backup (null: a local change).</summary>
    public long? ReplicatedId { get; init; }

    /// <summary>A change someone made on this node (not a replicated one, a revert or a recovery): refused on a backup.</summary>
    public bool IsLocalChange => ReplicatedId is null && Kind is not (RevisionKind.AutoRevert or RevisionKind.Startup);
}

/// <summary>Step 1: the intent is durable (state applying) before the kernel changes.</summary>
public sealed record JournalResult(Revision Revision, RevisionContent? Previous, GatewayState Target, bool RulesUnchanged)
{
    /// <summary>Where the step's time went ("validate 12 ms, compile 40 ms, ..."), for the apply's log line.</summary>
    public string Timing { get; init; } = "";

    /// <summary>The kernel side getting the target rules ready (<see cref="INatTables.Prepare"/>) while the journal was
    /// written; the kernel step waits for it. Null: nothing to prepare (the change keeps the rules).</summary>
    public Task<KernelPreparation>? Prepared { get; init; }

    /// <summary>
    /// The compiled batch and its listing text, when the journal entry was written without them: the kernel side's
    /// (<see cref="INatTables.PreparedDocuments"/>), read while the kernel step runs; the pipeline stores them with the
    /// diff before the commit. Null: the entry holds them already.
    /// </summary>
    public Task<RulesetDocuments>? Documents { get; init; }

    /// <summary>The readable diff (<see cref="RevisionStore.Describe"/>), made beside the kernel step; the pipeline stores it.</summary>
    public Task<string> Diff { get; init; } = Task.FromResult("");
}

/// <summary>How the kernel side's preparation of a list went: ready (else the apply sends the whole list), and how long it took.</summary>
public sealed record KernelPreparation(bool Ready, TimeSpan Took)
{
    /// <summary>Runs a preparation; its failure is not thrown here but left to the apply that follows to report.</summary>
    public static KernelPreparation Run(Func<bool> prepare)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var ready = false;
        try { ready = prepare(); }
        catch (Exception e) when (e is not OutOfMemoryException) { }
        return new KernelPreparation(ready, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }
}

/// <summary>Step 2: our nftables tables, one transaction. Null <see cref="Kernel"/> = skipped (a settings-only change).</summary>
public sealed record NftablesResult(ApplyResult? Kernel)
{
    public bool Applied => Kernel is not null;
}

/// <summary>Step 3: forwarding and rp_filter. Null <see cref="Settings"/> = the change has none.</summary>
public sealed record SysctlsResult(SettingsApplyResult? Settings);

/// <summary>Step 4: conntrack sizing and timeouts. Null <see cref="Capacity"/> = the change has none.</summary>
public sealed record ConntrackSizingResult(CapacityApplyResult? Capacity);

/// <summary>Step 5: the revision is in force (or in force until <see cref="ConfirmBy"/>).</summary>
public sealed record CommitResult(RevisionState State, DateTimeOffset? ConfirmBy);

/// <summary>Every step's result of one apply, in order.</summary>
public sealed record ApplyPipelineResult(JournalResult Journal, NftablesResult Nftables, SysctlsResult Sysctls, ConntrackSizingResult ConntrackSizing, CommitResult Commit)
{
    /// <summary>What the interface-fixes step (LRO) changed.</summary>
    public InterfaceFixesResult Interfaces { get; init; } = InterfaceFixesResult.Nothing;

    /// <summary>What the cluster step (keepalived/conntrackd) did.</summary>
    public ClusterStepResult Cluster { get; init; } = ClusterStepResult.Nothing;

    public Revision Revision => Journal.Revision;
}

/// <summary>Validates and compiles the target, records the baseline on the very first apply, and writes the journal entry.</summary>
public sealed class JournalStep(RevisionStore store, NatRulesService rules, KernelSettingsService settings)
{
    public async Task<JournalResult> RunAsync(ApplyRequest request, CancellationToken ct)
    {
        // The API and the editors refuse a long comment with a field error; this guards every other caller.
        if (TextLimits.CommentError(request.Comment) is { } tooLong) throw new ArgumentException($"comment {tooLong}", nameof(request));
        var author = TextLimits.Actor(request.Author);
        var target = request.Target;
        // Fixes the request does not set carry over from the revision in force; the MSS clamp is compiled with the rules.
        var fixes = target.Interfaces ?? (await store.InForceAsync(ct))?.Gateway.Interfaces ?? InterfaceFixes.None;
        var timing = new StageTimer();
        // The kernel side (the agent: parse, validate, compile) gets the list ready while this side validates and writes
        // the journal; it touches nothing in the kernel, and the kernel step waits for it, so the journal is still written
        // before the kernel changes. A failed preparation (the agent refused or went away) is the kernel step's to report.
        var prepared = request.KeepsRules ? null : Task.Run(() => KernelPreparation.Run(() => rules.PrepareKernel(target.Rules, fixes.MssClamp)), CancellationToken.None);
        // The revision's rules document, hashed and compressed on this side while the kernel side works (two cores). A
        // change that keeps the rules stores the document in force again: nothing new to compress.
        var rulesDocument = request.KeepsRules ? Task.FromResult<string?>(null)
            : Task.Run<string?>(() => RevisionStore.PrepareRulesDocument(target.Rules), CancellationToken.None);
        _ = rulesDocument.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        // The one whole-list validation of an apply (the agent re-checks what it receives, cached by hash); a draft
        // snapshot a write already checked is not validated again.
        var errors = rules.Errors(target.Rules);
        if (errors.Count > 0) throw new RulesInvalidException(errors);
        timing.Lap("validate");
        // A list is compiled once, by the side that applies it: its batch and listing text (megabytes at 10,000 rules)
        // come over while the nft transaction runs and are stored with the diff before the commit (this side compiles
        // them when the kernel side prepared nothing). Recovery never needs them (it applies a revision's rules), so the
        // entry written first is the intent: target rules, settings. A change that keeps the rules compiles here, now:
        // its batch tells whether nftables is touched at all.
        RulesetDocuments? compiled = null;
        Task<RulesetDocuments>? documents = null;
        if (prepared is not null)
        {
            documents = Task.Run(async () => (await prepared).Ready ? KernelDocuments(target.Rules, fixes.MssClamp) : LocalDocuments(target.Rules, fixes.MssClamp),
                CancellationToken.None);
            _ = documents.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
        else compiled = rules.Documents(target.Rules, fixes.MssClamp);
        timing.Lap("compile");
        await store.EnsureBaselineAsync(() => (new GatewayState([], SettingsDocument.Capture(settings.Read()), ConntrackDocument.Capture(settings.Kernel.Sysctl)),
            RulesetDocuments.Of(rules.Compile([]))), ct);

        var previous = await store.InForceAsync(ct);
        var cluster = ClusterOf(request, previous);
        // Translation that survives failover: no masquerade in cluster mode (ClusterRulePolicy). A revert or recovery puts
        // back a state that was in force, so it is never refused here.
        if (!request.RunsWhilePending && cluster is { Enabled: true })
        {
            var refused = target.Rules.Select(r => (r.Id, r.Name, Issue: NatGateway.Core.Cluster.ClusterRulePolicy.Refusal(r, cluster)))
                .Where(p => p.Issue is not null).Select(p => (p.Id, p.Name, p.Issue!)).ToList();
            if (refused.Count > 0) throw new RulesInvalidException(refused);
        }
        var conntrackBefore = ConntrackDocument.Capture(settings.Kernel.Sysctl);
        var full = target with
        {
            Settings = target.Settings ?? SettingsDocument.Capture(settings.Read()),
            Conntrack = target.Conntrack ?? conntrackBefore,
            // Not read back from the kernel (no kernel state says "forced by us"): they carry over from the revision in force.
            Interfaces = fixes,
            Cluster = cluster,
        };
        timing.Lap("in force");
        var entry = new JournalEntry(request.Kind, request.Comment, author, full, compiled, previous, conntrackBefore)
            { Id = request.ReplicatedId, RulesDocument = await rulesDocument };
        var revision = await store.BeginAsync(entry, ct);
        timing.Lap("write");
        // The readable diff (a keyed rule diff and a line diff of two rulesets: tens of ms at 10,000 rules) is for people,
        // not for recovery: it is made while the kernel step runs (mostly the agent's time) and stored before the commit.
        var diff = Task.Run(async () => RevisionStore.Describe(entry, compiled ?? await documents!), CancellationToken.None);
        _ = diff.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        var unchanged = request.KeepsRules && previous is not null && previous.RulesetJson == compiled!.Json;
        return new JournalResult(revision, previous, full, unchanged) { Timing = timing.ToString(), Prepared = prepared, Documents = documents, Diff = diff };
    }

    /// <summary>The kernel side's documents of the list it prepared, hashed and compressed for storing; this side's compile
    /// when it no longer holds them (the agent restarted) or cannot be asked (it went away: the kernel step reports that).</summary>
    private RulesetDocuments KernelDocuments(IReadOnlyList<NatGateway.Nat.NatRule> list, IReadOnlyList<string> mssClamp)
    {
        RulesetDocuments documents;
        try { documents = rules.PreparedDocuments(list, mssClamp); }
        catch (Exception e) when (e is not OutOfMemoryException) { documents = rules.Documents(list, mssClamp); }
        RevisionStore.Prepack(documents);
        return documents;
    }

    private RulesetDocuments LocalDocuments(IReadOnlyList<NatGateway.Nat.NatRule> list, IReadOnlyList<string> mssClamp)
    {
        var documents = rules.Documents(list, mssClamp);
        RevisionStore.Prepack(documents);
        return documents;
    }

    /// <summary>
    /// The cluster configuration the revision holds: the request's, else the one in force. A restored stored state without
    /// one (a revision from before cluster mode) means cluster mode off: the configuration in force, disabled.
    /// </summary>
    private static NatGateway.Core.Cluster.ClusterConfig? ClusterOf(ApplyRequest request, RevisionContent? previous)
    {
        if (request.Target.Cluster is { } wanted) return wanted;
        var inForce = previous?.Gateway.Cluster;
        return request.RestoresStoredState && inForce is { Enabled: true } ? inForce with { Enabled = false } : inForce;
    }
}

/// <summary>Replaces our tables in one nftables transaction (all or nothing); undoes by putting the rules in force back.</summary>
public sealed class NftablesStep(NatRulesService rules)
{
    public NftablesResult Run(ApplyRequest request, JournalResult journal)
    {
        if (journal.RulesUnchanged) return new NftablesResult(null);
        // The prepared list makes the apply use its compiled batch; a failed preparation leaves the apply to do it all.
        journal.Prepared?.Wait();
        return new NftablesResult(rules.ApplyToKernel(request.Target.Rules, journal.Target.Fixes.MssClamp));
    }

    public void Undo(JournalResult journal, NftablesResult done)
    {
        if (done.Applied && journal.Previous is { } previous) rules.ApplyToKernel(previous.Gateway.Rules, previous.Gateway.Fixes.MssClamp);
    }
}

/// <summary>Writes forwarding and rp_filter (all or nothing, <see cref="KernelSettingsService.ApplyAsync"/>).</summary>
public sealed class SysctlsStep(KernelSettingsService settings)
{
    public async Task<SysctlsResult> RunAsync(ApplyRequest request, string? author, CancellationToken ct) =>
        request.Target.Settings is { } target
            ? new SysctlsResult(await settings.ApplyAsync(target with { Persist = request.Persist }, author, ct))
            : new SysctlsResult(null);
}

/// <summary>Writes conntrack sizing and timeouts; read-only keys (global ones inside a namespace) are reported, not failed.</summary>
public sealed class ConntrackSizingStep(CapacityService? capacity = null)
{
    public async Task<ConntrackSizingResult> RunAsync(ApplyRequest request, string? author, CancellationToken ct) =>
        request.Target.Conntrack is { } target && capacity is not null
            ? new ConntrackSizingResult(await capacity.ApplyAsync(target with { Persist = request.Persist }, author, ct))
            : new ConntrackSizingResult(null);
}

/// <summary>Marks the journal entry in force: applied, or pending confirmation until the window ends.</summary>
public sealed class CommitStep(RevisionStore store, TimeProvider clock)
{
    public async Task<CommitResult> RunAsync(ApplyRequest request, JournalResult journal, CancellationToken ct)
    {
        DateTimeOffset? confirmBy = request.ConfirmWithin is { } window ? clock.GetUtcNow() + window : null;
        await store.CommitAsync(journal.Revision, confirmBy, ct);
        return new CommitResult(journal.Revision.State, confirmBy);
    }
}
