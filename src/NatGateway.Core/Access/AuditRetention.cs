using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NatGateway.Core.Access;

public sealed record AuditRetentionOptions
{
    public TimeSpan Keep { get; init; } = TimeSpan.FromDays(365);
}

/// <summary>Prunes audit entries older than <see cref="AuditRetentionOptions.Keep"/> at start and then daily.</summary>
public sealed class AuditRetention(AuditLog audit, AuditRetentionOptions options, TimeProvider clock, ILogger<AuditRetention> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                var removed = await audit.PruneAsync(options.Keep, stoppingToken);
                if (removed > 0) logger.LogInformation("Audit log: removed {Count} entries older than {Days} days", removed, options.Keep.TotalDays);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A locked or failing database must not stop the app; the next day tries again.
                logger.LogWarning(e, "Audit log pruning failed");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
