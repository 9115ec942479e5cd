using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NatGateway.Core.Revisions;

/// <summary>
/// Server-side timer for commit-confirmed applies: when a pending revision's window ends it restores the previous
/// revision, whether or not any browser is still connected. Also runs start-up recovery before anything else.
/// </summary>
public sealed class ConfirmationWatchdog(RevisionService revisions, TimeProvider clock, ILogger<ConfirmationWatchdog> logger) : BackgroundService
{
    /// <summary>How often deadlines are checked: the revert lands within this much of the deadline.</summary>
    public static TimeSpan Tick { get; set; } = TimeSpan.FromMilliseconds(200);

    private readonly Background.RetryBackoff _backoff = new("automatic revert", clock, logger, LogLevel.Error);

    /// <summary>Failed automatic reverts since the last one that worked (each retried after a growing wait).</summary>
    public int ConsecutiveRevertFailures => _backoff.ConsecutiveFailures;

    /// <summary>What start-up recovery did (shown on the History page).</summary>
    public string? StartupReport { get; private set; }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            StartupReport = await revisions.RecoverAtStartupAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A broken kernel or database must not keep the operator out of the UI that could fix it.
            StartupReport = $"start-up re-apply failed: {e.Message}";
            logger.LogError(e, "start-up recovery failed");
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!_backoff.IsDue) continue;
            try
            {
                await revisions.RevertExpiredAsync(stoppingToken);
                _backoff.Succeeded();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _backoff.Failed(e);
            }
        }
    }
}
