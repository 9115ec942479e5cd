using Microsoft.Extensions.Logging;
using NatGateway.Core.Kernel;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Data.Entities;
using NatGateway.Nftables;

namespace NatGateway.Core.Revisions;

/// <summary>
/// The one way the gateway's state changes in the kernel, in ordered steps: journal → nftables → sysctls → conntrack
/// sizing → interface fixes (LRO) → cluster (keepalived/conntrackd) → commit, each returning its own result. Every apply, rollback, re-apply, automatic revert and recovery runs
/// here, one at a time. The journal makes a crash at any point leave exactly one whole revision in force after recovery.
/// </summary>
public sealed class ApplyPipeline(
    RevisionStore store,
    JournalStep journal,
    NftablesStep nftables,
    SysctlsStep sysctls,
    ConntrackSizingStep conntrackSizing,
    InterfaceFixesStep interfaceFixes,
    ClusterStep cluster,
    CommitStep commit,
    NatRulesService rules,
    ILogger<ApplyPipeline> logger,
    IEnumerable<IApplyObserver> observers,
    Cluster.Sync.ClusterRoleGate? clusterRole = null)
{
    private readonly IApplyObserver[] _observers = observers.ToArray();

    /// <summary>What an interrupted revision's outcome says: recovery puts the revision in force before it back.</summary>
    public const string InterruptedOutcome =
        "the kernel agent became unreachable during this apply; the revision in force before it is restored when the kernel side is back";

    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Runs <paramref name="action"/> alone: no apply, confirmation or recovery runs beside it.</summary>
    public async Task<T> ExclusiveAsync<T>(Func<Task<T>> action, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            return await action();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Puts the request's target into the kernel as a new revision. Throws <see cref="RulesInvalidException"/>,
    /// <see cref="NftablesException"/>, <see cref="SettingsApplyException"/>, <see cref="ConfirmationPendingException"/>
    /// (the kernel is left as it was) and <see cref="KernelUnavailableException"/> (the revision is interrupted; recovery
    /// restores the one in force when the kernel side is back).
    /// </summary>
    public Task<ApplyPipelineResult> RunAsync(ApplyRequest request, CancellationToken ct = default) =>
        ExclusiveAsync(() => RunHeldAsync(request, ct), ct);

    /// <summary><see cref="RunAsync"/> for a caller already inside <see cref="ExclusiveAsync{T}"/>.</summary>
    public async Task<ApplyPipelineResult> RunHeldAsync(ApplyRequest request, CancellationToken ct = default)
    {
        if (_observers.Length == 0) return await RunStepsAsync(request, ct);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = ApplyOutcome.Error;
        try
        {
            var result = await RunStepsAsync(request, ct);
            outcome = ApplyOutcome.Applied;
            return result;
        }
        catch (Exception e)
        {
            outcome = Classify(e);
            throw;
        }
        finally
        {
            var observation = new ApplyObservation(request.Kind, System.Diagnostics.Stopwatch.GetElapsedTime(started), outcome);
            foreach (var observer in _observers)
            {
                try { observer.Observe(observation); }
                catch (Exception e) when (e is not OutOfMemoryException) { logger.LogDebug(e, "apply observer failed"); }
            }
        }
    }

    private static ApplyOutcome Classify(Exception e) => e switch
    {
        RulesInvalidException or ConfirmationPendingException or Cluster.Sync.BackupNodeRefusesChangesException => ApplyOutcome.Refused,
        NftablesException or SettingsApplyException or ClusterApplyException => ApplyOutcome.Failed,
        KernelUnavailableException => ApplyOutcome.Interrupted,
        _ => ApplyOutcome.Error,
    };

    private async Task<ApplyPipelineResult> RunStepsAsync(ApplyRequest request, CancellationToken ct)
    {
        if (!request.RunsWhilePending && await store.PendingAsync(ct) is { } pending) throw new ConfirmationPendingException(pending.RevisionId);
        // HA pair: a backup takes its configuration from the primary only (pages and the API refuse earlier; this covers every caller).
        // A cluster revision changes what the primary does not replicate (this node's own part: priority, interfaces, a
        // stand-down or its end); ClusterService.CheckAsync refuses a change of the shared part on the backup.
        if (request.IsLocalChange && request.Kind != RevisionKind.Cluster && clusterRole?.LocalChangeRefusal() is { } refusal)
            throw new Cluster.Sync.BackupNodeRefusesChangesException(refusal);

        var timing = new StageTimer();
        var journaled = await journal.RunAsync(request, ct);
        var revision = journaled.Revision;
        timing.Lap("journal");
        Hit(request, Failpoints.AfterJournal);

        NftablesResult nft;
        try
        {
            nft = nftables.Run(request, journaled);
        }
        catch (NftablesException e)
        {
            await WriteDetailsAsync(journaled);
            await store.FinishAsync(revision, RevisionState.Failed, $"nftables refused the batch: {e.NftError}", ct);
            throw;
        }
        catch (KernelUnavailableException)
        {
            await WriteDetailsAsync(journaled);
            await InterruptAsync(revision, ct);
            throw;
        }
        Hit(request, Failpoints.AfterRules);
        timing.Lap("nftables");

        // Settings, then conntrack sizing/timeouts: each all or nothing; on failure the rules go back too, so no mix is left.
        SysctlsResult sys;
        ConntrackSizingResult sizing;
        InterfaceFixesResult fixes = InterfaceFixesResult.Nothing;
        ClusterStepResult clustered;
        try
        {
            sys = await sysctls.RunAsync(request, revision.Author, ct);
            sizing = await conntrackSizing.RunAsync(request, revision.Author, ct);
            fixes = interfaceFixes.Run(journaled);
            clustered = cluster.Run(request, journaled);
        }
        catch (Exception e) when (e is SettingsApplyException or InterfaceFixApplyException or ClusterApplyException)
        {
            if (e is ClusterApplyException) interfaceFixes.Undo(fixes);
            nftables.Undo(journaled, nft);
            await WriteDetailsAsync(journaled);
            await store.FinishAsync(revision, RevisionState.Failed, e.Message, ct);
            throw;
        }
        catch (KernelUnavailableException)
        {
            await WriteDetailsAsync(journaled);
            await InterruptAsync(revision, ct);
            throw;
        }
        Hit(request, Failpoints.AfterSettings);
        timing.Lap("settings");

        // Before the commit: a revision in force (or pending confirmation) always has its diff.
        await WriteDetailsAsync(journaled);
        timing.Lap("diff");

        var committed = await commit.RunAsync(request, journaled, ct);
        Hit(request, Failpoints.AfterCommit);
        timing.Lap("commit");
        await store.PruneQuietlyAsync(ct);
        timing.Lap("prune");
        logger.LogInformation("revision {Id} ({Kind}) {State} by {Author} in {Total} ms: {Stages} (journal: {JournalStages}; kernel side prepared in {Prepared} ms)", revision.Id,
            request.Kind.Text(), revision.State.Text(), revision.Author, timing.TotalMilliseconds, timing.ToString(), journaled.Timing,
            journaled.Prepared is { IsCompletedSuccessfully: true } p ? Math.Round(p.Result.Took.TotalMilliseconds) : 0);
        rules.RaiseChanged();
        store.NotifyChanged();
        return new ApplyPipelineResult(journaled, nft, sys, sizing, committed) { Interfaces = fixes, Cluster = clustered };
    }

    /// <summary>
    /// Crash tests arm a failpoint for the whole life of the process; recovery at start must not stop at it, or the
    /// process that should restore the revision in force never answers.
    /// </summary>
    private static void Hit(ApplyRequest request, string failpoint)
    {
        if (request.Kind != RevisionKind.Startup) Failpoints.Hit(failpoint);
    }

    /// <summary>
    /// Stores the journal entry's readable diff, and the kernel side's compiled documents when they followed the kernel
    /// step. A failure is logged and never fails the apply: the kernel step has run, and the revision's state (what
    /// recovery and rollback use) is already in the journal.
    /// </summary>
    private async Task WriteDetailsAsync(JournalResult journaled)
    {
        try
        {
            var documents = journaled.Documents is { } pending ? await pending : null;
            await store.WriteDetailsAsync(journaled.Revision, documents, await journaled.Diff, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError(e, "revision {Id}: its readable diff or compiled ruleset could not be made or stored; the revision is recorded without them", journaled.Revision.Id);
        }
    }

    /// <summary>The agent went away mid-apply: the kernel may hold part of this revision until recovery runs.</summary>
    private async Task InterruptAsync(Revision revision, CancellationToken ct)
    {
        logger.LogWarning("revision {Id} interrupted: the kernel side is unreachable; recovery restores the revision in force when it is back", revision.Id);
        await store.FinishAsync(revision, RevisionState.Interrupted, InterruptedOutcome, CancellationToken.None);
        store.NotifyChanged();
    }
}
