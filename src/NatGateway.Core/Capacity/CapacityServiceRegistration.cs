using Microsoft.Extensions.DependencyInjection;

namespace NatGateway.Core.Capacity;

/// <summary>Registers the capacity feature: <see cref="CapacityService"/>, the Now sampler and the conntrack reader.</summary>
public static class CapacityServiceRegistration
{
    /// <summary>Options bind from the "Capacity" configuration section (<c>Capacity__NowInterval=00:00:05</c>).</summary>
    public static IServiceCollection AddCapacityPlanning(this IServiceCollection services)
    {
        services.AddOptions<CapacityOptions>().BindConfiguration("Capacity");
        services.AddSingleton<IConntrackCapacityReader, KernelCapacityReader>();
        services.AddSingleton<CapacityService>();
        services.AddSingleton<CapacityNowMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<CapacityNowMonitor>());
        return services;
    }
}
