using Microsoft.Extensions.DependencyInjection;

namespace NatGateway.Core.Capacity;

/// <summary>Registers the capacity feature: <see cref="CapacityService"/>, the Now sampler and the conntrack reader.</summary>
public static class CapacityServiceRegistration
{
    /// <summary>
    /// Options bind from the "Capacity" configuration section, e.g. the environment variable
    /// <c>Capacity__ModprobeDirectory=/etc/modprobe.d</c>.
    /// </summary>
    public static IServiceCollection AddCapacityPlanning(this IServiceCollection services)
    {
        services.AddOptions<CapacityOptions>().BindConfiguration("Capacity");
        services.AddSingleton<LocalConntrackCapacityReader>();
        services.AddSingleton<IConntrackCapacityReader>(sp => sp.GetRequiredService<LocalConntrackCapacityReader>());
        services.AddSingleton<CapacityService>();
        services.AddSingleton<CapacityNowMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<CapacityNowMonitor>());
        return services;
    }
}
