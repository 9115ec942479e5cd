using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NatGateway.Core.Revisions;

/// <summary>
/// Registers the revisions feature: <see cref="RevisionStore"/>, the <see cref="ApplyPipeline"/> and its steps, and the
/// <see cref="RevisionService"/> façade. Needs the database factory, <see cref="Rules.NatRulesService"/>,
/// <see cref="Settings.KernelSettingsService"/> and <see cref="Rules.RuleFlowService"/>; uses
/// <see cref="Capacity.CapacityService"/> and <see cref="RevisionRetention"/> when they are registered.
/// </summary>
public static class RevisionServiceRegistration
{
    public static IServiceCollection AddRevisions(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RevisionStore>();
        services.AddSingleton<JournalStep>();
        services.AddSingleton<NftablesStep>();
        services.AddSingleton<SysctlsStep>();
        services.AddSingleton<ConntrackSizingStep>();
        services.AddSingleton<InterfaceFixesStep>();
        services.TryAddSingleton<Cluster.ClusterMode>();
        services.AddSingleton<ClusterStep>();
        services.AddSingleton<CommitStep>();
        services.AddSingleton<ApplyPipeline>();
        services.AddSingleton<RevisionService>();
        return services;
    }
}
