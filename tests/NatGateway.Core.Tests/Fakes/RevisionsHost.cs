using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Core.Capacity;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Data;

namespace NatGateway.Core.Tests.Fakes;

/// <summary>The revisions feature as the app registers it (<see cref="RevisionServiceRegistration.AddRevisions"/>), over test parts.</summary>
public static class RevisionsHost
{
    public static ServiceProvider Build(NatRulesService rules, KernelSettingsService settings, RuleFlowService flows,
        IDbContextFactory<NatGatewayDbContext> db, TimeProvider clock, CapacityService? capacity = null, RevisionRetention? retention = null,
        IApplyObserver? observer = null, NatGateway.Core.Cluster.ClusterMode? clusterMode = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton(rules).AddSingleton(settings).AddSingleton(flows).AddSingleton(db).AddSingleton(clock);
        if (capacity is not null) services.AddSingleton(capacity);
        if (retention is not null) services.AddSingleton(retention);
        if (observer is not null) services.AddSingleton(observer);
        if (clusterMode is not null) services.AddSingleton(clusterMode);
        services.AddRevisions();
        return services.BuildServiceProvider();
    }

    public static RevisionService Create(NatRulesService rules, KernelSettingsService settings, RuleFlowService flows,
        IDbContextFactory<NatGatewayDbContext> db, TimeProvider clock, CapacityService? capacity = null, RevisionRetention? retention = null) =>
        Build(rules, settings, flows, db, clock, capacity, retention).GetRequiredService<RevisionService>();
}
