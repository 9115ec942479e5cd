using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Revisions;

/// <summary>
/// Agent mode: when the kernel becomes available again after an outage (the agent was restarted, or started after the
/// web), runs the revision recovery, so that an apply the outage cut short is marked interrupted and the kernel holds
/// exactly the revision in force again, without restarting the web. Also covers start-up: if the agent was not there
/// when <see cref="ConfirmationWatchdog"/> ran the start-up recovery, this runs it once the agent answers.
/// In single-process mode the kernel is always available and this does nothing.
/// </summary>
public sealed class KernelRecoveryService(IGatewayKernel kernel, RevisionService revisions, ILogger<KernelRecoveryService> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _cameBack = new(0);
    private volatile bool _due;

    /// <summary>What the last recovery after an outage did (null before the first), and when.</summary>
    public (DateTimeOffset At, string Report)? LastRecovery { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var availability = kernel.Availability;
        availability.Changed += OnChanged;
        try
        {
            // Unavailable now (the start-up recovery failed for it, or the agent is not up yet): recover when it answers.
            if (!availability.IsAvailable) _due = true;
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!(_due && availability.IsAvailable)) await _cameBack.WaitAsync(stoppingToken).ConfigureAwait(false);
                if (!(_due && availability.IsAvailable)) continue;
                _due = false;
                try
                {
                    logger.LogInformation("the kernel is available again: running the revision recovery");
                    var report = await revisions.RecoverAtStartupAsync(stoppingToken).ConfigureAwait(false);
                    LastRecovery = (DateTimeOffset.UtcNow, report);
                    logger.LogInformation("recovery after the kernel outage: {Report}", report);
                }
                catch (KernelUnavailableException e)
                {
                    // Gone again before recovery finished: the next time it comes back, recovery runs again.
                    _due = true;
                    logger.LogWarning("recovery after the kernel outage was cut short, retried when the kernel is back: {Reason}", e.Reason);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "recovery after the kernel outage failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        finally
        {
            availability.Changed -= OnChanged;
        }
    }

    private void OnChanged()
    {
        if (!kernel.Availability.IsAvailable) _due = true;
        else if (_due) _cameBack.Release();
    }

    public override void Dispose()
    {
        _cameBack.Dispose();
        base.Dispose();
    }
}
