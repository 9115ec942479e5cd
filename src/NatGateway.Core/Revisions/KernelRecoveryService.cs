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
public sealed class KernelRecoveryService : BackgroundService
{
    private readonly IGatewayKernel _kernel;
    private readonly RevisionService _revisions;
    private readonly ILogger<KernelRecoveryService> _logger;
    private readonly SemaphoreSlim _cameBack = new(0);
    private volatile bool _due;

    public KernelRecoveryService(IGatewayKernel kernel, RevisionService revisions, ILogger<KernelRecoveryService> logger)
    {
        (_kernel, _revisions, _logger) = (kernel, revisions, logger);
        // Subscribed on construction: the host builds every hosted service before starting the first, so an outage met
        // by ConfirmationWatchdog's start-up recovery (the agent not up yet) is seen here even if it ends before our start.
        _due = !kernel.Availability.IsAvailable;
        kernel.Availability.Changed += OnChanged;
    }

    /// <summary>What the last recovery after an outage did (null before the first), and when.</summary>
    public (DateTimeOffset At, string Report)? LastRecovery { get; private set; }

    /// <summary>How many recoveries after an outage have completed.</summary>
    public int Recoveries => _recoveries;

    private int _recoveries;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var availability = _kernel.Availability;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!(_due && availability.IsAvailable)) await _cameBack.WaitAsync(stoppingToken).ConfigureAwait(false);
                if (!(_due && availability.IsAvailable)) continue;
                _due = false;
                try
                {
                    _logger.LogInformation("the kernel is available again: running the revision recovery");
                    var report = await _revisions.RecoverAtStartupAsync(stoppingToken).ConfigureAwait(false);
                    LastRecovery = (DateTimeOffset.UtcNow, report);
                    Interlocked.Increment(ref _recoveries);
                    _logger.LogInformation("recovery after the kernel outage: {Report}", report);
                }
                catch (KernelUnavailableException e)
                {
                    // Gone again before recovery finished: the next time it comes back, recovery runs again.
                    _due = true;
                    _logger.LogWarning("recovery after the kernel outage was cut short, retried when the kernel is back: {Reason}", e.Reason);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "recovery after the kernel outage failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    private void OnChanged()
    {
        if (!_kernel.Availability.IsAvailable) _due = true;
        else if (_due) _cameBack.Release();
    }

    public override void Dispose()
    {
        _kernel.Availability.Changed -= OnChanged;
        _cameBack.Dispose();
        base.Dispose();
    }
}
