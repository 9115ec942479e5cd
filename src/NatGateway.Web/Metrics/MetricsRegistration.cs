using Microsoft.Extensions.DependencyInjection.Extensions;
using NatGateway.Core.Revisions;
using Prometheus;

namespace NatGateway.Web.Metrics;

/// <summary>
/// <c>GET /metrics</c>: natgw's metric families in the Prometheus text format, served by prometheus-net from a registry
/// of natgw's own (not prometheus-net's static default: every web host in a test process gets its own). Values are
/// collected on scrape: one before-collect callback asks each <see cref="IScrapeCollector"/> to set its families from
/// what the services already hold (the once-a-second conntrack sample, the mirror's status, the shared rule-counter
/// read, the doctor's latest report); nothing runs in the background for the metrics.
/// </summary>
public static class MetricsRegistration
{
    public const string Path = "/metrics";

    public static IServiceCollection AddNatgwMetrics(this IServiceCollection services, MetricsAccessMode mode)
    {
        services.AddSingleton(new MetricsSettings(mode));
        if (mode == MetricsAccessMode.Off) return services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => Prometheus.Metrics.NewCustomRegistry());
        services.AddSingleton<ConntrackMetrics>();
        services.AddSingleton<MirrorMetrics>();
        services.AddSingleton<RuleMetrics>();
        services.AddSingleton<SnatMetrics>();
        services.AddSingleton<DoctorMetrics>();
        services.AddSingleton<RevisionMetrics>();
        services.AddSingleton<ClusterMetrics>();
        // The pipeline reports each run to the histogram as it ends, scraped or not.
        services.AddSingleton<IApplyObserver>(sp => sp.GetRequiredService<RevisionMetrics>());
        services.AddSingleton<IScrapeCollector>(sp => sp.GetRequiredService<ConntrackMetrics>());
        services.AddSingleton<IScrapeCollector>(sp => sp.GetRequiredService<MirrorMetrics>());
        services.AddSingleton<IScrapeCollector>(sp => sp.GetRequiredService<RuleMetrics>());
        services.AddSingleton<IScrapeCollector>(sp => sp.GetRequiredService<SnatMetrics>());
        services.AddSingleton<IScrapeCollector>(sp => sp.GetRequiredService<DoctorMetrics>());
        services.AddSingleton<IScrapeCollector>(sp => sp.GetRequiredService<RevisionMetrics>());
        services.AddSingleton<IScrapeCollector>(sp => sp.GetRequiredService<ClusterMetrics>());
        services.AddSingleton<ScrapeCoordinator>();
        return services;
    }

    /// <summary>Maps <c>/metrics</c> behind <see cref="MetricsAccess.PolicyName"/>; with <see cref="MetricsAccessMode.Off"/>
    /// an anonymous 404 (the same answer for everyone, so nobody learns whether a token would help).</summary>
    public static IEndpointRouteBuilder MapNatgwMetrics(this IEndpointRouteBuilder app)
    {
        var settings = app.ServiceProvider.GetRequiredService<MetricsSettings>();
        if (settings.Mode == MetricsAccessMode.Off)
        {
            app.MapGet(Path, () => Results.NotFound()).AllowAnonymous().ExcludeFromDescription();
            return app;
        }
        app.ServiceProvider.GetRequiredService<ScrapeCoordinator>().Attach();
        app.MapMetrics(Path, app.ServiceProvider.GetRequiredService<CollectorRegistry>())
            .RequireAuthorization(MetricsAccess.PolicyName)
            .WithDisplayName("GET /metrics")
            .ExcludeFromDescription()
            .WithMetadata(new HttpMethodMetadata(["GET"]));
        return app;
    }
}

/// <summary>The access mode <c>natgw serve --metrics-access</c> chose.</summary>
public sealed record MetricsSettings(MetricsAccessMode Mode);

/// <summary>
/// Runs every <see cref="IScrapeCollector"/> before the registry is serialized, one scrape at a time. A collector that
/// fails (the kernel side unreachable, the database busy) leaves its families as they were and counts in
/// <c>natgw_scrape_errors_total{collector}</c>; the scrape still answers with everything else.
/// </summary>
public sealed class ScrapeCoordinator(CollectorRegistry registry, IEnumerable<IScrapeCollector> collectors, ILogger<ScrapeCoordinator> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Counter _errors = Prometheus.Metrics.WithCustomRegistry(registry).CreateCounter("natgw_scrape_errors_total",
        "Scrapes in which one part of natgw's metrics could not be read (its series kept their previous values).",
        new CounterConfiguration { LabelNames = ["collector"] });
    private int _attached;

    public void Attach()
    {
        if (Interlocked.Exchange(ref _attached, 1) == 1) return;
        foreach (var c in collectors) _errors.WithLabels(c.Name);
        registry.AddBeforeCollectCallback(CollectAsync);
    }

    public async Task CollectAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            foreach (var collector in collectors)
            {
                try { await collector.CollectAsync(ct); }
                catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
                {
                    _errors.WithLabels(collector.Name).Inc();
                    logger.LogDebug(e, "metrics: {Collector} could not be read", collector.Name);
                }
            }
        }
        finally { _gate.Release(); }
    }
}
